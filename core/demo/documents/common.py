"""Shared tools of the document generators: XML trees, one-page PDFs, the commune a dossier goes to."""

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime

from fpdf import FPDF

from core.demo.people import Person, Place
from core.services.folders import IncomingFile

XML_MIME = "application/xml"
PDF_MIME = "application/pdf"
JSON_MIME = "application/json"

# Attachment types, as the operators label the files of a dossier.
MAIN_DOCUMENT = "Document principal"
SUMMARY = "Récapitulatif"
SUPPORTING = "Pièce jointe"

# The PDF core fonts only know latin-1: typographic characters are replaced by their plain twins.
_LATIN1_FALLBACKS = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "…": "...",
        "œ": "oe",
        "Œ": "OE",
        "€": "EUR",
        "\u202f": " ",
        "\u2009": " ",
    }
)


@dataclass(frozen=True)
class Commune:
    """The receiving SI as the documents mention it."""

    name: str
    place: Place


@dataclass(frozen=True)
class DemoDossier:
    """What a generator returns: who sent it, who it is about, and its files."""

    applicant: Person
    files: tuple[IncomingFile, ...]
    subject_name: str | None = None
    applicant_email: str | None = None


def element(parent: ET.Element, tag: str, text: object = None, **attrs: str) -> ET.Element:
    """A child element; None gives an empty element, as the operators' flows keep absent fields."""
    child = ET.SubElement(parent, tag, attrs)
    if text is not None:
        child.text = str(text)
    return child


def fields(parent: ET.Element, **values: object) -> ET.Element:
    """Several text children at once, in the order given."""
    for tag, value in values.items():
        element(parent, tag, value)
    return parent


def xml_bytes(root: ET.Element, encoding: str = "UTF-8") -> bytes:
    ET.indent(root, space="\t")
    return ET.tostring(root, encoding=encoding, xml_declaration=True, short_empty_elements=False)


def xml_file(name: str, root: ET.Element, file_type: str = MAIN_DOCUMENT, encoding: str = "UTF-8") -> IncomingFile:
    return IncomingFile(file_name=name, type=file_type, mime_type=XML_MIME, content=xml_bytes(root, encoding))


def latin1(text: str) -> str:
    return text.translate(_LATIN1_FALLBACKS).encode("latin-1", "replace").decode("latin-1")


def pdf_bytes(title: str, lines: list[tuple[str, object]], *, created: datetime, subtitle: str | None = None) -> bytes:
    """A one-page A4 summary: a title and "label  value" lines, in Helvetica."""
    pdf = FPDF()
    pdf.set_creation_date(created)
    pdf.set_title(latin1(title))
    pdf.add_page()
    # Plain `text` calls: fpdf2's cells and line breaking would cost more than the rest of the demo.
    pdf.set_font("Helvetica", "B", 15)
    pdf.text(20, 25, latin1(title))
    y = 33
    if subtitle:
        pdf.set_font("Helvetica", "I", 10)
        pdf.text(20, y, latin1(subtitle))
        y += 6
    rows = [y + 7 * (i + 1) for i in range(len(lines))]
    # Labels then values, so that the font changes twice rather than twice per line.
    pdf.set_font("Helvetica", "B", 9)
    for row, (label, _) in zip(rows, lines, strict=True):
        pdf.text(20, row, latin1(label))
    pdf.set_font("Helvetica", "", 9)
    for row, (_, value) in zip(rows, lines, strict=True):
        pdf.text(75, row, latin1("" if value is None else str(value))[:72])  # stays inside the right margin
    return bytes(pdf.output())


def pdf_file(name: str, file_type: str, title: str, lines, *, created: datetime, subtitle: str | None = None):
    content = pdf_bytes(title, lines, created=created, subtitle=subtitle)
    return IncomingFile(file_name=name, type=file_type, mime_type=PDF_MIME, content=content)


def french_date(value) -> str:
    return value.strftime("%d/%m/%Y")
