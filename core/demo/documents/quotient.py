"""FormulaireQF: the three files of a quotient-familial dossier (JSON, the same as XML, and a PDF).

The JSON follows API Particulier's quotient familial v3 answer and FranceConnect's identité pivot.
"""

import json
import random
import xml.etree.ElementTree as ET
from datetime import datetime

from core.demo.documents.common import (
    JSON_MIME,
    MAIN_DOCUMENT,
    SUMMARY,
    Commune,
    DemoDossier,
    element,
    pdf_file,
    xml_file,
)
from core.demo.people import Person, random_person
from core.services.folders import IncomingFile

FRANCE_COG = "99100"


def _member(person: Person, usual_name: str | None = None) -> dict:
    return {
        "nom_naissance": person.last_name.upper(),
        "nom_usage": (usual_name or "").upper() or None,
        "prenoms": person.first_names,
        "date_naissance": person.birth_date.isoformat(),
        "sexe": person.sex,
    }


def qf_document(number: str, applicant: Person, partner: Person | None, children: list[Person], qf: dict) -> dict:
    """The FormulaireQF.json content."""
    allocataires = [_member(applicant)] + ([_member(partner)] if partner else [])
    return {
        "external_id": number,
        "pivot_identity": {
            "family_name": applicant.last_name.upper(),
            "given_name": applicant.first_names,
            "gender": "female" if applicant.sex == "F" else "male",
            "birthdate": applicant.birth_date.isoformat(),
            "birthplace": applicant.birth_place.insee,
            "birthcountry": FRANCE_COG,
        },
        "quotient_familial_v3": {
            "allocataires": allocataires,
            "enfants": [_member(child) for child in children],
            "quotient_familial": qf,
            "version": "v3",
        },
    }


def _xml_value(parent: ET.Element, tag: str, value) -> None:
    if isinstance(value, dict):
        node = element(parent, tag)
        for key, item in value.items():
            _xml_value(node, key, item)
    elif isinstance(value, list):
        node = element(parent, tag)
        for item in value:
            _xml_value(node, tag.removesuffix("s"), item)  # allocataires/allocataire, enfants/enfant
    else:
        element(parent, tag, value)


def qf_xml(document: dict) -> ET.Element:
    """The same content as FormulaireQF.json, one element per field."""
    root = ET.Element("FormulaireQF")
    for key, value in document.items():
        _xml_value(root, key, value)
    return root


def _pdf_lines(document: dict) -> list[tuple[str, object]]:
    identity, qf3 = document["pivot_identity"], document["quotient_familial_v3"]
    value = qf3["quotient_familial"]
    lines = [
        ("Numéro de télédossier", document["external_id"]),
        ("Identité", f"{identity['given_name']} {identity['family_name']}, né(e) le {identity['birthdate']}"),
        ("Quotient familial", f"{value['valeur']} EUR ({value['fournisseur']}, {value['mois']:02d}/{value['annee']})"),
    ]
    lines += [("Allocataire", f"{a['prenoms']} {a['nom_naissance']}") for a in qf3["allocataires"]]
    lines += [("Enfant", f"{e['prenoms']} {e['nom_naissance']}, {e['date_naissance']}") for e in qf3["enfants"]]
    return lines


def build(rng: random.Random, commune: Commune, sent_at: datetime, number: str) -> DemoDossier:
    """A family of the receiving commune sends its quotient familial through the public form."""
    today = sent_at.date()
    applicant = random_person(rng, commune.place, age_range=(28, 50), today=today)
    partner = random_person(rng, commune.place, age_range=(25, 50), today=today) if rng.random() < 0.6 else None
    family = applicant.last_name
    children = [
        random_person(rng, commune.place, age_range=(1, 14), last_name=family, today=today)
        for _ in range(rng.randint(1, 3))
    ]
    month = today.month - 1 or 12
    qf = {
        "fournisseur": rng.choices(("CNAF", "MSA"), weights=(9, 1))[0],
        "valeur": rng.randint(250, 1800),
        "annee": today.year if month != 12 else today.year - 1,
        "mois": month,
        "annee_calcul": today.year,
        "mois_calcul": today.month,
    }
    document = qf_document(number, applicant, partner, children, qf)
    names = "_".join(applicant.first_names.split())
    files = (
        IncomingFile(
            "FormulaireQF.json", MAIN_DOCUMENT, JSON_MIME, json.dumps(document, ensure_ascii=False, indent=2).encode()
        ),
        xml_file("FormulaireQF.xml", qf_xml(document), MAIN_DOCUMENT),
        pdf_file(
            f"quotient_familial_{applicant.last_name.upper()}_{names}.pdf",
            SUMMARY,
            "Attestation de quotient familial",
            _pdf_lines(document),
            created=sent_at,
        ),
    )
    email = applicant.email if rng.random() < 0.5 else None
    return DemoDossier(applicant=applicant, files=files, subject_name=applicant.display_name, applicant_email=email)
