"""Places of birth for the form: a PARTIAL list of communes and countries with their INSEE (COG) codes.

`communes.csv` holds the prefectures, the largest towns, Paris/Lyon/Marseille's arrondissements and the
towns around the demo communes; `pays.csv` the most frequent countries of birth. They only help the citizen
find a code: anyone born elsewhere types the INSEE code (on the birth certificate, or at insee.fr), which
the form accepts as is.
"""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from core.text import search_key

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    department: str | None = None

    @property
    def label(self) -> str:
        where = f" ({self.department})" if self.department else ""
        return f"{self.name}{where} — {self.code}"


def _read(name: str) -> tuple[Place, ...]:
    with (HERE / name).open(encoding="utf-8", newline="") as handle:
        rows = [Place(r["code"], r["nom"], r.get("departement")) for r in csv.DictReader(handle)]
    return tuple(sorted(rows, key=lambda p: (search_key(p.name), p.code)))


@cache
def communes() -> tuple[Place, ...]:
    return _read("communes.csv")


@cache
def countries() -> tuple[Place, ...]:
    return _read("pays.csv")


def search_communes(text: str, limit: int = 20) -> list[Place]:
    """Communes whose name starts with (then contains) `text`, or whose code starts with it."""
    key = search_key(text)
    if not key:
        return []
    starts = [p for p in communes() if search_key(p.name).startswith(key) or p.code.startswith(key.upper())]
    contains = [p for p in communes() if key in search_key(p.name) and p not in starts]
    return (starts + contains)[:limit]


def place_name(code: str | None) -> str | None:
    """The commune's or country's name for a code of the lists; None for a code typed by hand."""
    return next((p.name for p in (*communes(), *countries()) if p.code == code), None)
