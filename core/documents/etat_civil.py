"""EtatCivil (AEC): the `EnveloppeMetierType` / `DemandeActe` flow of service-public.fr.

The flow gives each code with its label (type and nature of the act, qualité of the demandeur): the label
is shown. The sample's PDF names the demandeur's French address "Adresse de réception de l'acte".
"""

import xml.etree.ElementTree as ET

from core.documents.formatting import (
    CIVILITIES,
    COUNTRIES,
    coded,
    french_date,
    label_or_code,
    place_with_code,
)
from core.documents.generic import extras
from core.documents.model import Part, Section, section, sections
from core.documents.reading import Document, address_of, text

KIND = "une demande d'acte d'état civil"
ROOT = "EnveloppeMetierType"
BODY = "DemandeActe"
REQUEST_TAGS = (
    "TypeActe",
    "NatureActe",
    "DateActe",
    "LieuActe",
    "NombreExemplaires",
    "MotifDemande",
    "Demandeur",
    "Titulaire",
)
APPLICANT_TAGS = ("QualiteDemandeur", "Civilite", "Nom", "Prenom", "Prenoms", "AdresseFrancaise", "Courriel")
HOLDER_TAGS = (
    "Civilite",
    "NomNaissance",
    "NomUsage",
    "Prenoms",
    "DateDeNaissance",
    "LieuDeNaissance",
    "DepartementDeNaissance",
    "PaysDeNaissance",
)


def recognises(doc: Document) -> bool:
    return doc.root_tag == ROOT and doc.xml.find(BODY) is not None


def render(documents: list[Document], file_names: tuple[str, ...] = ()) -> Part:
    request = documents[0].xml.find(BODY)
    found = [section_ for doc in documents for section_ in _request_sections(doc.xml.find(BODY))]
    kind = label_or_code(text(request, "TypeActe/Libelle"), text(request, "TypeActe/Code"))
    nature = label_or_code(text(request, "NatureActe/Libelle"), text(request, "NatureActe/Code"))
    title = "Demande d'acte d'état civil"
    if kind:
        title += f" — {kind}" + (f" ({nature.lower()})" if nature else "")
    return Part(title, sections(found))


def _request_sections(request: ET.Element) -> tuple[Section, ...]:
    applicant = request.find("Demandeur")
    return sections(
        _act(request),
        _holder(request.find("Titulaire")),
        _applicant(applicant),
        section("Adresse d'envoi de l'acte", [("Adresse", _address(applicant))]),
        extras(request, REQUEST_TAGS),
    )


def _act(request: ET.Element) -> Section | None:
    reason = text(request, "MotifDemande/Libelle")
    comment = text(request, "MotifDemande/Commentaire")
    place = request.find("LieuActe")
    return section(
        "Acte demandé",
        [
            ("Type d'acte", label_or_code(text(request, "TypeActe/Libelle"), text(request, "TypeActe/Code"))),
            ("Nature de l'acte", label_or_code(text(request, "NatureActe/Libelle"), text(request, "NatureActe/Code"))),
            ("Date de l'acte", french_date(text(request, "DateActe"))),
            ("Lieu de l'acte", place_with_code(text(place, "Ville"), text(place, "CodePostal"))),
            ("Code INSEE du lieu de l'acte", text(place, "CodeINSEE")),
            ("Nombre d'exemplaires", text(request, "NombreExemplaires")),
            ("Motif de la demande", reason),
            ("Précisions sur le motif", comment if comment != reason else None),
        ],
    )


def _holder(holder: ET.Element | None) -> Section | None:
    if holder is None:
        return None
    return section(
        "Titulaire de l'acte",
        [
            ("Civilité", coded(text(holder, "Civilite"), CIVILITIES)),
            ("Nom de naissance", text(holder, "NomNaissance")),
            ("Nom d'usage", text(holder, "NomUsage")),
            ("Prénoms", text(holder, "Prenoms")),
            ("Date de naissance", french_date(text(holder, "DateDeNaissance"))),
            ("Lieu de naissance", text(holder, "LieuDeNaissance")),
            ("Département de naissance", text(holder, "DepartementDeNaissance")),
            ("Pays de naissance", coded(text(holder, "PaysDeNaissance"), COUNTRIES)),
        ],
        # The parents, when the flow carries them, have no fixed element names in the samples.
        [extras(holder, HOLDER_TAGS, "Filiation et autres informations")],
    )


def _applicant(applicant: ET.Element | None) -> Section | None:
    if applicant is None:
        return None
    quality = label_or_code(text(applicant, "QualiteDemandeur/Libelle"), text(applicant, "QualiteDemandeur/Code"))
    return section(
        "Demandeur",
        [
            ("Qualité du demandeur", quality),
            ("Civilité", coded(text(applicant, "Civilite"), CIVILITIES)),
            ("Nom", text(applicant, "Nom")),
            ("Prénoms", text(applicant, "Prenom") or text(applicant, "Prenoms")),
            ("Courriel", text(applicant, "Courriel")),
        ],
        [extras(applicant, APPLICANT_TAGS)],
    )


def _address(applicant: ET.Element | None) -> str | None:
    return address_of(applicant.find("AdresseFrancaise")) if applicant is not None else None
