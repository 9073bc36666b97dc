"""The citizen's form: what was typed, checked field by field, with one French message per field at fault."""

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date

from core.errors import InvalidInput
from core.quotient_familial.base import FRANCE, PivotIdentity
from core.validation import INSEE

MAX_FAMILY_NAME = 100
MAX_GIVEN_NAMES = 200
MAX_GIVEN_NAME_COUNT = 10
OLDEST_YEAR = 1900
# Letters (accented ones included), spaces, hyphens and apostrophes: what a civil-status name is made of.
NAME = re.compile(r"^[^\W\d_]+(?:[ '’\-][^\W\d_]+)*$")
COUNTRY = re.compile(r"^99\d{3}$")
FIELD_LABELS = {
    "family_name": "Nom de naissance",
    "given_names": "Prénoms",
    "sex": "Sexe",
    "birth_day": "Jour de naissance",
    "birth_month": "Mois de naissance",
    "birth_year": "Année de naissance",
    "birthplace": "Commune de naissance",
    "birthcountry": "Pays de naissance",
    "consent": "Consentement",
}


@dataclass(frozen=True)
class QFForm:
    """The form as typed; nothing is trusted yet."""

    family_name: str = ""
    given_names: str = ""
    sex: str | None = None  # "F" or "M"
    birth_day: int | None = None
    birth_month: int | None = None
    birth_year: int | None = None
    born_abroad: bool = False
    birthplace: str = ""  # INSEE code of the commune of birth
    birthcountry: str = ""  # INSEE code of the country of birth (99xxx)
    consent: bool = False


class QFFormErrors(InvalidInput):
    """Every field at fault at once; `errors` maps each field to its message, in the form's order."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()), field=next(iter(errors)))
        self.errors = errors


def _squash(text: str | None) -> str:
    return " ".join((text or "").split())


def _family_name(value: str, errors: dict[str, str]) -> str:
    name = _squash(value)
    if not name:
        errors["family_name"] = "Indiquez votre nom de naissance."
    elif len(name) > MAX_FAMILY_NAME:
        errors["family_name"] = f"Le nom de naissance ne doit pas dépasser {MAX_FAMILY_NAME} caractères."
    elif not NAME.match(name):
        errors["family_name"] = (
            "Le nom de naissance ne peut contenir que des lettres, des espaces, des tirets et des apostrophes."
        )
    return name.upper()


def _given_names(value: str, errors: dict[str, str]) -> tuple[str, ...]:
    text = _squash(value.replace(",", " ") if value else value)
    names = tuple(text.split())
    if not names:
        errors["given_names"] = "Indiquez vos prénoms, tous, dans l'ordre de votre acte de naissance."
    elif len(text) > MAX_GIVEN_NAMES or len(names) > MAX_GIVEN_NAME_COUNT:
        errors["given_names"] = (
            f"Les prénoms ne doivent pas dépasser {MAX_GIVEN_NAMES} caractères ni {MAX_GIVEN_NAME_COUNT} prénoms."
        )
    elif not all(NAME.match(n) for n in names):
        errors["given_names"] = "Les prénoms ne peuvent contenir que des lettres, des tirets et des apostrophes."
    return names


def _birth(form: QFForm, today: date, errors: dict[str, str]) -> tuple[int | None, int | None, int | None]:
    year, month, day = form.birth_year, form.birth_month, form.birth_day
    if year is None:
        errors["birth_year"] = "Indiquez votre année de naissance."
    elif not OLDEST_YEAR <= year <= today.year:
        errors["birth_year"] = f"L'année de naissance doit être comprise entre {OLDEST_YEAR} et {today.year}."
    if month is None:
        errors["birth_month"] = "Indiquez votre mois de naissance."
    elif not 1 <= month <= 12:
        errors["birth_month"] = "Le mois de naissance doit être compris entre 1 et 12."
    if errors.keys() & {"birth_year", "birth_month"}:
        return year, month, day
    if day is not None and not 1 <= day <= monthrange(year, month)[1]:
        errors["birth_day"] = "Ce jour n'existe pas dans le mois de naissance indiqué."
    elif date(year, month, day or 1) > today:
        errors["birth_year"] = "La date de naissance ne peut pas être dans le futur."
    return year, month, day


def _place(form: QFForm, errors: dict[str, str]) -> tuple[str | None, str]:
    if form.born_abroad:
        country = (form.birthcountry or "").strip()
        if not country:
            errors["birthcountry"] = "Indiquez votre pays de naissance."
        elif not COUNTRY.match(country) or country == FRANCE:
            errors["birthcountry"] = (
                "Le code INSEE d'un pays étranger comporte 5 chiffres et commence par 99 (exemple : 99350)."
            )
        return None, country
    commune = (form.birthplace or "").strip().upper()
    if not commune:
        errors["birthplace"] = "Indiquez votre commune de naissance."
    elif not INSEE.match(commune) or commune.startswith("99"):
        errors["birthplace"] = "Le code INSEE d'une commune comporte 5 caractères (exemple : 26362 ou 2A004)."
    return commune, FRANCE


def validate_qf_form(form: QFForm, *, today: date) -> PivotIdentity:
    """The identity to look up; `QFFormErrors` listing every field at fault otherwise."""
    errors: dict[str, str] = {}
    family_name = _family_name(form.family_name, errors)
    given_names = _given_names(form.given_names, errors)
    if form.sex not in ("F", "M"):
        errors["sex"] = "Indiquez votre sexe tel qu'il figure sur votre acte de naissance."
    year, month, day = _birth(form, today, errors)
    birthplace, birthcountry = _place(form, errors)
    if not form.consent:
        errors["consent"] = "Cochez la case de consentement : sans elle, rien ne peut être transmis."
    if errors:
        ordered = {field: errors[field] for field in FIELD_LABELS if field in errors}
        raise QFFormErrors(ordered)
    return PivotIdentity(family_name, given_names, form.sex, year, month, day, birthplace, birthcountry)
