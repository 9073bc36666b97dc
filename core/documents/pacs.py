"""depotDossierPACS (DDPACS): the `PACS` flow of service-public.fr and the dossier's supporting files.

Labels follow the sample's recap PDF and cerfa 15725*02 (déclaration conjointe). The flow names no
appointment: the mairie competent is the one of the partners' common residence, shown as such.
"""

import xml.etree.ElementTree as ET

from core.documents.formatting import (
    CIVILITIES,
    COUNTRIES,
    NATIONALITIES,
    clean,
    coded,
    joined,
    person_name,
    place_with_code,
    yes_no,
)
from core.documents.generic import extras
from core.documents.model import Part, Section, section, sections
from core.documents.pieces import supporting_pieces
from core.documents.reading import Document, address_of, text

KIND = "un dossier de Pacs"
ROOT = "PACS"
PARTNERS = ("partenaire1", "partenaire2")
ROOT_TAGS = (*PARTNERS, "convention", "residenceCommune", "attestationHonneur")
PARTNER_TAGS = (
    "civilite",
    "nomNaissance",
    "nomUsage",
    "prenoms",
    "codeNationalite",
    "jourNaissance",
    "moisNaissance",
    "anneeNaissance",
    "LieuNaissance",
    "ofpra",
    "mesureJuridique",
    "adressePostale",
    "adresseElectronique",
    "titreIdentiteVerifie",
)
# The sample's supporting files are an-0, anp-1 and cp-2, which its recap PDF lists as the two partners'
# birth certificates and the specific convention; cv is the demo's standard convention.
PIECES = {
    "an": "Acte de naissance du partenaire 1",
    "anp": "Acte de naissance du partenaire 2",
    "cp": "Convention de Pacs spécifique",
    "cv": "Convention de Pacs type",
}
OTHER_FILES = {
    r"15725\S*\.pdf$": "Déclaration conjointe (cerfa 15725*02)",
    r"recapPDF\.pdf$": "Récapitulatif de la démarche",
}


def recognises(doc: Document) -> bool:
    return doc.root_tag == ROOT


def render(documents: list[Document], file_names: tuple[str, ...] = ()) -> Part:
    root = documents[0].xml
    names = [_name(root.find(tag)) for tag in PARTNERS]
    title = "Préparation à la conclusion d'un Pacs"
    if all(names):
        title += f" — {names[0]} et {names[1]}"
    found = [_sections(doc.xml) for doc in documents]
    pieces = supporting_pieces(file_names, "depotDossierPACS", PIECES, OTHER_FILES)
    return Part(title, sections(*found, pieces))


def _sections(root: ET.Element) -> tuple[Section, ...]:
    specific = yes_no(text(root, "convention/conventionSpecifique"))
    convention = {"Oui": "Convention de Pacs spécifique", "Non": "Convention de Pacs type"}.get(specific or "")
    oath = root.find("attestationHonneur")
    return sections(
        [_partner(root.find(tag), f"Partenaire {rank}") for rank, tag in enumerate(PARTNERS, start=1)],
        section(
            "Convention",
            [("Convention choisie", convention)],
            [extras(root.find("convention"), ("conventionSpecifique",))],
        ),
        section(
            "Résidence commune (mairie d'enregistrement)", [("Adresse", address_of(root.find("residenceCommune")))]
        ),
        section(
            "Attestations sur l'honneur",
            [
                ("Aucun lien de parenté ou d'alliance entre les partenaires", yes_no(text(oath, "nonParente"))),
                ("Résidence commune à l'adresse indiquée", yes_no(text(oath, "residenceCommune"))),
            ],
        ),
        extras(root, ROOT_TAGS),
    )


def _name(partner: ET.Element | None) -> str | None:
    return person_name(text(partner, "prenoms"), text(partner, "nomNaissance"))


def _partner(partner: ET.Element | None, heading: str) -> Section | None:
    if partner is None:
        return None
    born = partner.find("LieuNaissance")
    nationalities = [coded(n.text, NATIONALITIES) for n in partner.findall("codeNationalite") if clean(n.text)]
    return section(
        heading,
        [
            ("Civilité", coded(text(partner, "civilite"), CIVILITIES)),
            ("Nom de naissance", text(partner, "nomNaissance")),
            ("Nom d'usage", text(partner, "nomUsage")),
            ("Prénoms", text(partner, "prenoms")),
            ("Date de naissance", _birth_date(partner)),
            ("Lieu de naissance", _birth_place(born)),
            ("Code INSEE de naissance", text(born, "codeInsee")),
            ("Nationalité", ", ".join(nationalities) or None),
            ("Protection de l'OFPRA (réfugié, apatride)", yes_no(text(partner, "ofpra"))),
            ("Mesure de protection juridique", yes_no(text(partner, "mesureJuridique"))),
            ("Adresse", address_of(partner.find("adressePostale"))),
            ("Courriel", text(partner, "adresseElectronique")),
            ("Pièce d'identité en cours de validité", yes_no(text(partner, "titreIdentiteVerifie"))),
        ],
        [extras(partner, PARTNER_TAGS)],
    )


def _birth_date(partner: ET.Element) -> str | None:
    day, month = text(partner, "jourNaissance"), text(partner, "moisNaissance")
    parts = [f"{int(p):02d}" if p and p.isdigit() else p for p in (day, month)]
    return joined(*parts, text(partner, "anneeNaissance"), sep="/")


def _birth_place(born: ET.Element | None) -> str | None:
    """NICE (06000), YVELINES, France — as the recap PDF writes it."""
    town = place_with_code(text(born, "localite"), text(born, "codePostal"))
    return joined(town, text(born, "departement"), coded(text(born, "codePays"), COUNTRIES), sep=", ")
