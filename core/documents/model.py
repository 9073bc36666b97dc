"""The UI-agnostic shape of a dossier's business content: a title, sections of labelled values, problems."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple


class Field(NamedTuple):
    """One labelled value, both in French and ready to show as plain text (the page must not read markdown)."""

    label: str
    value: str


@dataclass(frozen=True)
class Section:
    """A heading, its fields, and sub-sections (one per partenaire, enfant, volet…)."""

    heading: str
    fields: tuple[Field, ...] = ()
    subsections: tuple["Section", ...] = ()

    def walk(self, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Field]]:
        """Every field with the headings that lead to it, depth first."""
        here = (*path, self.heading)
        for field in self.fields:
            yield here, field
        for sub in self.subsections:
            yield from sub.walk(here)


@dataclass(frozen=True)
class BusinessContent:
    """What the dossier page shows above the attachments.

    `problems` say what could not be read (a broken or refused file); `notes` say what an agent should know
    about content that was read (a file that is not the démarche's format, volets that disagree).
    """

    title: str
    sections: tuple[Section, ...] = ()
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    source_files: tuple[str, ...] = ()  # the files the sections were read from

    def walk(self) -> Iterator[tuple[tuple[str, ...], Field]]:
        for section in self.sections:
            yield from section.walk()

    def values(self, label: str, under: str | None = None) -> list[str]:
        """The values of every field with this label, optionally only below a heading."""
        return [f.value for path, f in self.walk() if f.label == label and (under is None or under in path)]


@dataclass(frozen=True)
class Part:
    """What one démarche renderer returns for its files."""

    title: str
    sections: tuple[Section, ...]
    notes: tuple[str, ...] = ()


def section(
    heading: str,
    fields: Iterable[tuple[str, str | None]] = (),
    subsections: Iterable[Section | None] = (),
) -> Section | None:
    """A section without its empty fields (the operators' flows keep absent values as empty elements).

    None when nothing is left, so that callers can pass the result straight to `sections()`.
    """
    kept = tuple(Field(label, value) for label, value in fields if value not in (None, ""))
    subs = tuple(sub for sub in subsections if sub is not None)
    if not kept and not subs:
        return None
    return Section(heading, kept, subs)


def sections(*items: Section | None | Iterable[Section | None]) -> tuple[Section, ...]:
    """Flattens sections and lists of sections, dropping the empty ones."""
    kept: list[Section] = []
    for item in items:
        if isinstance(item, Section):
            kept.append(item)
        elif item is not None:
            kept.extend(s for s in item if s is not None)
    return tuple(kept)
