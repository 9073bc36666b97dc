"""The three files of a FormulaireQF dossier: FormulaireQF.json, the same content as FormulaireQF.xml, and a PDF.

The JSON is FranceConnect's identité pivot plus API Particulier's quotient familial v3 answer, as the national
form sends it; business software reads it, agents read the PDF.
"""

import json
import xml.etree.ElementTree as ET
from dataclasses import asdict
from datetime import datetime

from fpdf import FPDF

from core.config import get_settings
from core.quotient_familial.base import FamilyMember, PivotIdentity, QFResult
from core.quotient_familial.places import place_name

VERSION = "v3"
PROVIDER_LABELS = {"CNAF": "CAF (Caisse d'allocations familiales)", "MSA": "MSA (Mutualité sociale agricole)"}
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")  # fmt: skip
# The PDF core fonts know latin-1 only: typographic characters become their plain twins.
_LATIN1 = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "œ": "oe",
                         "Œ": "OE", "€": "EUR", "\u202f": " ", "\u00a0": " "})  # fmt: skip


def qf_document(external_id: str, identity: PivotIdentity, result: QFResult) -> dict:
    """FormulaireQF.json's content."""
    return {
        "external_id": external_id,
        "pivot_identity": {
            "family_name": identity.family_name,
            "given_name": " ".join(identity.given_names),
            "gender": "female" if identity.sex == "F" else "male",
            "birthdate": identity.birthdate,
            "birthplace": None if identity.born_abroad else identity.birthplace,
            "birthcountry": identity.birthcountry,
        },
        "quotient_familial_v3": {
            "allocataires": [asdict(m) for m in result.allocataires],
            "enfants": [asdict(m) for m in result.enfants],
            "quotient_familial": asdict(result.quotient_familial),
            "version": VERSION,
        },
    }


def json_bytes(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def _xml_value(parent: ET.Element, tag: str, value) -> None:
    node = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, item in value.items():
            _xml_value(node, key, item)
    elif isinstance(value, list):
        for item in value:
            _xml_value(node, tag.removesuffix("s"), item)  # allocataires/allocataire, enfants/enfant
    elif value is not None:  # null: an empty element
        node.text = str(value)


def xml_bytes(document: dict) -> bytes:
    """The same content as the JSON, one element per field, lists as plural/singular elements."""
    root = ET.Element("FormulaireQF")
    for key, value in document.items():
        _xml_value(root, key, value)
    ET.indent(root, space="\t")
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True, short_empty_elements=False)


def latin1(text: str) -> str:
    return text.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")


def french_date(iso: str | None) -> str:
    """31/12/1980 from 1980-12-31; reduced dates (1980-12) as 12/1980."""
    return "/".join(reversed(iso.split("-"))) if iso else "-"


def _member_line(member: FamilyMember) -> str:
    usage = f" (nom d'usage {member.nom_usage})" if member.nom_usage else ""
    sex = {"F": ", F", "M": ", M"}.get(member.sexe or "", "")
    return f"{member.nom_naissance}{usage} {member.prenoms}, né(e) le {french_date(member.date_naissance)}{sex}"


def _birthplace(identity: PivotIdentity) -> str:
    code = identity.birthcountry if identity.born_abroad else identity.birthplace
    name = place_name(code)
    return f"{name} ({code})" if name else f"code INSEE {code}"


class _Sheet(FPDF):
    def section(self, title: str) -> None:
        self.ln(4)
        self.set_font("Helvetica", "B", 12)
        self.set_fill_color(227, 227, 253)
        self.cell(0, 8, latin1(title), new_x="LMARGIN", new_y="NEXT", fill=True)
        self.ln(1)

    def row(self, label: str, value: str) -> None:
        self.set_font("Helvetica", "B", 10)
        self.cell(55, 6, latin1(label))
        self.set_font("Helvetica", "", 10)
        self.multi_cell(0, 6, latin1(value), new_x="LMARGIN", new_y="NEXT")


def pdf_bytes(
    document_id: str, identity: PivotIdentity, result: QFResult, *, organization: str, sent_at: datetime
) -> bytes:
    """The agents' summary: "Identité pivot", "Quotient familial", then allocataires and enfants."""
    local = sent_at.astimezone(get_settings().zone)
    qf = result.quotient_familial
    pdf = _Sheet(format="A4")
    pdf.set_creation_date(sent_at)
    pdf.set_title(latin1(f"Quotient familial {identity.family_name} {' '.join(identity.given_names)}"))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Quotient familial", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    sent = f"Transmis à {organization} le {local:%d/%m/%Y à %H:%M}, télédossier n° {document_id}"
    pdf.multi_cell(0, 5, latin1(sent), new_x="LMARGIN", new_y="NEXT")
    pdf.section("Identité pivot")
    pdf.row("Nom de naissance", identity.family_name)
    pdf.row("Prénoms", " ".join(identity.given_names))
    pdf.row("Sexe", "Féminin" if identity.sex == "F" else "Masculin")
    pdf.row("Date de naissance", french_date(identity.birthdate))
    pdf.row("Lieu de naissance", _birthplace(identity))
    pdf.section("Quotient familial")
    pdf.row("Quotient familial", f"{qf.valeur} EUR")
    pdf.row("Organisme", PROVIDER_LABELS.get(qf.fournisseur, qf.fournisseur))
    pdf.row("Mois de référence", f"{MONTHS[qf.mois - 1]} {qf.annee}")
    if qf.annee_calcul and qf.mois_calcul:
        pdf.row("Calculé en", f"{MONTHS[qf.mois_calcul - 1]} {qf.annee_calcul}")
    pdf.section(f"Allocataires ({len(result.allocataires)})")
    for member in result.allocataires:
        pdf.row("Allocataire", _member_line(member))
    pdf.section(f"Enfants ({len(result.enfants)})")
    for member in result.enfants:
        pdf.row("Enfant", _member_line(member))
    if not result.enfants:
        pdf.row("Enfant", "aucun enfant déclaré")
    return bytes(pdf.output())
