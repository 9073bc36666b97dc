"""What every quotient-familial provider takes and returns, named as API Particulier's v3 answer.

A provider is asked with an identity (the "identité pivot" a citizen types) and answers with the family's
quotient familial, its allocataires and its children — or raises `QFNotFound` / `QFUnavailable`, whose
French message is meant for the citizen.
"""

from dataclasses import dataclass
from typing import Protocol

FRANCE = "99100"  # COG code of France among the countries of birth


@dataclass(frozen=True)
class PivotIdentity:
    """The identity the provider is asked about; fields left empty are not sent."""

    family_name: str  # nom de naissance
    given_names: tuple[str, ...]  # every prénom, in order
    sex: str  # "F" or "M", as sexeEtatCivil
    birth_year: int | None
    birth_month: int | None = None
    birth_day: int | None = None
    birthplace: str | None = None  # COG code of the commune, for people born in France
    birthcountry: str = FRANCE  # COG code of the country

    @property
    def born_abroad(self) -> bool:
        return self.birthcountry != FRANCE

    @property
    def birthdate(self) -> str:
        """ISO 8601, with reduced precision when the day (or month) is not known: 1987-06, 1987."""
        parts = [f"{self.birth_year:04d}" if self.birth_year else ""]
        if self.birth_month:
            parts.append(f"{self.birth_month:02d}")
            if self.birth_day:
                parts.append(f"{self.birth_day:02d}")
        return "-".join(parts)


@dataclass(frozen=True)
class FamilyMember:
    """An allocataire or a child, as the provider names them."""

    nom_naissance: str
    nom_usage: str | None
    prenoms: str
    date_naissance: str | None
    sexe: str | None


@dataclass(frozen=True)
class QuotientFamilial:
    fournisseur: str  # CNAF or MSA
    valeur: int
    annee: int
    mois: int
    annee_calcul: int | None = None
    mois_calcul: int | None = None


@dataclass(frozen=True)
class QFResult:
    """What the citizen is shown and what the dossier carries."""

    quotient_familial: QuotientFamilial
    allocataires: tuple[FamilyMember, ...]
    enfants: tuple[FamilyMember, ...]


class ProviderError(Exception):
    """A look-up that gives nothing to send; `message` is French and meant for the citizen."""

    def __init__(self, message: str, *, detail: str | None = None):
        super().__init__(message)
        self.message = message
        # For the box's log only (status, provider's error code): never shown, never personal data.
        self.detail = detail


class QFNotFound(ProviderError):
    """No family record matches this identity."""


class QFUnavailable(ProviderError):
    """The provider cannot answer now (unreachable, overloaded, misconfigured)."""


NOT_FOUND = (
    "Aucun dossier d'allocataire ne correspond à ces informations auprès de la CAF ou de la MSA. "
    "Vérifiez votre nom de naissance, vos prénoms, votre date et votre lieu de naissance."
)
UNAVAILABLE = (
    "Le service qui fournit le quotient familial ne répond pas pour le moment. Rien n'a été transmis : "
    "réessayez dans quelques minutes."
)


class QFProvider(Protocol):
    """A source of quotients familiaux: the sandbox or API Particulier."""

    name: str

    def fetch(
        self, identity: PivotIdentity, *, recipient: str, year: int | None = None, month: int | None = None
    ) -> QFResult:
        """The family's quotient familial (of `year`/`month`, the latest otherwise) for `recipient` (a SIRET)."""
        ...


def member_from_json(data: dict) -> FamilyMember:
    return FamilyMember(
        nom_naissance=str(data.get("nom_naissance") or ""),
        nom_usage=data.get("nom_usage") or None,
        prenoms=str(data.get("prenoms") or ""),
        date_naissance=data.get("date_naissance") or None,
        sexe=data.get("sexe") or None,
    )


def result_from_json(data: dict) -> QFResult:
    """API Particulier's `data` object; KeyError/TypeError/ValueError when it is not one."""
    qf = data["quotient_familial"]
    if qf is None or qf.get("valeur") is None:
        raise QFNotFound(
            "La CAF ou la MSA n'a pas de quotient familial calculé pour votre famille ce mois-ci.",
            detail="quotient_familial.valeur absent",
        )
    return QFResult(
        quotient_familial=QuotientFamilial(
            fournisseur=str(qf["fournisseur"]),
            valeur=int(qf["valeur"]),
            annee=int(qf["annee"]),
            mois=int(qf["mois"]),
            annee_calcul=qf.get("annee_calcul"),
            mois_calcul=qf.get("mois_calcul"),
        ),
        allocataires=tuple(member_from_json(m) for m in data.get("allocataires") or ()),
        enfants=tuple(member_from_json(m) for m in data.get("enfants") or ()),
    )
