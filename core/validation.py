"""Checks of the identifiers and contact details people type: SIRET, INSEE code, email, phone."""

import re

from core.errors import InvalidInput

EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
# French numbers: 0X XX XX XX XX, or +33 / 0033 followed by 9 digits (no leading 0).
PHONE = re.compile(r"^(?:0[1-9]\d{8}|(?:\+33|0033)[1-9]\d{8})$")
INSEE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def normalize_siret(value: str, field: str = "siret") -> str:
    """14 digits passing the Luhn check (spaces allowed when typed); La Poste's SIRETs are the exception."""
    siret = re.sub(r"\s", "", value or "")
    if not re.fullmatch(r"\d{14}", siret):
        raise InvalidInput("Le SIRET doit comporter exactement 14 chiffres.", field=field)
    # La Poste's sites (SIREN 356000000) use another checksum, the digits add up to a multiple of 5;
    # its head office (…00048) follows Luhn like everybody else.
    if siret.startswith("356000000") and siret != "35600000000048":
        if sum(int(c) for c in siret) % 5 != 0:
            raise InvalidInput("Ce SIRET n'est pas valide (clé de contrôle incorrecte).", field=field)
        return siret
    if not luhn_valid(siret):
        raise InvalidInput("Ce SIRET n'est pas valide (clé de contrôle incorrecte).", field=field)
    return siret


def normalize_email(value: str, field: str = "email") -> str:
    email = (value or "").strip().lower()
    if len(email) > 320 or not EMAIL.match(email):
        raise InvalidInput(
            "L'adresse électronique n'est pas valide (exemple : prenom.nom@mairie-exemple.fr).", field=field
        )
    return email


def normalize_phone(value: str, field: str = "phone") -> str:
    phone = re.sub(r"[\s.\-]", "", value or "")
    if not PHONE.match(phone):
        raise InvalidInput(
            "Le numéro de téléphone n'est pas un numéro français valide (exemple : 01 23 45 67 89).", field=field
        )
    return phone


def normalize_insee(value: str, field: str = "branch_code") -> str:
    code = (value or "").strip().upper()
    if not INSEE.match(code):
        raise InvalidInput("Le code INSEE doit comporter 5 caractères (exemple : 75056 ou 2A004).", field=field)
    return code


def required_text(value: str | None, label: str, field: str, max_length: int = 200) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"Le champ « {label} » est obligatoire.", field=field)
    if len(text) > max_length:
        raise InvalidInput(f"Le champ « {label} » ne doit pas dépasser {max_length} caractères.", field=field)
    return text
