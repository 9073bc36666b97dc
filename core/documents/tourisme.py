"""HebergementTourisme (DHTOUR): the `DeclarationHebergementTourisme` flow the demo writes.

No operator sample exists; the format is the project's own (core/demo/documents/tourisme.py), modelled on
cerfa 14004 (meublé de tourisme) and 13566 (chambres d'hôtes).
"""

import xml.etree.ElementTree as ET

from core.documents.formatting import (
    CIVILITIES,
    clean,
    coded,
    french_date,
    label_or_code,
    number,
    yes_no,
)
from core.documents.generic import extras
from core.documents.model import Part, Section, section, sections
from core.documents.reading import Document, address_of, text

KIND = "une déclaration d'hébergement de tourisme"
ROOT = "DeclarationHebergementTourisme"
ROOT_TAGS = ("Formalite", "Declarant", "Hebergement", "AttestationHonneur")
DECLARANT_TAGS = ("Qualite", "Civilite", "Nom", "Prenom", "AdresseFrancaise", "Courriel", "Telephone")
LODGING_TAGS = (
    "TypeHebergement",
    "Adresse",
    "ResidencePrincipale",
    "NombrePieces",
    "NombreChambres",
    "CapaciteAccueil",
    "Classement",
    "PeriodesLocation",
)


def recognises(doc: Document) -> bool:
    return doc.root_tag == ROOT


def render(documents: list[Document], file_names: tuple[str, ...] = ()) -> Part:
    lodging = documents[0].xml.find("Hebergement")
    kind = label_or_code(text(lodging, "TypeHebergement/Libelle"), text(lodging, "TypeHebergement/Code"))
    title = "Déclaration d'un hébergement de tourisme" + (f" — {kind}" if kind else "")
    return Part(title, sections(*(_sections(doc.xml) for doc in documents)))


def _sections(root: ET.Element) -> tuple[Section, ...]:
    formality = root.find("Formalite")
    return sections(
        _declarant(root.find("Declarant")),
        _lodging(root.find("Hebergement")),
        section(
            "Attestation sur l'honneur", [("Informations certifiées exactes", yes_no(text(root, "AttestationHonneur")))]
        ),
        section(
            "Formalité",
            [
                ("Numéro", text(formality, "Identifiant")),
                ("Formulaire", f"cerfa {text(formality, 'Cerfa')}" if text(formality, "Cerfa") else None),
                ("Type", text(formality, "FormaliteType")),
                ("Mode", text(formality, "FormaliteModeCode")),
                ("Date de soumission", french_date(text(formality, "DateSoumission"))),
            ],
        ),
        extras(root, ROOT_TAGS),
    )


def _declarant(declarant: ET.Element | None) -> Section | None:
    if declarant is None:
        return None
    return section(
        "Déclarant",
        [
            ("Qualité", label_or_code(text(declarant, "Qualite/Libelle"), text(declarant, "Qualite/Code"))),
            ("Civilité", coded(text(declarant, "Civilite"), CIVILITIES)),
            ("Nom", text(declarant, "Nom")),
            ("Prénoms", text(declarant, "Prenom")),
            ("Adresse", address_of(declarant.find("AdresseFrancaise"))),
            ("Courriel", text(declarant, "Courriel")),
            ("Téléphone", text(declarant, "Telephone")),
        ],
        [extras(declarant, DECLARANT_TAGS)],
    )


def _lodging(lodging: ET.Element | None) -> Section | None:
    if lodging is None:
        return None
    capacity = text(lodging, "CapaciteAccueil")
    return section(
        "Hébergement",
        [
            (
                "Type d'hébergement",
                label_or_code(text(lodging, "TypeHebergement/Libelle"), text(lodging, "TypeHebergement/Code")),
            ),
            ("Adresse", address_of(lodging.find("Adresse"))),
            ("Code INSEE de la commune", text(lodging, "Adresse/CodeINSEE")),
            ("Résidence principale du déclarant", yes_no(text(lodging, "ResidencePrincipale"))),
            ("Nombre de pièces", text(lodging, "NombrePieces")),
            ("Nombre de chambres", text(lodging, "NombreChambres")),
            ("Capacité d'accueil", number(capacity, "personnes") if capacity else None),
            ("Classement", _rating(lodging.find("Classement"))),
            ("Périodes de location", _periods(lodging.find("PeriodesLocation"))),
        ],
        [extras(lodging, LODGING_TAGS)],
    )


def _rating(rating: ET.Element | None) -> str | None:
    if rating is None:
        return None
    stars = text(rating, "NombreEtoiles")
    if yes_no(text(rating, "Classe")) == "Non":
        return "Non classé"
    return f"{stars} étoile{'s' if stars != '1' else ''}" if stars else yes_no(text(rating, "Classe"))


def _periods(periods: ET.Element | None) -> str | None:
    if periods is None:
        return None
    shown = [
        f"du {french_date(text(p, 'DateDebut'))} au {french_date(text(p, 'DateFin'))}"
        for p in periods.findall("Periode")
        if clean(p.findtext("DateDebut")) and clean(p.findtext("DateFin"))
    ]
    return " ; ".join(shown) or None
