"""JeChangeDeCoordonnees (JCC): the `DemandeChangementCoordonnees` body in the DILA envelope.

The real sample of this démarche is a copy of the EtatCivil flow, so the format shown here is the one the
project's demo writes (core/demo/documents/coordonnees.py); the EtatCivil copy is recognised by its
`DemandeActe` body and shown as what it is.
"""

import xml.etree.ElementTree as ET

from core.documents.formatting import CIVILITIES, clean, coded, french_date, joined, label_or_code
from core.documents.generic import extras
from core.documents.model import Part, Section, section, sections
from core.documents.reading import Document, address_of, text

KIND = "une déclaration de changement de coordonnées"
ROOT = "EnveloppeMetierType"
BODY = "DemandeChangementCoordonnees"
REQUEST_TAGS = ("TypeChangement", "DateEffet", "Demandeur", "Foyer", "Destinataires")
PERSON_TAGS = (
    "Civilite",
    "Nom",
    "Prenom",
    "DateDeNaissance",
    "AdresseFrancaise",
    "AncienneAdresse",
    "Courriel",
    "TelephoneFixe",
    "TelephonePortable",
)


def recognises(doc: Document) -> bool:
    return doc.root_tag == ROOT and doc.xml.find(BODY) is not None


def render(documents: list[Document], file_names: tuple[str, ...] = ()) -> Part:
    request = documents[0].xml.find(BODY)
    change = label_or_code(text(request, "TypeChangement/Libelle"), text(request, "TypeChangement/Code"))
    title = "Déclaration de changement de coordonnées" + (f" — {change}" if change else "")
    return Part(title, sections(*(_sections(doc.xml.find(BODY)) for doc in documents)))


def _sections(request: ET.Element) -> tuple[Section, ...]:
    person = request.find("Demandeur")
    change = label_or_code(text(request, "TypeChangement/Libelle"), text(request, "TypeChangement/Code"))
    return sections(
        section(
            "Changement déclaré",
            [("Type de changement", change), ("Date d'effet", french_date(text(request, "DateEffet")))],
        ),
        _person(person),
        section(
            "Coordonnées",
            [
                ("Nouvelle adresse", address_of(person.find("AdresseFrancaise")) if person is not None else None),
                ("Ancienne adresse", address_of(person.find("AncienneAdresse")) if person is not None else None),
                ("Courriel", text(person, "Courriel")),
                ("Téléphone fixe", text(person, "TelephoneFixe")),
                ("Téléphone portable", text(person, "TelephonePortable")),
            ],
        ),
        _household(request.find("Foyer")),
        _recipients(request.find("Destinataires")),
        extras(request, REQUEST_TAGS),
    )


def _person(person: ET.Element | None) -> Section | None:
    if person is None:
        return None
    return section(
        "Déclarant",
        [
            ("Civilité", coded(text(person, "Civilite"), CIVILITIES)),
            ("Nom", text(person, "Nom")),
            ("Prénoms", text(person, "Prenom")),
            ("Date de naissance", french_date(text(person, "DateDeNaissance"))),
        ],
        [extras(person, PERSON_TAGS)],
    )


def _household(household: ET.Element | None) -> Section | None:
    """The household of a newcomer: how many adults and children, and the children's ages."""
    if household is None:
        return None
    ages = [clean(child.findtext("Age")) for child in household.findall("Enfant")]
    ages = [age for age in ages if age]
    shown_ages = None
    if ages:
        shown_ages = ", ".join(ages[:-1]) + (" et " if len(ages) > 1 else "") + ages[-1] + " ans"
    return section(
        "Foyer",
        [
            ("Nombre d'adultes", text(household, "NombreAdultes")),
            ("Nombre d'enfants", text(household, "NombreEnfants")),
            ("Âge des enfants", shown_ages),
        ],
    )


def _recipients(targets: ET.Element | None) -> Section | None:
    """The organismes told of the change at once."""
    if targets is None:
        return None
    fields = []
    for rank, target in enumerate(targets.findall("Destinataire"), start=1):
        code = text(target, "CodeINSEE")
        organisme = text(target, "Organisme")
        fields.append((f"Destinataire {rank}", joined(organisme, f"(INSEE {code})" if code else None)))
    return section("Organismes informés", fields)
