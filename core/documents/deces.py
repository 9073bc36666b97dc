"""CERTDC: INSERM's death declaration (volet DD) and administrative certificate (volet VA).

Both volets are the ones meant for the mairie; neither carries the causes of death (the medical volet goes
to INSERM only). Shown: the deceased, the death, each volet's validation, and the funeral information
(obstacles, coffin, prosthesis) the mairie needs before a burial or a cremation. Not shown: any element
of these flows the renderer does not know (it could be medical), and the signature beyond its presence.
"""

import xml.etree.ElementTree as ET

from core.documents.formatting import (
    SEXES,
    address,
    clean,
    coded,
    date_and_time,
    french_date,
    joined,
    person_name,
    place_with_code,
    yes_no,
)
from core.documents.generic import extras
from core.documents.model import Part, Section, section, sections
from core.documents.reading import Document, local_name, text

KIND = "un certificat de décès"
DECLARATION = "InsermDeclarationDeces"  # volet DD
CERTIFICATE = "InsermCertificatAdministrative"  # volet VA
FUNERAL_FLAGS = (
    ("ObstacleMedicoLegal", "Obstacle médico-légal"),
    ("ObstacleSoinsConservation", "Obstacle aux soins de conservation"),
    ("ObstacleDonCorps", "Obstacle au don du corps"),
    ("RechercheCauseDeces", "Recherche de la cause du décès demandée"),
    ("PresenceProthesePile", "Prothèse fonctionnant avec une pile"),
    ("RetraitProthesePile", "Prothèse à pile retirée"),
)
COFFIN_TAGS = ("CercueilHermetique", "CercueilSimple")
# Values both volets give: when they disagree, both are shown and a note says so.
COMPARED = ("Nom", "Nom de jeune fille", "Prénoms", "Date de naissance", "Date et heure du décès", "Domicile")
Fields = dict[str, str | None]


def recognises(doc: Document) -> bool:
    return doc.root_tag in (DECLARATION, CERTIFICATE)


def render(documents: list[Document], file_names: tuple[str, ...] = ()) -> Part:
    declaration = next((d.xml for d in documents if d.root_tag == DECLARATION), None)
    certificate = next((d.xml for d in documents if d.root_tag == CERTIFICATE), None)
    said_va, said_dd = _facts(certificate, "VA"), _facts(declaration, "DD")
    merged, disagreements = _merge(said_va, said_dd)
    said = said_va or said_dd
    name = person_name(said.get("Prénoms"), said.get("Nom"))
    found = sections(
        section("Défunt(e)", [(label, merged.get(label)) for label in _DECEASED_LABELS]),
        section("Décès", [(label, merged.get(label)) for label in _DEATH_LABELS]),
        _declaration(declaration),
        _certificate(certificate),
        _funeral(certificate),
    )
    notes = ()
    if disagreements:
        listed = ", ".join(label[:1].lower() + label[1:] for label in disagreements)
        notes = (f"Les volets DD et VA ne concordent pas sur : {listed}. Les deux valeurs sont affichées.",)
    return Part("Certificat de décès" + (f" — {name}" if name else ""), found, notes)


_DECEASED_LABELS = (
    "Nom",
    "Nom de jeune fille",
    "Prénoms",
    "Date de naissance",
    "Sexe",
    "Domicile",
    "Département du domicile",
)
_DEATH_LABELS = ("Date et heure du décès", "Commune du décès", "Établissement")


def _facts(root: ET.Element | None, volet: str) -> Fields:
    """What one volet says of the deceased and the death, under the labels shown."""
    if root is None:
        return {}
    deceased = root.find("Defunt")
    # The DD keeps the home inside Defunt, the VA beside it (with the street number apart).
    home = deceased.find("AdresseDomicile") if volet == "DD" and deceased is not None else root.find("AdresseDomicile")
    street = joined(text(home, "NumeroRue"), text(home, "Adresse"))
    place = root.find("LieuDeces")
    facility = root.find("Etablissement")
    return {
        "Nom": text(deceased, "Nom"),
        "Nom de jeune fille": text(deceased, "NomJeuneFille"),
        "Prénoms": text(deceased, "Prenoms"),
        "Date de naissance": french_date(text(deceased, "DateNaissance")),
        "Sexe": coded(text(deceased, "Sexe"), SEXES),
        "Domicile": address(street, postal_code=text(home, "CodePostal"), town_name=text(home, "Commune")),
        "Département du domicile": text(home, "Departement"),
        "Date et heure du décès": date_and_time(text(root, "DateDeces/Date"), text(root, "DateDeces/Heure")),
        "Commune du décès": place_with_code(text(place, "Commune"), text(place, "CodePostal")) or text(root, "Ville"),
        "Établissement": joined(clean(facility.text) if facility is not None else None, _finess(root)),
    }


def _finess(root: ET.Element) -> str | None:
    code = text(root, "CodeFinessEtablissement")
    return f"(FINESS {code})" if code else None


def _merge(certificate: Fields, declaration: Fields) -> tuple[Fields, list[str]]:
    """The certificate's values first; a compared value the two volets give differently shows both."""
    merged: Fields = {}
    disagreements: list[str] = []
    for label in dict.fromkeys([*certificate, *declaration]):
        va, dd = certificate.get(label), declaration.get(label)
        if label in COMPARED and va and dd and va.casefold() != dd.casefold():
            merged[label] = f"{va} (volet VA) ; {dd} (volet DD)"
            disagreements.append(label)
        else:
            merged[label] = va or dd
    return merged, disagreements


def _declaration(root: ET.Element | None) -> Section | None:
    if root is None:
        return None
    validators = root.find("InformationsValidateurs")
    return section(
        "Volet DD — déclaration de décès",
        [
            ("Rédigée le", french_date(text(root, "DateRedaction"))),
            ("Mairie destinataire", text(root, "Ville")),
            ("Déclarant", text(validators, "NomDeclarant")),
            ("Officier d'état civil", text(validators, "NomOfficier")),
            ("Médecin", text(validators, "NomMedecin")),
        ],
    )


def _certificate(root: ET.Element | None) -> Section | None:
    if root is None:
        return None
    validation = root.find("Validation")
    signed = any(local_name(child.tag) == "Signature" for child in root)
    return section(
        "Volet VA — certificat de décès (volet administratif)",
        [
            ("Numéro du certificat", text(validation, "NNC")),
            ("Médecin", text(validation, "Medecin")),
            ("Validé à", text(validation, "Lieu")),
            ("Validé le", french_date(text(validation, "Date"))),
            ("Code FINESS de l'organisme", text(validation, "CodeFinessOrganisme")),
            ("Code de dépôt", text(validation, "CodeDepot")),
            ("Doublon volontaire", yes_no(text(root, "DoublonVolontaire"))),
            ("Signature électronique", "Présente (non vérifiée par la box)" if signed else "Absente"),
        ],
    )


def _funeral(root: ET.Element | None) -> Section | None:
    funeral = root.find("InformationsFuneraires") if root is not None else None
    if funeral is None:
        return None
    coffin = funeral.find("MiseEnBiereImmediate")
    fields = [(label, yes_no(text(funeral, tag))) for tag, label in FUNERAL_FLAGS]
    if coffin is not None:
        fields[1:1] = [
            ("Mise en bière immédiate", yes_no(coffin.get("miseenbiere"))),
            ("Cercueil hermétique", yes_no(text(coffin, "CercueilHermetique"))),
            ("Cercueil simple", yes_no(text(coffin, "CercueilSimple"))),
        ]
    known = [tag for tag, _ in FUNERAL_FLAGS] + ["MiseEnBiereImmediate"]
    return section("Informations funéraires", fields, [extras(funeral, known)])
