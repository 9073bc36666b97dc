"""recensementCitoyen (RCO): the `RecensementCitoyen` flow (notice individuelle, cerfa 10870) and its pieces.

Labels follow the sample's notice individuelle (cerfa 10870*07).

Codes shown as labels: the sex as INSEE writes it (1 man, 2 woman: the sample's young man has
Civilite M and Sexe 1), the contact channels (EMAIL, TEL), the birth place kinds (COMMUNE; AUTRE, which
the sample and the demo fill with the postal code). The formality codes (DECL, RECENSEMENT, AJOUT)
have no label in any document: they are shown as written.
"""

import xml.etree.ElementTree as ET

from core.documents.formatting import (
    CIVILITIES,
    COUNTRIES,
    NATIONALITIES,
    SEXES,
    address,
    clean,
    coded,
    french_date,
    joined,
    person_name,
    place_with_code,
    yes_no,
)
from core.documents.generic import extras
from core.documents.model import Part, Section, section, sections
from core.documents.pieces import supporting_pieces
from core.documents.reading import Document, text

KIND = "un recensement citoyen"
ROOT = "RecensementCitoyen"
ROOT_TAGS = ("Convention", "Formalite", "Personne", "FiliationPere", "FiliationMere")
IDENTITY_TAGS = (
    "Civilite",
    "Sexe",
    "NomFamille",
    "NomUsage",
    "PrenomUsuel",
    "Prenom",
    "DateNaissance",
    "PaysNaissance",
    "Nationalite",
    "CodeINSEENaissance",
    "LieuNaissance",
)
PERSON_TAGS = (*IDENTITY_TAGS, "AdresseDomicile", "AdresseResidence", "SituationFamille", "MethodeContact")
FAMILY_TAGS = ("SituationMatrimoniale", "NombreEnfants", "Pupille", "NombreFrereSoeur")
CHANNELS = {"EMAIL": "Courriel", "TEL": "Téléphone"}
# The sample's pieces are ji-0 and jf-1; the demo, written to the same pattern, titles them so.
PIECES = {"ji": "Justificatif d'identité", "jf": "Livret de famille"}
OTHER_FILES = {r"\d+-PDF\.pdf$": "Notice individuelle de recensement (cerfa 10870)"}


def recognises(doc: Document) -> bool:
    return doc.root_tag == ROOT


def render(documents: list[Document], file_names: tuple[str, ...] = ()) -> Part:
    person = documents[0].xml.find("Personne")
    name = person_name(text(person, "PrenomUsuel"), text(person, "NomFamille"))
    title = "Recensement citoyen obligatoire" + (f" — {name}" if name else "")
    pieces = supporting_pieces(file_names, "recensementCitoyen", PIECES, OTHER_FILES)
    return Part(title, sections(*(_sections(doc.xml) for doc in documents), pieces))


def _sections(root: ET.Element) -> tuple[Section, ...]:
    return sections(
        _young_person(root.find("Personne")),
        _parent(root.find("FiliationPere"), "Père"),
        _parent(root.find("FiliationMere"), "Mère"),
        _formality(root.find("Formalite")),
        # A school or diploma situation, when a flow carries one, lands here under its own name.
        extras(root, ROOT_TAGS),
    )


def _identity(person: ET.Element) -> list[tuple[str, str | None]]:
    return [
        ("Nom de famille", text(person, "NomFamille")),
        ("Nom d'usage", text(person, "NomUsage")),
        ("Prénom usuel", text(person, "PrenomUsuel")),
        ("Autres prénoms", text(person, "Prenom")),
        ("Date de naissance", french_date(text(person, "DateNaissance"))),
        ("Lieu de naissance", _birth_place(person)),
        ("Code INSEE de naissance", text(person, "CodeINSEENaissance")),
        ("Pays de naissance", coded(text(person, "PaysNaissance"), COUNTRIES)),
        ("Nationalité", coded(text(person, "Nationalite"), NATIONALITIES)),
    ]


def _young_person(person: ET.Element | None) -> Section | None:
    if person is None:
        return None
    sex = [("Civilité", coded(text(person, "Civilite"), CIVILITIES)), ("Sexe", coded(text(person, "Sexe"), SEXES))]
    family = person.find("SituationFamille")
    situation = section(
        "Situation familiale",
        [
            ("Situation matrimoniale", text(family, "SituationMatrimoniale")),
            ("Nombre d'enfants à charge", text(family, "NombreEnfants")),
            ("Pupille de l'État ou de la Nation", yes_no(text(family, "Pupille"))),
            ("Nombre de frères et sœurs vivants", text(family, "NombreFrereSoeur")),
        ],
        [extras(family, FAMILY_TAGS)],
    )
    contacts = [
        (coded(text(method, "CanalCode"), CHANNELS) or "Contact", text(method, "URI"))
        for method in person.findall("MethodeContact")
    ]
    homes = [("Domicile", _address(person.find("AdresseDomicile")))]
    homes.append(("Adresse de résidence (si différente)", _address(person.find("AdresseResidence"))))
    return section(
        "Personne recensée",
        sex + _identity(person),
        [
            section("Adresses", homes),
            situation,
            section("Contact", contacts),
            extras(person, PERSON_TAGS),
        ],
    )


def _parent(parent: ET.Element | None, heading: str) -> Section | None:
    if parent is None:
        return None
    found = section(heading, _identity(parent), [extras(parent, IDENTITY_TAGS)])
    return found or section(heading, [("Filiation", "Non renseignée")])


def _formality(formality: ET.Element | None) -> Section | None:
    if formality is None:
        return None
    reasons = [clean(code.text) for code in formality.findall("FormaliteMotifCode")]
    return section(
        "Formalité",
        [
            ("Identifiant", text(formality, "Identifiant")),
            ("Type", text(formality, "FormaliteType")),
            ("Motif", joined(*reasons, sep=", ")),
            ("Mode", text(formality, "FormaliteModeCode")),
            ("Date de soumission", french_date(text(formality, "DateSoumission"))),
        ],
    )


def _birth_place(person: ET.Element) -> str | None:
    """NICE (06000): the COMMUNE entry, with the AUTRE entry when it is a postal code."""
    places = {text(p, "Code"): text(p, "Nom") for p in person.findall("LieuNaissance")}
    commune, other = places.get("COMMUNE"), places.get("AUTRE")
    if other and other.isdigit() and len(other) == 5:
        return place_with_code(commune, other)
    return joined(commune, other, sep=", ")


def _address(home: ET.Element | None) -> str | None:
    if home is None:
        return None
    street = joined(*(text(home, tag) for tag in ("NumeroVoie", "Extension", "TypeVoie", "NomVoie")))
    return address(
        text(home, "PointDeRemise"),
        text(home, "Complement"),
        street,
        text(home, "LieuDit"),
        postal_code=text(home, "CodePostal"),
        town_name=text(home, "Localite"),
    )
