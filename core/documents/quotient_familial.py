"""FormulaireQF: `FormulaireQF.json` (FranceConnect's identité pivot and API Particulier's quotient
familial v3) and `FormulaireQF.xml`, the same content with one element per field.

The JSON is read first; the XML is the fallback when the JSON is missing or broken.
"""

import xml.etree.ElementTree as ET
from typing import Any

from core.documents.formatting import COUNTRIES, SEXES, clean, coded, french_date, joined, month_year, number
from core.documents.generic import json_extras
from core.documents.model import Part, Section, section, sections
from core.documents.reading import Document, local_name

KIND = "un formulaire de quotient familial"
ROOT = "FormulaireQF"
LISTS = ("allocataires", "enfants")  # in the XML, <allocataires><allocataire>…</allocataire></allocataires>
# As the dossier's PDF names them (core/quotient_familial/documents.py), so that both read alike.
PROVIDERS = {"CNAF": "CAF (Caisse d'allocations familiales)", "MSA": "MSA (Mutualité sociale agricole)"}
TOP_KEYS = ("external_id", "pivot_identity", "quotient_familial_v3")
QF_KEYS = ("allocataires", "enfants", "quotient_familial", "version", "adresse")
ADDRESS_KEYS = (
    "destinataire",
    "complement_information",
    "complement_information_geographique",
    "numero_libelle_voie",
    "lieu_dit",
    "code_postal_ville",
    "pays",
)


def recognises(doc: Document) -> bool:
    if doc.xml is not None:
        return doc.root_tag == ROOT
    return isinstance(doc.data, dict) and any(key in doc.data for key in ("pivot_identity", "quotient_familial_v3"))


def render(documents: list[Document], file_names: tuple[str, ...] = ()) -> Part:
    chosen = next((doc for doc in documents if doc.xml is None), documents[0])
    data = _as_dict(chosen.data if chosen.xml is None else from_xml(chosen.xml))
    identity = _as_dict(data.get("pivot_identity"))
    qf3 = _as_dict(data.get("quotient_familial_v3"))
    name = joined(identity.get("given_name"), identity.get("family_name"))
    found = sections(
        section("Demande", [("Numéro du dossier", clean(data.get("external_id")))]),
        _identity(identity),
        _quotient(_as_dict(qf3.get("quotient_familial")), qf3.get("version")),
        _members("Allocataires", "Allocataire", qf3.get("allocataires"), "Aucun allocataire"),
        _members("Enfants", "Enfant", qf3.get("enfants"), "Aucun enfant"),
        _address(qf3.get("adresse")),
        json_extras(data, TOP_KEYS),
        json_extras(qf3, QF_KEYS, "Autres informations du quotient familial"),
    )
    return Part("Quotient familial" + (f" — {name}" if name else ""), found)


def from_xml(node: ET.Element) -> Any:
    """FormulaireQF.xml back to the JSON's shape (values stay text; an empty element is None)."""
    if len(node) == 0:
        return [] if local_name(node.tag) in LISTS else clean(node.text)
    if local_name(node.tag) in LISTS:
        return [from_xml(child) for child in node]
    return {local_name(child.tag): from_xml(child) for child in node}


def _as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _identity(identity: dict) -> Section | None:
    return section(
        "Identité pivot",
        [
            ("Nom de naissance", clean(identity.get("family_name"))),
            ("Prénoms", clean(identity.get("given_name"))),
            ("Sexe", coded(identity.get("gender"), SEXES)),
            ("Date de naissance", french_date(identity.get("birthdate"))),
            ("Commune de naissance (code INSEE)", clean(identity.get("birthplace"))),
            ("Pays de naissance", _country(identity.get("birthcountry"))),
        ],
    )


def _country(code: Any) -> str | None:
    """France (99100); another country as its INSEE code, which the dossier's PDF names."""
    raw, shown = clean(code), coded(code, COUNTRIES)
    if raw is None:
        return None
    return f"{shown} ({raw})" if shown != raw else f"code INSEE {raw}"


def _quotient(qf: dict, version: Any) -> Section | None:
    return section(
        "Quotient familial",
        [
            ("Valeur", number(qf.get("valeur"), "€")),
            ("Fournisseur", coded(qf.get("fournisseur"), PROVIDERS)),
            ("Mois de référence", month_year(qf.get("mois"), qf.get("annee"))),
            ("Calculé en", month_year(qf.get("mois_calcul"), qf.get("annee_calcul"))),
            ("Version de l'API", clean(version)),
        ],
    )


def _members(heading: str, each: str, members: Any, none: str) -> Section | None:
    """One sub-section per allocataire or enfant."""
    if members is None:
        return None
    listed = [member for member in members if isinstance(member, dict)] if isinstance(members, list) else []
    if not listed:
        return section(heading, [(heading, none)])
    subs = [
        section(
            f"{each} {rank}",
            [
                ("Nom de naissance", clean(member.get("nom_naissance"))),
                ("Nom d'usage", clean(member.get("nom_usage"))),
                ("Prénoms", clean(member.get("prenoms"))),
                ("Date de naissance", french_date(member.get("date_naissance"))),
                ("Sexe", coded(member.get("sexe"), SEXES)),
            ],
        )
        for rank, member in enumerate(listed, start=1)
    ]
    return section(heading, [], subs)


def _address(found: Any) -> Section | None:
    """The allocataire's address, when the provider's answer carries one."""
    if not isinstance(found, dict):
        return None
    return section("Adresse de l'allocataire", [("Adresse", joined(*(found.get(k) for k in ADDRESS_KEYS), sep=", "))])
