"""Which renderer reads which file of a dossier, and the assembly of their parts.

A file is rendered by the format it holds (root element, JSON keys), whatever the démarche says: an
operator may send a file of another démarche (the JeChangeDeCoordonnees sample is an EtatCivil flow), and
the agent is told. The démarche's own format comes first; unknown files are shown as trees.
"""

from types import ModuleType

from core.documents import (
    coordonnees,
    deces,
    etat_civil,
    generic,
    pacs,
    quotient_familial,
    recensement,
    tourisme,
)
from core.documents.model import BusinessContent, Part
from core.documents.reading import Document, File, read_documents

FORMATS: tuple[ModuleType, ...] = (
    etat_civil,
    coordonnees,
    pacs,
    recensement,
    deces,
    quotient_familial,
    tourisme,
)
EXPECTED: dict[str, ModuleType] = {
    "EtatCivil": etat_civil,
    "depotDossierPACS": pacs,
    "recensementCitoyen": recensement,
    "JeChangeDeCoordonnees": coordonnees,
    "CERTDC": deces,
    "FormulaireQF": quotient_familial,
    "HebergementTourisme": tourisme,
}
NO_DATA = "Ce télédossier ne contient aucun fichier de données (XML ou JSON) : consultez ses pièces jointes."


def render_business_content(process_code: str, files: list[File]) -> BusinessContent:
    """The business content of a dossier's files, for a human; never raises on the files' content."""
    documents, problems = read_documents(files)
    file_names = tuple(name for name, _, _ in files)
    expected = EXPECTED.get(process_code)
    groups = _grouped(documents, expected)
    parts: list[Part] = []
    notes: list[str] = []
    for fmt, docs in groups.items():
        parts.append(_render(fmt, docs, file_names, problems))
        notes += _mismatch_notes(fmt, docs, expected, set(groups))
    for part in parts:
        notes += part.notes
    if not documents and not problems:
        notes.append(NO_DATA)
    title = parts[0].title if parts else generic.TITLE
    return BusinessContent(
        title=title,
        sections=tuple(s for part in parts for s in part.sections),
        problems=tuple(problems),
        notes=tuple(notes),
        source_files=tuple(doc.file_name for doc in documents),
    )


def _grouped(documents: list[Document], expected: ModuleType | None) -> dict[ModuleType, list[Document]]:
    """The documents by format: the démarche's own first, then the others, then the unknown ones."""
    groups: dict[ModuleType, list[Document]] = {}
    for doc in documents:
        fmt = next((f for f in FORMATS if f.recognises(doc)), generic)
        groups.setdefault(fmt, []).append(doc)
    return dict(sorted(groups.items(), key=lambda item: (item[0] is not expected, item[0] is generic)))


def _render(fmt: ModuleType, docs: list[Document], file_names: tuple[str, ...], problems: list[str]) -> Part:
    names = ", ".join(doc.file_name for doc in docs)
    # Broad on purpose: a flow shaped in a way nobody foresaw must not break the dossier page.
    try:
        return fmt.render(docs, file_names)
    except Exception:
        if fmt is not generic:
            problems.append(
                f"Le contenu de {names} n'a pas pu être mis en forme comme {fmt.KIND} : il est affiché tel quel."
            )
            return _render(generic, docs, file_names, problems)
        problems.append(f"Le contenu de {names} n'a pas pu être affiché.")
        return Part(generic.TITLE, ())


def _mismatch_notes(
    fmt: ModuleType, docs: list[Document], expected: ModuleType | None, present: set[ModuleType]
) -> list[str]:
    """Tells the agent when a file is not what the démarche sends."""
    if expected is None or fmt is expected or expected in present:
        return []
    if fmt is generic:
        return [
            f"Le fichier {doc.file_name} n'a pas la forme attendue pour {expected.KIND} : "
            "son contenu est affiché sous forme d'arborescence."
            for doc in docs
        ]
    return [
        f"Le fichier {doc.file_name} contient {fmt.KIND} et non {expected.KIND} : il est affiché comme tel."
        for doc in docs
    ]
