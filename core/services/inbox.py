"""The agents' inbox (SPEC §6): tab counts, one filtered page, the CSV of the filter, the "new dossiers" notice.

Every query goes through `case_visibility_clause`, so a list or a count never shows what `may_view_case`
refuses, and is bounded by one commune's rows (indexes `case(organization_id, …)`). Figures and query plans:
bench/inbox.py, docs/performance.md.
- Counts: one GROUP BY démarche and status under the filter; each tab sums its statuses.
- Page: LIMIT/OFFSET. Agents read the first pages; a deep OFFSET walks index entries of one commune only, and
  page numbers survive in a shared URL, which a keyset cursor would not.
- Search: text with a digit is a dossier number (names have none), a prefix of `external_id`. Otherwise it is
  the start of any word of the personne concernée's name (`subject_search`: lower-case, no accents): « mar »
  finds « Martin » and « Jean-Marc », not « Lamarque ». No B-tree serves a word inside a name, so a name search
  reads the commune's entries of case(organization_id, subject_search) once, then counts and sorts the matches.
"""

import math
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from core.config import get_settings
from core.csv_export import csv_lines
from core.models import Case, CaseStatus, Process, Subscription
from core.permissions import Actor, case_ref, case_visibility_clause, may_download_case, sees_all_processes
from core.services.inbox_query import ALL_TAB, TAB_STATUSES, InboxQuery, tab_slug
from core.text import search_key
from core.workflow import INBOX_TABS, label

CSV_BATCH = 1000
CSV_HEADER = ("Numéro", "Démarche", "Personne concernée", "Courriel", "Transmis le", "Mis à jour le", "Statut")


@dataclass(frozen=True)
class TabCount:
    label: str
    slug: str
    count: int


@dataclass(frozen=True)
class InboxRow:
    id: object
    number: str
    process_code: str
    process_label: str
    subject_name: str
    subject_email: str | None
    transmitted_at: datetime
    updated_at: datetime | None
    status: CaseStatus
    status_label: str
    read_only: bool
    can_download: bool
    download_refusal: str  # why not, when can_download is False


@dataclass(frozen=True)
class InboxPage:
    query: InboxQuery  # as applied: an unknown démarche dropped, the page brought within range
    tabs: tuple[TabCount, ...]
    total: int  # dossiers of the current tab under the filter
    page_count: int
    rows: tuple[InboxRow, ...]
    processes: tuple[tuple[str, str], ...]  # (code, label) of the démarches this person may filter on


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def is_number_search(text: str) -> bool:
    """Text with a digit is a dossier number: names have none, numbers always have some."""
    return any(ch.isdigit() for ch in text)


def search_clause(text: str) -> sa.ColumnElement[bool] | None:
    """A dossier number prefix when the text has a digit, else the start of a word of the personne concernée."""
    if is_number_search(text):
        number, numbered = _number(text), aliased(Case)
        bounds = _number_bounds(number, numbered)
        like = Case.external_id.like(f"{_escape_like(number)}%", escape="\\")
        return sa.and_(like, Case.id.in_(select(numbered.id).where(*bounds))) if bounds else like
    key = _escape_like(search_key(text))
    if not key:
        return None
    # A word starts the name or follows a space (one pattern on ' ' || name), a hyphen or an apostrophe.
    # `subject_search > ''` (always true) lets the planner read case(organization_id, subject_search), where the
    # patterns are tested on the index entries, instead of every row of the commune.
    spaced = sa.literal(" ", sa.String()) + Case.subject_search
    patterns = [spaced.like(f"% {key}%", escape="\\")]
    patterns += [Case.subject_search.like(f"%{mark}{key}%", escape="\\") for mark in ("-", "'")]
    return sa.and_(Case.subject_search > "", sa.or_(*patterns))


def _number(text: str) -> str:
    return "".join(text.split()).upper()


def _number_bounds(number: str, table) -> list:
    """A range of `external_id` that case(external_id) serves, from 4 leading letters or digits on; else none."""
    head = re.match(r"[0-9A-Z]{4,}", number)
    if head is None:
        return []
    bounds = [table.external_id >= head.group()]
    if above := _next_prefix(head.group()):
        bounds.append(table.external_id < above)
    return bounds


def _next_prefix(prefix: str) -> str | None:
    """The smallest string after every string starting with `prefix` (digits before letters, as in any collation)."""
    stem = prefix.rstrip("Z")
    if not stem:
        return None
    last = stem[-1]
    return stem[:-1] + ("A" if last == "9" else chr(ord(last) + 1))


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=get_settings().zone)


def _filters(actor: Actor, query: InboxQuery, process_id: int | None) -> list:
    clauses = [case_visibility_clause(actor, Case)]
    if process_id is not None:
        clauses.append(Case.process_id == process_id)
    if query.date_from:
        clauses.append(Case.transmitted_at >= _day_start(query.date_from))
    if query.date_to:
        clauses.append(Case.transmitted_at < _day_start(query.date_to + timedelta(days=1)))
    if query.search and (clause := search_clause(query.search)) is not None:
        clauses.append(clause)
    return clauses


ROW_COLUMNS = (
    Case.id,
    Case.external_id,
    Case.organization_id,
    Case.process_id,
    Case.subject_name,
    Case.subject_email,
    Case.transmitted_at,
    Case.updated_at,
    Case.status,
    Subscription.access_mode_changed_at,
)


def inbox_statements(actor: Actor, query: InboxQuery, process_id: int | None) -> tuple[sa.Select, sa.Select]:
    """(counts per démarche and status under the filter, every row of the current tab in order).

    Grouping by démarche too lets SQLite count from case(organization_id, process_id, status) alone, also for
    an agent's few démarches (grouped by status only, it walks every row of the commune).
    """
    where = _filters(actor, query, process_id)
    counts = select(Case.process_id, Case.status, sa.func.count()).where(*where).group_by(Case.process_id, Case.status)
    if query.tab != ALL_TAB:
        where.append(Case.status.in_(sorted(TAB_STATUSES[query.tab])))
    direction = sa.desc if query.sort == "newest" else sa.asc
    rows = _row_select().where(*where).order_by(direction(Case.transmitted_at), direction(Case.id))
    return counts, rows


def _row_select() -> sa.Select:
    return select(*ROW_COLUMNS).outerjoin(Subscription, Subscription.id == Case.subscription_id)


def _processes(session: Session, actor: Actor) -> tuple[dict[int, Process], list[Process]]:
    """The catalogue by id, and the démarches this person may filter on (habilitations, or the SI's subscriptions)."""
    catalogue = {p.id: p for p in session.exec(select(Process))}
    if sees_all_processes(actor) and actor.organization_id is not None:
        ids = set(
            session.exec(select(Subscription.process_id).where(Subscription.organization_id == actor.organization_id))
        )
    else:
        ids = set(actor.habilitations)
    choices = sorted((catalogue[i] for i in ids if i in catalogue), key=lambda p: search_key(p.label))
    return catalogue, choices


def _row(actor: Actor, row, catalogue: dict[int, Process]) -> InboxRow:
    ref = case_ref(row, row)  # the row carries the case's columns and its subscription's switch date
    download = may_download_case(actor, ref)
    process = catalogue[row.process_id]
    return InboxRow(
        id=row.id,
        number=row.external_id,
        process_code=process.code,
        process_label=process.label,
        subject_name=row.subject_name,
        subject_email=row.subject_email,
        transmitted_at=row.transmitted_at,
        updated_at=row.updated_at,
        status=row.status,
        status_label=label(row.status),
        read_only=ref.read_only,
        can_download=download.allowed,
        download_refusal=download.reason,
    )


def _by_sql(session: Session, actor: Actor, query: InboxQuery, process_id: int | None):
    """Counts per status, and a function giving one page of the tab: two indexed queries."""
    counts_stmt, rows_stmt = inbox_statements(actor, query, process_id)
    per_status = Counter()
    for _process_id, status, count in session.exec(counts_stmt):
        per_status[status] += count
    return per_status, lambda offset, limit: session.exec(rows_stmt.limit(limit).offset(offset)).all()


def _by_keys(session: Session, actor: Actor, query: InboxQuery, process_id: int | None):
    """The same for a search: the matching dossiers' keys in one indexed pass, then counted and sorted here.

    Counted in SQL, SQLite would walk the commune's rows in status order rather than the few matches.
    """
    where = _filters(actor, replace(query, search=""), process_id)
    numbered = _number_bounds(_number(query.search), Case) if is_number_search(query.search) else []
    if numbered:  # a number: its candidates first, through case(external_id) alone, whatever the statistics say
        like = Case.external_id.like(f"{_escape_like(_number(query.search))}%", escape="\\")
        where.append(Case.id.in_(session.exec(select(Case.id).where(*numbered, like)).all()))
    else:
        where.append(search_clause(query.search))
    # Values as the driver gives them (SQLite: text, which sorts as the column does): building thousands of UUID,
    # datetime and enum objects would cost more than the query itself.
    raw = [sa.type_coerce(c, sa.String()).label(c.key) for c in (Case.id, Case.status, Case.transmitted_at)]
    matches = session.exec(select(*raw).where(*where)).all()
    per_status = Counter(CaseStatus[m.status] for m in matches)
    statuses = {s.name for s in TAB_STATUSES[query.tab]}
    ordered = sorted((m for m in matches if m.status in statuses), key=lambda m: (m.transmitted_at, m.id))
    if query.sort == "newest":
        ordered.reverse()

    def page(offset: int, limit: int):
        ids = [m.id if isinstance(m.id, uuid.UUID) else uuid.UUID(m.id) for m in ordered[offset : offset + limit]]
        found = {r.id: r for r in session.exec(_row_select().where(Case.id.in_(ids)))} if ids else {}
        return [found[i] for i in ids]

    return per_status, page


def _resolved(query: InboxQuery, catalogue: dict[int, Process]) -> tuple[InboxQuery, int | None]:
    process = next((p for p in catalogue.values() if p.code == query.process_code), None)
    if process is None and query.process_code:
        query = replace(query, process_code=None)  # an unknown démarche is dropped, not an error
    return query, process.id if process else None


def inbox_page(session: Session, *, actor: Actor, query: InboxQuery) -> InboxPage:
    """Counts for every tab and one page of the current tab, as this person may see them."""
    catalogue, choices = _processes(session, actor)
    query, process_id = _resolved(query, catalogue)
    searching = search_clause(query.search) is not None
    per_status, page = (_by_keys if searching else _by_sql)(session, actor, query, process_id)
    tabs = tuple(TabCount(tab, tab_slug(tab), sum(per_status[s] for s in statuses)) for tab, statuses in INBOX_TABS)
    total = next(t.count for t in tabs if t.label == query.tab)
    page_count = max(1, math.ceil(total / query.page_size))
    query = replace(query, page=min(query.page, page_count))
    rows = page((query.page - 1) * query.page_size, query.page_size)
    return InboxPage(
        query=query,
        tabs=tabs,
        total=total,
        page_count=page_count,
        rows=tuple(_row(actor, r, catalogue) for r in rows),
        processes=tuple((p.code, p.label) for p in choices),
    )


def inbox_csv(session: Session, *, actor: Actor, query: InboxQuery) -> Iterator[str]:
    """Every dossier of the current tab and filter as CSV text chunks, read from the database in batches."""
    catalogue, _ = _processes(session, actor)
    query, process_id = _resolved(query, catalogue)
    _, rows_stmt = inbox_statements(actor, query, process_id)
    rows = session.execute(rows_stmt.execution_options(yield_per=CSV_BATCH))
    lines = (
        (
            r.external_id,
            catalogue[r.process_id].label,
            r.subject_name,
            r.subject_email,
            r.transmitted_at,
            r.updated_at,
            label(r.status),
        )
        for r in rows
    )
    return csv_lines(CSV_HEADER, lines, get_settings().zone)


def new_cases_since(session: Session, *, actor: Actor, since: datetime) -> int:
    """How many dossiers this person may see arrived after `since` (the « n nouveaux télédossiers » notice)."""
    stmt = (
        select(sa.func.count())
        .select_from(Case)
        .where(case_visibility_clause(actor, Case), Case.transmitted_at > since)
    )
    return session.exec(stmt).one()
