"""The sandbox provider: a few fictional families, written for this project, to try the form without API Particulier.

Every person here is invented. An identity matches when the nom de naissance, the first prénom, the sex, the
year and month of birth (and the day, when typed) and the place of birth are the same, ignoring case and
accents. The README lists them; `MOULIN Claire` is known to have no record and `PANNE Service` plays a
provider that does not answer.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from core.clock import utcnow
from core.config import get_settings
from core.quotient_familial.base import (
    NOT_FOUND,
    UNAVAILABLE,
    FamilyMember,
    PivotIdentity,
    QFNotFound,
    QFResult,
    QFUnavailable,
    QuotientFamilial,
)
from core.text import search_key


def _m(nom: str, prenoms: str, born: str, sexe: str, usage: str | None = None) -> FamilyMember:
    return FamilyMember(nom_naissance=nom, nom_usage=usage, prenoms=prenoms, date_naissance=born, sexe=sexe)


@dataclass(frozen=True)
class SandboxFamily:
    identity: PivotIdentity
    description: str  # French, for the README and the tests
    fournisseur: str | None = None  # None: no record (or no answer when `unavailable`)
    valeur: int | None = None
    allocataires: tuple[FamilyMember, ...] = ()
    enfants: tuple[FamilyMember, ...] = ()
    unavailable: bool = False


def _id(nom, prenoms, sex, born: date, place=None, country="99100") -> PivotIdentity:
    return PivotIdentity(nom, tuple(prenoms.split()), sex, born.year, born.month, born.day, place, country)


FAMILIES: tuple[SandboxFamily, ...] = (
    SandboxFamily(
        _id("BERTRAND", "Élodie Marie", "F", date(1986, 3, 14), "26362"),
        "Parent seul, deux enfants, CAF (née à Valence)",
        "CNAF", 642,
        (_m("BERTRAND", "ÉLODIE MARIE", "1986-03-14", "F"),),
        (_m("BERTRAND", "LINA", "2014-09-02", "F"), _m("BERTRAND", "HUGO PIERRE", "2017-01-23", "M")),
    ),
    SandboxFamily(
        _id("FAURE", "Jean-Luc André", "M", date(1979, 11, 2), "26113"),
        "Couple, trois enfants, MSA (né à Die)",
        "MSA", 487,
        (_m("FAURE", "JEAN-LUC ANDRÉ", "1979-11-02", "M"), _m("ROCHE", "ISABELLE", "1981-06-30", "F", "FAURE")),
        (
            _m("FAURE", "MATHIS", "2008-04-11", "M"),
            _m("FAURE", "CHLOÉ", "2011-12-05", "F"),
            _m("FAURE", "NOÉ", "2019-07-19", "M"),
        ),
    ),
    SandboxFamily(
        _id("BENALI", "Yasmina", "F", date(1990, 7, 21), None, "99350"),
        "Couple sans enfant, CAF (née au Maroc)",
        "CNAF", 1380,
        (_m("BENALI", "YASMINA", "1990-07-21", "F"), _m("BENALI", "KARIM", "1988-02-17", "M")),
    ),
    SandboxFamily(
        _id("LAURENT", "Sophie Anne", "F", date(1983, 5, 9), "07186"),
        "Parent seul, quatre enfants dont une majeure, CAF (née à Privas)",
        "CNAF", 398,
        (_m("LAURENT", "SOPHIE ANNE", "1983-05-09", "F"),),
        (
            _m("LAURENT", "EMMA", "2004-10-01", "F"),
            _m("LAURENT", "LOUIS", "2009-03-15", "M"),
            _m("LAURENT", "JADE", "2013-06-27", "F"),
            _m("LAURENT", "RAPHAËL", "2020-02-08", "M"),
        ),
    ),
    SandboxFamily(
        _id("ARNAUD", "Thomas", "M", date(1995, 8, 28), "26198"),
        "Personne seule sans enfant, MSA (né à Montélimar)",
        "MSA", 1915,
        (_m("ARNAUD", "THOMAS", "1995-08-28", "M"),),
    ),
    SandboxFamily(
        _id("MOULIN", "Claire", "F", date(1992, 4, 17), "26362"),
        "Aucun dossier d'allocataire (née à Valence)",
    ),
    SandboxFamily(
        _id("PANNE", "Service", "M", date(1980, 1, 1), "26362"),
        "Fournisseur injoignable (né à Valence)",
        unavailable=True,
    ),
)  # fmt: skip


def _same_person(asked: PivotIdentity, known: PivotIdentity) -> bool:
    if search_key(asked.family_name) != search_key(known.family_name) or asked.sex != known.sex:
        return False
    if not asked.given_names or search_key(asked.given_names[0]) != search_key(known.given_names[0]):
        return False
    if (asked.birth_year, asked.birth_month) != (known.birth_year, known.birth_month):
        return False
    if asked.birth_day is not None and asked.birth_day != known.birth_day:
        return False
    return asked.birthcountry == known.birthcountry and (asked.born_abroad or asked.birthplace == known.birthplace)


def _previous_month(today: date) -> tuple[int, int]:
    return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)


class SandboxProvider:
    name = "sandbox"

    def __init__(self, clock: Callable[[], datetime] = utcnow):
        self.clock = clock

    def fetch(
        self, identity: PivotIdentity, *, recipient: str, year: int | None = None, month: int | None = None
    ) -> QFResult:
        """The family of a sandbox identity; its QF is last month's unless `year`/`month` ask for another."""
        family = next((f for f in FAMILIES if _same_person(identity, f.identity)), None)
        if family is not None and family.unavailable:
            raise QFUnavailable(UNAVAILABLE, detail="bac à sable : fournisseur injoignable simulé")
        if family is None or family.fournisseur is None:
            raise QFNotFound(NOT_FOUND, detail="bac à sable : identité inconnue")
        today = self.clock().astimezone(get_settings().zone).date()
        annee, mois = (year, month) if year and month else _previous_month(today)
        return QFResult(
            quotient_familial=QuotientFamilial(
                fournisseur=family.fournisseur,
                valeur=family.valeur,
                annee=annee,
                mois=mois,
                annee_calcul=today.year,
                mois_calcul=today.month,
            ),
            allocataires=family.allocataires,
            enfants=family.enfants,
        )
