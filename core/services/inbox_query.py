"""What the inbox shows — a tab, filters, a sort, a page — and its round trip through the URL.

Bad values fall back to defaults, so a hand-edited or outdated bookmark never breaks the page.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from core.models import CaseStatus
from core.text import search_key
from core.workflow import INBOX_TABS

TAB_STATUSES: dict[str, frozenset[CaseStatus]] = dict(INBOX_TABS)
ALL_TAB = INBOX_TABS[0][0]
PAGE_SIZE, MIN_PAGE_SIZE, MAX_PAGE_SIZE = 50, 10, 200
SORTS = ("newest", "oldest")
MAX_SEARCH = 100
# URL parameter names (French: they show in the address bar), and the words for the sort order.
PARAM_NAMES = {
    "tab": "onglet",
    "process_code": "demarche",
    "date_from": "du",
    "date_to": "au",
    "search": "recherche",
    "sort": "tri",
    "page": "page",
    "page_size": "par_page",
}
SORT_WORDS = {"newest": "recents", "oldest": "anciens"}
DEFAULT_PARAMS = {"tab": "tous", "sort": "recents", "page": "1", "page_size": str(PAGE_SIZE)}


def tab_slug(tab: str) -> str:
    """« En attente de compléments » → « en-attente-de-complements », for URLs."""
    return search_key(tab).replace(" ", "-")


TAB_BY_SLUG = {tab_slug(tab): tab for tab in TAB_STATUSES}


@dataclass(frozen=True)
class InboxQuery:
    """What the inbox shows: a tab, filters, a sort and a page. Bad values fall back to defaults."""

    tab: str = ALL_TAB
    process_code: str | None = None
    date_from: date | None = None  # local dates (Europe/Paris), both included
    date_to: date | None = None
    search: str = ""
    sort: str = "newest"
    page: int = 1
    page_size: int = PAGE_SIZE

    def __post_init__(self):
        fix = object.__setattr__  # frozen: normalise once, here, so that every query is a valid one
        fix(self, "tab", self.tab if self.tab in TAB_STATUSES else ALL_TAB)
        fix(self, "process_code", self.process_code or None)
        fix(self, "search", " ".join((self.search or "").split())[:MAX_SEARCH])
        fix(self, "sort", self.sort if self.sort in SORTS else "newest")
        fix(self, "page", max(1, self.page))
        fix(self, "page_size", min(MAX_PAGE_SIZE, max(MIN_PAGE_SIZE, self.page_size)))
        if self.date_from and self.date_to and self.date_from > self.date_to:
            earlier, later = self.date_to, self.date_from
            fix(self, "date_from", earlier)
            fix(self, "date_to", later)

    def to_params(self) -> dict[str, str]:
        """The query as URL parameters; defaults are left out, so the plain inbox has a plain URL."""
        values = {
            "tab": tab_slug(self.tab),
            "process_code": self.process_code,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "search": self.search,
            "sort": SORT_WORDS[self.sort],
            "page": str(self.page),
            "page_size": str(self.page_size),
        }
        return {PARAM_NAMES[k]: v for k, v in values.items() if v and v != DEFAULT_PARAMS.get(k)}

    @classmethod
    def from_params(cls, params: Mapping) -> "InboxQuery":
        """Read URL parameters (values may be strings or lists); anything unreadable takes its default."""

        def value(name: str) -> str:
            raw = params.get(PARAM_NAMES[name])
            if isinstance(raw, list | tuple):
                raw = raw[-1] if raw else None
            return str(raw).strip() if raw is not None else ""

        sort = {word: key for key, word in SORT_WORDS.items()}.get(value("sort"), "newest")
        return cls(
            tab=TAB_BY_SLUG.get(value("tab"), value("tab")),
            process_code=value("process_code") or None,
            date_from=_date(value("date_from")),
            date_to=_date(value("date_to")),
            search=value("search"),
            sort=sort,
            page=_int(value("page"), 1),
            page_size=_int(value("page_size"), PAGE_SIZE),
        )


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _int(text: str, default: int) -> int:
    try:
        return int(text)
    except ValueError:
        return default
