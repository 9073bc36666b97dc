"""Finding a dossier's data files (XML, JSON) and parsing them safely.

XML goes through defusedxml with DTDs, entity declarations and external references all refused: the
operators' flows need none of them, and each is a way to make a parser expand or fetch something.
"""

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml import ElementTree as SafeET

from core.documents.formatting import address, clean

# The business flows weigh a few kilobytes; anything far bigger is not one, and would slow the page down.
MAX_FILE_BYTES = 2 * 1024 * 1024
_NOT_DATA = (".pdf", ".png", ".jpg", ".jpeg", ".gif", ".zip", ".odt", ".doc", ".docx")
_BOM = b"\xef\xbb\xbf"

File = tuple[str, str, bytes]  # file name, MIME type, content


class Unreadable(Exception):
    """A data file that cannot be shown; the message is the French reason, without a full stop."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Document:
    """A parsed data file: an XML root element or a JSON value."""

    file_name: str
    xml: ET.Element | None = None
    data: Any = None

    @property
    def root_tag(self) -> str | None:
        return local_name(self.xml.tag) if self.xml is not None else None


def local_name(tag: str) -> str:
    """The tag without its namespace: {http://www.w3.org/2000/09/xmldsig#}Signature → Signature."""
    return tag.rsplit("}", 1)[-1]


def text(node: ET.Element | None, path: str | None = None) -> str | None:
    """The trimmed text of `node` or of its first descendant at `path`; None when absent or empty."""
    if node is None:
        return None
    target = node if path is None else node.find(path)
    return clean(target.text) if target is not None else None


def data_kind(file_name: str, mime_type: str, content: bytes) -> str | None:
    """'xml', 'json' or None (a PDF, an image…): by name and MIME type, else by the first bytes."""
    name, mime = file_name.lower(), (mime_type or "").lower().split(";")[0].strip()
    if name.endswith(_NOT_DATA) or mime.startswith(("application/pdf", "image/")):
        return None
    # By the end of the MIME type: application/xml, text/xml, application/ld+json — not an Office file's.
    if name.endswith(".json") or mime.endswith("json"):
        return "json"
    if name.endswith(".xml") or mime.endswith("xml"):
        return "xml"
    return _sniff(content)


def _sniff(content: bytes) -> str | None:
    head = content[:64].removeprefix(_BOM).lstrip()
    if head.startswith(b"<"):
        return "xml"
    if head.startswith((b"{", b"[")):
        return "json"
    return None


def read_documents(files: list[File]) -> tuple[list[Document], list[str]]:
    """The dossier's data files parsed, and a French problem for each one that could not be read."""
    documents: list[Document] = []
    problems: list[str] = []
    for file_name, mime_type, content in files:
        kind = data_kind(file_name, mime_type, content)
        if kind is None:
            continue
        if len(content) > MAX_FILE_BYTES:
            problems.append(
                f"Le fichier {file_name} est trop volumineux pour être affiché "
                f"({_megabytes(len(content))} ; au plus {_megabytes(MAX_FILE_BYTES)})."
            )
            continue
        try:
            documents.append(parse(file_name, content, kind))
        except Unreadable as exc:
            problems.append(f"Le fichier {file_name} est illisible : {exc.reason}.")
    return documents, problems


def parse(file_name: str, content: bytes, kind: str) -> Document:
    """Parses by content when it is clear (a .json holding XML is still read), else by the declared kind."""
    if not content.strip():
        raise Unreadable("il est vide")
    kind = _sniff(content) or kind
    if kind == "xml":
        return Document(file_name, xml=parse_xml(content))
    return Document(file_name, data=parse_json(content))


def parse_xml(content: bytes) -> ET.Element:
    try:
        return SafeET.fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DTDForbidden as exc:
        raise Unreadable("il contient une déclaration de type de document (DTD), refusée par sécurité") from exc
    except EntitiesForbidden as exc:
        raise Unreadable("il déclare des entités XML, refusées par sécurité") from exc
    except ExternalReferenceForbidden as exc:
        raise Unreadable("il fait référence à une ressource externe, refusée par sécurité") from exc
    except ET.ParseError as exc:
        line, column = exc.position
        raise Unreadable(f"le XML est incomplet ou mal formé (ligne {line}, colonne {column})") from exc
    except (ValueError, LookupError) as exc:  # e.g. an encoding Python does not know
        raise Unreadable("son encodage de caractères n'est pas reconnu") from exc


def parse_json(content: bytes) -> Any:
    try:
        return json.loads(content)
    except json.JSONDecodeError as exc:
        raise Unreadable(f"le JSON est incomplet ou mal formé (ligne {exc.lineno}, colonne {exc.colno})") from exc
    except UnicodeDecodeError as exc:
        raise Unreadable("son encodage de caractères n'est pas reconnu") from exc
    except RecursionError as exc:
        raise Unreadable("sa structure est trop profonde") from exc
    except ValueError as exc:  # e.g. an integer longer than Python accepts to convert
        raise Unreadable("il contient une valeur hors limites") from exc


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")


_POSTAL_TAGS = {"codepostal"}
_TOWN_TAGS = {"ville", "localite", "commune"}
_COUNTRY_TAGS = {"pays", "codepays"}
_SKIPPED_TAGS = {"codeinsee"}  # shown apart when useful, never inside the address line


def address_of(node: ET.Element | None) -> str | None:
    """An address element on one line: its street lines in order, then postal code and town, then country."""
    if node is None:
        return None
    lines, postal_code, town_name, country = [], None, None, None
    for child in node:
        tag, value = local_name(child.tag).lower(), clean(child.text)
        if tag in _POSTAL_TAGS:
            postal_code = value
        elif tag in _TOWN_TAGS:
            town_name = value
        elif tag in _COUNTRY_TAGS:
            country = value
        elif tag not in _SKIPPED_TAGS:
            lines.append(value)
    return address(*lines, postal_code=postal_code, town_name=town_name, country=country)
