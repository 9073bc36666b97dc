"""Any XML or JSON shown as a readable tree: names as words, attributes included, depth and size bounded."""

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable
from typing import Any

from core.documents.formatting import humanise, plain_value
from core.documents.model import Field, Part, Section, section, sections
from core.documents.reading import Document, local_name

TITLE = "Contenu du télédossier"
KIND = "un contenu de format inconnu"
MAX_DEPTH = 6
MAX_CHILDREN = 50  # per element, list or object
MAX_FIELDS = 500  # per file
TOO_DEEP = "… (niveau trop profond, non affiché)"


class _Budget:
    """How many more values may be shown for one file."""

    def __init__(self, limit: int = MAX_FIELDS):
        self.left = limit
        self.cut = False

    def take(self) -> bool:
        if self.left <= 0:
            self.cut = True
            return False
        self.left -= 1
        return True


def render(documents: list[Document], file_names: tuple[str, ...] = ()) -> Part:
    """One section per file, titled by its name."""
    return Part(TITLE, sections(tree(doc) for doc in documents))


def tree(doc: Document) -> Section:
    budget = _Budget()
    heading = f"Contenu de {doc.file_name}"
    first: tuple[Field, ...] = ()
    if doc.xml is not None:
        root = xml_section(doc.xml, heading, budget)
        first = (Field("Document", humanise(local_name(doc.xml.tag))),)
    else:
        root = json_section(doc.data, heading, budget)
    if root is None:
        return Section(heading, (*first, Field("Contenu", "vide")))
    last = (Field("Affichage limité", f"les {MAX_FIELDS} premières valeurs seulement"),) if budget.cut else ()
    return Section(heading, (*first, *root.fields, *last), root.subsections)


def extras(node: ET.Element | None, known: Iterable[str], heading: str = "Autres informations") -> Section | None:
    """The children of `node` a démarche renderer does not know, as a tree (a newer flow may add some)."""
    if node is None:
        return None
    known_tags = set(known)
    unknown = ET.Element(node.tag)
    unknown.extend(child for child in node if local_name(child.tag) not in known_tags)
    return xml_section(unknown, heading, _Budget()) if len(unknown) else None


def xml_section(node: ET.Element, heading: str, budget: "_Budget", depth: int = 0) -> Section | None:
    """An element as a section: attributes and leaf children as fields, other children as sub-sections."""
    fields: list[tuple[str, str | None]] = [(humanise(k), plain_value(v)) for k, v in node.attrib.items()]
    if plain_value(node.text):
        fields.append(("Valeur", plain_value(node.text)))
    subs: list[Section | None] = []
    names = Counter(local_name(child.tag) for child in node)
    seen: Counter[str] = Counter()
    for child in list(node)[:MAX_CHILDREN]:
        if not budget.take():
            break
        tag = local_name(child.tag)
        seen[tag] += 1
        label = humanise(tag) + (f" {seen[tag]}" if names[tag] > 1 else "")
        if len(child) == 0 and not child.attrib:
            fields.append((label, plain_value(child.text)))
        elif depth + 1 >= MAX_DEPTH:
            fields.append((label, TOO_DEEP))
        else:
            subs.append(xml_section(child, label, budget, depth + 1))
    if len(node) > MAX_CHILDREN:
        fields.append(("…", f"{len(node) - MAX_CHILDREN} autres éléments non affichés"))
    return section(heading, fields, subs)


def json_section(value: Any, heading: str, budget: "_Budget", depth: int = 0) -> Section | None:
    """An object or list as a section: scalars as fields, objects and lists of objects as sub-sections."""
    if isinstance(value, dict):
        items = [(humanise(str(key)), item) for key, item in value.items()]
        extra = len(items) - MAX_CHILDREN
    elif isinstance(value, list):
        items = [(f"Élément {index}", item) for index, item in enumerate(value, start=1)]
        extra = len(items) - MAX_CHILDREN
    else:
        return section(heading, [("Valeur", plain_value(value))])
    fields: list[tuple[str, str | None]] = []
    subs: list[Section | None] = []
    for label, item in items[:MAX_CHILDREN]:
        if not budget.take():
            break
        if not isinstance(item, dict | list):
            fields.append((label, plain_value(item)))
        elif _scalars(item):
            fields.append((label, ", ".join(v for v in (plain_value(x) for x in item) if v)))
        elif depth + 1 >= MAX_DEPTH:
            fields.append((label, TOO_DEEP))
        else:
            subs.append(json_section(item, label, budget, depth + 1))
    if extra > 0:
        fields.append(("…", f"{extra} autres éléments non affichés"))
    return section(heading, fields, subs)


def _scalars(item: Any) -> bool:
    """A short list of plain values, shown on one line."""
    return isinstance(item, list) and len(item) <= MAX_CHILDREN and not any(isinstance(x, dict | list) for x in item)


def json_extras(data: Any, known: Iterable[str], heading: str = "Autres informations") -> Section | None:
    """The keys of a JSON object a démarche renderer does not know, as a tree."""
    if not isinstance(data, dict):
        return None
    known_keys = set(known)
    unknown = {key: value for key, value in data.items() if key not in known_keys}
    return json_section(unknown, heading, _Budget()) if unknown else None
