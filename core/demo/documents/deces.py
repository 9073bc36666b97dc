"""CERTDC: the INSERM death declaration (DD) and administrative certificate (VA), XML and PDF.

The personne concernée is the deceased; the folder's applicant is the certifying doctor.
"""

import base64
import random
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.config import get_settings
from core.demo.documents.common import Commune, DemoDossier, element, fields, pdf_file, xml_file
from core.demo.people import LAST_NAMES, Person, random_person

DSIG = "http://www.w3.org/2000/09/xmldsig#"
ET.register_namespace("ds", DSIG)
PLACES = [("EHPAD LES GLYCINES", "260012345"), ("DOMICILE", None), ("CLINIQUE DU ROUBION", "260054321")]
FUNERAL_FLAGS = [
    "ObstacleMedicoLegal",
    "ObstacleSoinsConservation",
    "ObstacleDonCorps",
    "RechercheCauseDeces",
    "PresenceProthesePile",
    "RetraitProthesePile",
]


@dataclass(frozen=True)
class Death:
    """What both INSERM files say; times are local and naive, as the flows write them."""

    person: Person
    usual_name: str  # the married name of a widow, else the birth name
    died: datetime
    written: datetime
    place: tuple[str, str | None]  # establishment and its FINESS code
    nnc: str  # the certificate number
    doctor: str
    declarant: str
    officer: str

    @property
    def subject_name(self) -> str:
        return f"{self.person.first_name} {self.usual_name}"


def _deceased(node: ET.Element, death: Death, with_sex: bool) -> None:
    person = death.person
    maiden = person.last_name.upper() if person.sex == "F" else None
    fields(node, Nom=death.usual_name.upper(), NomJeuneFille=maiden, Prenoms=person.first_names)
    element(node, "DateNaissance", person.birth_date.isoformat())
    if with_sex:
        element(node, "Sexe", "Feminin" if person.sex == "F" else "Masculin")


def _declaration(death: Death, commune: Commune) -> ET.Element:
    root = ET.Element("InsermDeclarationDeces", {"version": "1.00.00"})
    fields(root, Annee=death.died.year, Ville=commune.place.name)
    fields(root, Etablissement=death.place[0], CodeFinessEtablissement=death.place[1])
    fields(element(root, "DateDeces"), Date=death.died.date().isoformat(), Heure=death.died.strftime("%H:%M:00"))
    element(root, "DateRedaction", death.written.isoformat())
    deceased = element(root, "Defunt")
    _deceased(deceased, death, with_sex=False)
    home = death.person.address
    fields(
        element(deceased, "AdresseDomicile"),
        Adresse=home.street,
        Commune=home.place.name,
        CodePostal=home.place.postal_code,
        Departement=home.place.department,
    )
    validators = element(root, "InformationsValidateurs")
    fields(validators, NomDeclarant=death.declarant, NomOfficier=death.officer, NomMedecin=death.doctor)
    return root


def _signature(root: ET.Element, rng: random.Random) -> None:
    """The shape of the XAdES envelope the operator adds; the values are random, nothing here verifies."""
    signature = ET.SubElement(root, f"{{{DSIG}}}Signature", {"Id": f"id-{rng.getrandbits(128):032x}"})
    info = ET.SubElement(signature, f"{{{DSIG}}}SignedInfo")
    ET.SubElement(info, f"{{{DSIG}}}CanonicalizationMethod", {"Algorithm": "http://www.w3.org/2006/12/xml-c14n11"})
    ET.SubElement(
        info, f"{{{DSIG}}}SignatureMethod", {"Algorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"}
    )
    reference = ET.SubElement(info, f"{{{DSIG}}}Reference", {"Id": "r-id-1", "URI": ""})
    ET.SubElement(reference, f"{{{DSIG}}}DigestMethod", {"Algorithm": "http://www.w3.org/2001/04/xmlenc#sha256"})
    ET.SubElement(reference, f"{{{DSIG}}}DigestValue").text = base64.b64encode(rng.randbytes(32)).decode()
    ET.SubElement(signature, f"{{{DSIG}}}SignatureValue").text = base64.b64encode(rng.randbytes(256)).decode()


def _certificate(rng: random.Random, death: Death, commune: Commune) -> ET.Element:
    root = ET.Element("InsermCertificatAdministrative", {"version": "1.00.00"})
    fields(element(root, "DateDeces"), Date=death.died.date().isoformat(), Heure=death.died.strftime("%H:%M:00"))
    _deceased(element(root, "Defunt"), death, with_sex=True)
    fields(element(root, "LieuDeces"), Commune=commune.place.name, CodePostal=commune.place.postal_code)
    home = death.person.address
    fields(
        element(root, "AdresseDomicile"),
        NumeroRue=home.number,
        Adresse=f"{home.street_type} {home.street_name}",
        Commune=home.place.name,
        CodePostal=home.place.postal_code,
    )
    _funeral(rng, root)
    fields(
        element(root, "Validation"),
        NNC=death.nnc,
        CodeFinessOrganisme=death.place[1],
        Medecin=death.doctor,
        Lieu=commune.place.name,
        Date=death.written.isoformat(),
        CodeDepot="-".join(f"{rng.randint(0, 9999):04d}" for _ in range(4)),
    )
    element(root, "DoublonVolontaire", "false")
    _signature(root, rng)
    return root


def _funeral(rng: random.Random, root: ET.Element) -> None:
    funeral = element(root, "InformationsFuneraires")
    element(funeral, "ObstacleMedicoLegal", "false")
    coffin = element(funeral, "MiseEnBiereImmediate", miseenbiere="false")
    fields(coffin, CercueilHermetique="false", CercueilSimple="false")
    for flag in FUNERAL_FLAGS[1:]:
        element(funeral, flag, "true" if flag == "PresenceProthesePile" and rng.random() < 0.2 else "false")


def _pdf_lines(death: Death) -> list[tuple[str, object]]:
    return [
        ("Numéro de certificat", death.nnc),
        ("Défunt(e)", f"{death.person.first_names} {death.usual_name.upper()}"),
        ("Né(e) le", death.person.birth_date.strftime("%d/%m/%Y")),
        ("Décès", death.died.strftime("%d/%m/%Y à %H:%M")),
        ("Lieu", death.place[0]),
        ("Médecin", death.doctor),
    ]


def _death(rng: random.Random, commune: Commune, sent_at: datetime) -> tuple[Death, Person]:
    """The death, and the doctor who certified it a little before the operator sent it."""
    today = sent_at.date()
    person = random_person(rng, commune.place, age_range=(62, 99), today=today)
    doctor = random_person(rng, commune.place, age_range=(32, 64), today=today)
    written = sent_at.astimezone(get_settings().zone).replace(tzinfo=None, microsecond=0)
    written -= timedelta(minutes=rng.randint(5, 90))
    died = written - timedelta(minutes=rng.randint(30, 600))
    married = person.sex == "F" and rng.random() < 0.6
    death = Death(
        person=person,
        usual_name=rng.choice(LAST_NAMES) if married else person.last_name,
        died=died,
        written=written,
        place=rng.choice(PLACES),
        nnc=f"ER{died.year}{rng.randint(0, 9_999_999):07d}",
        doctor=f"Dr {doctor.first_name} {doctor.last_name.upper()}",
        declarant=random_person(rng, commune.place, today=today, last_name=person.last_name).display_name,
        officer=random_person(rng, commune.place, today=today).display_name,
    )
    return death, doctor


def build(rng: random.Random, commune: Commune, sent_at: datetime, number: str) -> DemoDossier:
    """A death in the receiving commune, certified electronically by a doctor."""
    death, doctor = _death(rng, commune, sent_at)
    stem = f"{death.nnc}_{death.written:%Y%m%d_%H%M}"
    lines = _pdf_lines(death)
    latin = "ISO-8859-1"  # as the INSERM flows are encoded
    files = (
        xml_file(f"{stem}_DD.xml", _declaration(death, commune), "DD_DeclarationDeces", encoding=latin),
        pdf_file(f"{stem}_DD.pdf", "DD_DeclarationDeces_PDF", "Déclaration de décès", lines, created=sent_at),
        xml_file(f"{stem}_VA.xml", _certificate(rng, death, commune), "VA_CertificatdeDeces", encoding=latin),
        pdf_file(
            f"{stem}_VA.pdf",
            "VA_CertificatdeDeces_PDF",
            "Certificat de décès (volet administratif)",
            lines,
            created=sent_at,
        ),
    )
    return DemoDossier(applicant=doctor, files=files, subject_name=death.subject_name)
