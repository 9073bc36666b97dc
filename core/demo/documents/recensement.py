"""recensementCitoyen (RCO): the `RecensementCitoyen` flow, its PDF and the two supporting documents."""

import random
import xml.etree.ElementTree as ET
from datetime import datetime

from core.config import get_settings
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
from core.demo.documents.pacs import usager_reference
from core.demo.people import Address, Person, random_person

EMPTY_ADDRESS = dict.fromkeys(
    ("PointDeRemise", "Complement", "NumeroVoie", "Extension", "TypeVoie", "NomVoie", "LieuDit")
)


def _birth_places(node: ET.Element, commune_name: str | None, postal_code: str | None) -> None:
    fields(element(node, "LieuNaissance"), Code="COMMUNE", Nom=commune_name)
    fields(element(node, "LieuNaissance"), Code="AUTRE", Nom=postal_code)


def _home(node: ET.Element, address: Address) -> None:
    fields(
        element(node, "AdresseDomicile"),
        **{
            **EMPTY_ADDRESS,
            "NumeroVoie": address.number,
            "TypeVoie": address.street_type,
            "NomVoie": address.street_name,
        },
        CodePostal=address.place.postal_code,
        Localite=address.place.name,
        CodeINSEE=address.place.insee,
    )
    fields(element(node, "AdresseResidence"), **EMPTY_ADDRESS, CodePostal=None, Localite=None)


def _person(root: ET.Element, young: Person, siblings: int) -> None:
    node = element(root, "Personne")
    fields(node, Civilite="M" if young.sex == "M" else "MME", Sexe="1" if young.sex == "M" else "2")
    fields(node, NomFamille=young.last_name.upper(), NomUsage=None, PrenomUsuel=young.first_name.upper())
    fields(node, Prenom=" ".join(young.first_names.split()[1:]).upper() or None)
    fields(node, DateNaissance=french_date(young.birth_date), PaysNaissance="FRA", Nationalite="FRA")
    element(node, "CodeINSEENaissance", young.birth_place.insee)
    _birth_places(node, young.birth_place.name, young.birth_place.postal_code)
    _home(node, young.address)
    family = element(node, "SituationFamille")
    fields(family, SituationMatrimoniale="Célibataire", NombreEnfants=0, Pupille=None, NombreFrereSoeur=siblings)
    fields(element(node, "MethodeContact"), URI=young.email, CanalCode="EMAIL")
    fields(element(node, "MethodeContact"), URI=young.phone, CanalCode="TEL")


def _parent(root: ET.Element, tag: str, parent: Person | None) -> None:
    node = element(root, tag)
    if parent is None:  # filiation not given: the flow keeps the empty fields
        fields(node, NomFamille=None, PrenomUsuel=None, Prenom=None, DateNaissance=None, PaysNaissance=None)
        fields(node, Nationalite=None, CodeINSEENaissance=None)
        _birth_places(node, None, None)
        return
    fields(node, NomFamille=parent.last_name.upper(), PrenomUsuel=parent.first_name.upper(), Prenom=None)
    fields(node, DateNaissance=french_date(parent.birth_date), PaysNaissance="FRA", Nationalite="FRA")
    element(node, "CodeINSEENaissance", parent.birth_place.insee)
    _birth_places(node, parent.birth_place.name, parent.birth_place.postal_code)


def _xml(young: Person, father: Person | None, mother: Person | None, siblings: int, sent_at: datetime):
    root = ET.Element("RecensementCitoyen")
    element(root, "Convention")
    formality = element(root, "Formalite")
    element(formality, "Identifiant")
    submitted = sent_at.astimezone(get_settings().zone).replace(tzinfo=None, microsecond=0)
    fields(formality, FormaliteType="DECL", DateSoumission=submitted.isoformat())
    element(formality, "FormaliteMotifCode", "RECENSEMENT")
    element(formality, "FormaliteMotifCode")
    element(formality, "FormaliteModeCode", "AJOUT")
    _person(root, young, siblings)
    _parent(root, "FiliationPere", father)
    _parent(root, "FiliationMere", mother)
    return root


def build(rng: random.Random, commune: Commune, sent_at: datetime, number: str) -> DemoDossier:
    """A sixteen-year-old living in the receiving commune registers for the recensement."""
    today = sent_at.date()
    young = random_person(rng, commune.place, age_range=(16, 16), today=today)
    with_parents = rng.random() < 0.6
    father = random_person(rng, commune.place, age_range=(38, 55), sex="M", last_name=young.last_name, today=today)
    mother = random_person(rng, commune.place, age_range=(36, 52), sex="F", today=today)
    siblings = rng.randint(0, 3)
    root = _xml(young, father if with_parents else None, mother if with_parents else None, siblings, sent_at)
    local_number = str(rng.randint(10_000, 99_999))
    reference = usager_reference(rng)
    summary = [
        ("Numéro de télédossier", number),
        ("Jeune recensé(e)", f"{young.first_names} {young.last_name.upper()}"),
        ("Né(e) le", f"{french_date(young.birth_date)} à {young.birth_place.name}"),
        ("Domicile", f"{young.address.street}, {commune.place.postal_code} {commune.place.name}"),
        ("Frères et soeurs", siblings),
        ("Contact", f"{young.email} / {young.phone}"),
    ]
    files = (
        xml_file(f"{local_number}-XML.xml", root, MAIN_DOCUMENT),
        pdf_file(f"{local_number}-PDF.pdf", SUMMARY, "Recensement citoyen obligatoire", summary, created=sent_at),
        pdf_file(
            f"{reference}-recensementCitoyen-ji-0.pdf",
            SUPPORTING,
            "Justificatif d'identité",
            [("Titulaire", young.display_name), ("Référence", reference)],
            created=sent_at,
        ),
        pdf_file(
            f"{reference}-recensementCitoyen-jf-1.pdf",
            SUPPORTING,
            "Livret de famille",
            [("Famille", young.last_name.upper()), ("Référence", reference)],
            created=sent_at,
        ),
    )
    return DemoDossier(applicant=young, files=files, subject_name=young.display_name, applicant_email=young.email)
