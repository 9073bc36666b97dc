"""depotDossierPACS (DDPACS): the `PACS` flow of service-public.fr, the summary and the supporting PDFs."""

import random
import string
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime

from core.demo.documents.common import (
    MAIN_DOCUMENT,
    SUMMARY,
    SUPPORTING,
    Commune,
    DemoDossier,
    element,
    fields,
    french_date,
    pdf_file,
    xml_file,
)
from core.demo.people import Address, Person, random_person


def usager_reference(rng: random.Random) -> str:
    """service-public.fr's own dossier reference, which names the supporting files (A-1-XXXXXXXX)."""
    return "A-1-" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=8))


def _address(parent: ET.Element, tag: str, address: Address) -> None:
    fields(
        element(parent, tag),
        NumeroLibelleVoie=address.street,
        CodePostal=address.place.postal_code,
        Localite=address.place.name,
        Pays="FRA",
    )


def _partner(root: ET.Element, tag: str, person: Person) -> None:
    node = element(root, tag)
    fields(
        node,
        civilite="MME" if person.sex == "F" else "M",
        nomNaissance=person.last_name.upper(),
        prenoms=person.first_names,
        codeNationalite="FRA",
        jourNaissance=f"{person.birth_date.day:02d}",
        moisNaissance=f"{person.birth_date.month:02d}",
        anneeNaissance=person.birth_date.year,
    )
    place = person.birth_place
    fields(
        element(node, "LieuNaissance"),
        localite=place.name,
        codePostal=place.postal_code,
        codeInsee=place.insee,
        departement=place.department.upper(),
        codePays="FRA",
    )
    fields(node, ofpra="false", mesureJuridique="false")
    _address(node, "adressePostale", person.address)
    fields(node, adresseElectronique=person.email, titreIdentiteVerifie="true")


def _xml(first: Person, second: Person, specific: bool) -> ET.Element:
    root = ET.Element("PACS", {"xmlns:xs": "http://www.w3.org/2001/XMLSchema"})
    _partner(root, "partenaire1", first)
    _partner(root, "partenaire2", second)
    element(element(root, "convention"), "conventionSpecifique", str(specific).lower())
    _address(root, "residenceCommune", first.address)
    fields(element(root, "attestationHonneur"), nonParente="true", residenceCommune="true")
    return root


def _supporting_files(rng, first: Person, second: Person, specific: bool, sent_at: datetime):
    reference = usager_reference(rng)
    pieces = [
        ("an", f"Acte de naissance de {first.display_name}"),
        ("anp", f"Acte de naissance de {second.display_name}"),
    ]
    pieces.append(("cp", "Convention de Pacs spécifique") if specific else ("cv", "Convention de Pacs type"))
    files = []
    for index, (code, title) in enumerate(pieces):
        lines = [("Référence", reference), ("Document", title), ("Déposé le", french_date(sent_at))]
        files.append(
            pdf_file(f"{reference}-depotDossierPACS-{code}-{index}.pdf", SUPPORTING, title, lines, created=sent_at)
        )
    return files


def build(rng: random.Random, commune: Commune, sent_at: datetime, number: str) -> DemoDossier:
    """Two partners living together in the receiving commune prepare their Pacs."""
    today = sent_at.date()
    first = random_person(rng, commune.place, age_range=(20, 60), today=today)
    second = random_person(rng, commune.place, age_range=(20, 60), today=today)
    second = replace(second, address=first.address)
    specific = rng.random() < 0.4
    root = _xml(first, second, specific)
    summary = [
        ("Numéro de télédossier", number),
        ("Partenaire 1", f"{first.first_names} {first.last_name.upper()}, né(e) le {french_date(first.birth_date)}"),
        ("Partenaire 2", f"{second.first_names} {second.last_name.upper()}, né(e) le {french_date(second.birth_date)}"),
        ("Résidence commune", f"{first.address.street}, {commune.place.postal_code} {commune.place.name}"),
        ("Convention", "spécifique" if specific else "type (cerfa 15726*02)"),
        ("Courriel", first.email),
    ]
    files = [
        xml_file("flux-pacs.xml", root, MAIN_DOCUMENT),
        pdf_file("recapPDF.pdf", SUMMARY, "Préparation à la conclusion d'un Pacs", summary, created=sent_at),
        *_supporting_files(rng, first, second, specific, sent_at),
    ]
    subject = f"{first.display_name} et {second.display_name}"
    return DemoDossier(applicant=first, files=tuple(files), subject_name=subject, applicant_email=first.email)
