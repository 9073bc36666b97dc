"""What every administration form and list shares: all field errors at once, accent-blind search, pages."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlmodel import Session

from core.errors import Conflict, InvalidInput
from core.text import search_key

# PostgreSQL folds in one translate(); SQLite has no translate(), so it gets core.text.search_key as a function.
_ACCENTED = "àâäéèêëîïôöùûüçÿ"
_BARE = "aaaeeeeiioouuucy"
_SQLITE_FUNCTION = "hubee_search_key"


class InvalidFields(InvalidInput):
    """Several fields are wrong: one French message per field, in the order of the form."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()), field=next(iter(errors)))
        self.errors = errors


class FieldChecks:
    """Run every check of a form and keep the first message per field, so the form shows them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def run(self, check, *args, **kwargs):
        try:
            return check(*args, **kwargs)
        except (InvalidInput, Conflict) as exc:
            self.errors.setdefault(exc.field or "form", exc.message)
            return None

    def fail(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidFields(self.errors)


def _folder(session: Session):
    """column -> the column lower-cased and without accents, comparable to `search_key` of what was typed."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        # Registered on the connection at hand (cheap, idempotent): pooled connections may be new.
        raw = connection.connection.driver_connection
        raw.create_function(_SQLITE_FUNCTION, 1, lambda v: search_key(v) if v else "", deterministic=True)
        return getattr(func, _SQLITE_FUNCTION)
    return lambda column: func.translate(func.lower(column), _ACCENTED, _BARE)


def search_conditions(session: Session, text: str, columns: Sequence) -> list:
    """Each typed word must appear in one of `columns` (case and accents ignored)."""
    words = search_key(text).split()
    if not words:
        return []
    fold = _folder(session)
    return [or_(*[fold(c).contains(word, autoescape=True) for c in columns]) for word in words]


@dataclass(frozen=True)
class Paging:
    """Server-side pagination: COUNT, then one LIMIT/OFFSET page (a page past the end shows the last one)."""

    page: int
    page_count: int
    offset: int
    size: int


def paging(total: int, page: int, size: int) -> Paging:
    page_count = max(1, -(-total // size))
    page = min(max(1, page), page_count)
    return Paging(page, page_count, (page - 1) * size, size)
