"""Télédossiers: the inbox. Tabs with counts, filters and page in the URL, one server-side page, bulk actions, CSV.

The URL is the state: widgets are set from it at every run and their changes write it back (`InboxQuery`), so
a view can be bookmarked or shared. The table gets one page from the server (row selection needs a table
that is not lazy). Files are built only when their button is clicked.
"""

import hashlib
from dataclasses import replace

import streamlit as st

from core.clock import utcnow
from core.db import session_scope
from core.errors import DomainError
from core.models import Role
from core.permissions import Actor, has_role
from core.services.actors import load_actor
from core.services.inbox import (
    ALL_TAB,
    InboxPage,
    InboxQuery,
    InboxRow,
    inbox_page,
    new_cases_since,
)
from pages.components.dossier_parts import (
    VISIT_KEY,
    ask_mark_done,
    built_on_click,
    confirm_mark_done,
    file_errors,
    inbox_csv_bytes,
    moment,
    open_dossier,
    selection_zip,
    show_file_errors,
    show_mark_done_report,
    today_stamp,
)
from pages.components.format import md_escape
from pages.components.session import show_flash, signed_in_account_id

account_id = signed_in_account_id()

REFRESH_SECONDS = 60
ALL_PROCESSES = "Toutes les démarches"
SORT_LABELS = {"newest": "Plus récents d'abord", "oldest": "Plus anciens d'abord"}
PAGE_SIZES = (25, 50, 100, 200)
DATE_FORMAT = "DD/MM/YYYY"
READ_ONLY_MARK = " (lecture seule)"
# Pixels: the six columns fit beside the menu on a 1280-pixel screen; a long démarche is cut (full on hover).
COLUMN_WIDTHS = {
    "Numéro": st.column_config.TextColumn(width=150),
    "Démarche": st.column_config.TextColumn(width=110),
    "Personne concernée": st.column_config.TextColumn(width=130),
    "Transmis le": st.column_config.TextColumn(width=122),
    "Mis à jour le": st.column_config.TextColumn(width=122),
    "Statut": st.column_config.TextColumn(width=150),
}
# Widget keys, set from the URL at every run.
TAB, PROCESS, DATE_FROM, DATE_TO, SEARCH, SORT, PAGE_SIZE = (
    "inbox_tab", "inbox_process", "inbox_from", "inbox_to", "inbox_search", "inbox_sort", "inbox_page_size",
)  # fmt: skip
SINCE_KEY = "inbox_since"  # when the list on screen was read: the notice counts what arrived after


def _url_query() -> InboxQuery:
    return InboxQuery.from_params(st.query_params.to_dict())


def _show(query: InboxQuery) -> None:
    st.query_params.from_dict(query.to_params())


def _from_widgets() -> None:
    """A filter changed: the URL takes every widget's value, back to the first page."""
    state = st.session_state
    _show(
        InboxQuery(
            tab=state.get(TAB) or ALL_TAB,
            process_code=state.get(PROCESS),
            date_from=state.get(DATE_FROM),
            date_to=state.get(DATE_TO),
            search=state.get(SEARCH) or "",
            sort=state.get(SORT) or "newest",
            page=1,
            page_size=state.get(PAGE_SIZE) or _url_query().page_size,
        )
    )


def _go_to(page: int) -> None:
    _show(replace(_url_query(), page=page))


def _set_widgets(query: InboxQuery) -> None:
    """The widgets show the query of the URL (also after « Précédent » in the browser or a shared link)."""
    values = {
        TAB: query.tab,
        PROCESS: query.process_code,
        DATE_FROM: query.date_from,
        DATE_TO: query.date_to,
        SEARCH: query.search,
        SORT: query.sort,
        PAGE_SIZE: query.page_size,
    }
    for key, value in values.items():
        st.session_state[key] = value


def _load(query: InboxQuery) -> tuple[Actor, InboxPage]:
    try:
        with session_scope() as s:
            actor = load_actor(s, account_id)
            return actor, inbox_page(s, actor=actor, query=query)
    except DomainError as exc:
        st.error(exc.message)
        st.stop()


@st.fragment(run_every=REFRESH_SECONDS)
def _arrivals_notice() -> None:
    """Every minute: how many dossiers arrived since the list was read, and a button to read it again."""
    since = st.session_state.get(SINCE_KEY)
    if since is None:  # the tab was signed out meanwhile
        return
    try:
        with session_scope() as s:
            count = new_cases_since(s, actor=load_actor(s, account_id), since=since)
    except DomainError:
        return  # a notice is not worth an error: the next full run says what is wrong
    if not count:
        return
    words = "nouveau télédossier" if count == 1 else "nouveaux télédossiers"
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.info(f"{count} {words} depuis l'affichage de la liste.", icon=":material/notifications:")
    if right.button("Actualiser la liste", key="inbox_refresh", icon=":material/refresh:"):
        st.rerun(scope="app")


def _tabs(listing: InboxPage) -> None:
    counts = {t.label: t.count for t in listing.tabs}
    st.segmented_control(
        "Statut",
        list(counts),
        format_func=lambda tab: f"{tab} ({counts[tab]})",
        required=True,
        key=TAB,
        on_change=_from_widgets,
        label_visibility="collapsed",
    )


def _filters(listing: InboxPage) -> None:
    labels = dict(listing.processes)
    process, date_from, date_to, sort = st.columns([2.4, 1.2, 1.2, 1.6])
    process.selectbox(
        "Démarche", [None, *labels], format_func=lambda c: labels.get(c, ALL_PROCESSES), key=PROCESS,
        on_change=_from_widgets,
    )  # fmt: skip
    date_from.date_input("Transmis du", format=DATE_FORMAT, key=DATE_FROM, on_change=_from_widgets)
    date_to.date_input("au", format=DATE_FORMAT, key=DATE_TO, on_change=_from_widgets)
    sort.selectbox("Tri", list(SORT_LABELS), format_func=SORT_LABELS.get, key=SORT, on_change=_from_widgets)
    st.text_input(
        "Rechercher un numéro de télédossier ou une personne concernée",
        key=SEARCH,
        on_change=_from_widgets,
        placeholder="ex. 34CDDA4F ou Martin",
        help="Le début du numéro, ou le début du nom ou du prénom (sans tenir compte des majuscules ni des accents).",
    )


def _table_key(listing: InboxPage) -> str:
    # Selections are row positions: a table with other rows (new page, new arrival) starts unselected.
    digest = hashlib.sha256(",".join(str(r.id) for r in listing.rows).encode()).hexdigest()[:16]
    return f"inbox_table_{digest}"


def _select_all(key: str, count: int) -> None:
    st.session_state[key] = {"selection": {"rows": list(range(count)), "columns": [], "cells": []}}


def _table(listing: InboxPage) -> list[InboxRow]:
    """The page of dossiers; the rows the person selected."""
    rows = [
        {
            "Numéro": r.number,
            "Démarche": r.process_label,
            "Personne concernée": r.subject_name,
            "Transmis le": moment(r.transmitted_at),
            "Mis à jour le": moment(r.updated_at),
            "Statut": r.status_label + (READ_ONLY_MARK if r.read_only else ""),
        }
        for r in listing.rows
    ]
    key = _table_key(listing)
    event = st.dataframe(
        rows, key=key, on_select="rerun", selection_mode="multi-row", hide_index=True, width="stretch",
        placeholder="—", column_config=COLUMN_WIDTHS,
    )  # fmt: skip
    st.button(
        "Tout sélectionner sur la page", key="inbox_select_all", on_click=_select_all, args=(key, len(rows)),
        disabled=not rows, type="tertiary", icon=":material/select_all:",
    )  # fmt: skip
    return [listing.rows[i] for i in event.selection.rows if i < len(listing.rows)]


def _pager(listing: InboxPage) -> None:
    query, words = listing.query, "télédossier" if listing.total < 2 else "télédossiers"
    previous, where, following, size = st.columns([1, 2, 1, 1], vertical_alignment="center")
    previous.button(
        "Page précédente", key="inbox_previous", disabled=query.page <= 1, on_click=_go_to, args=(query.page - 1,)
    )
    where.caption(f"Page {query.page} sur {listing.page_count} — {listing.total} {words}")
    following.button(
        "Page suivante", key="inbox_next", disabled=query.page >= listing.page_count, on_click=_go_to,
        args=(query.page + 1,),
    )  # fmt: skip
    sizes = sorted({*PAGE_SIZES, query.page_size})
    size.selectbox("Par page", sizes, key=PAGE_SIZE, on_change=_from_widgets)


def _open(listing: InboxPage, selected: list[InboxRow]) -> None:
    if not listing.rows:
        return
    rows = {r.id: r for r in listing.rows}
    first = (selected or listing.rows)[0]
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox(
        "Ouvrir le télédossier",
        list(rows),
        index=list(rows).index(first.id),
        format_func=lambda i: f"{rows[i].number} — {rows[i].subject_name}",
        key=f"inbox_open_{first.id}",  # follows the first selected row
    )
    if right.button("Ouvrir", type="primary", key="inbox_open", icon=":material/folder_open:"):
        open_dossier(chosen, listing.query.to_params())


def _zip_selection(selected: list[InboxRow]) -> None:
    ids = [r.id for r in selected if r.can_download]
    st.download_button(
        "Télécharger la sélection (ZIP)",
        data=built_on_click("Téléchargement de la sélection", lambda: selection_zip(account_id, ids, file_errors())),
        file_name=f"teledossiers-{today_stamp()}.zip",
        mime="application/zip",
        key="inbox_zip",
        icon=":material/download:",
        disabled=not ids,
    )
    for r in selected:
        if not r.can_download:
            st.caption(f"N° {md_escape(r.number)} ne sera pas inclus : {md_escape(r.download_refusal)}")


def _bulk(selected: list[InboxRow], may_manage: bool) -> None:
    if not selected:
        st.caption("Cochez des lignes du tableau pour télécharger ou marquer comme traités plusieurs télédossiers.")
        return
    count = len(selected)
    st.markdown(f"**{count} télédossier{'s' if count > 1 else ''} sélectionné{'s' if count > 1 else ''}**")
    left, right = st.columns(2)
    with left:
        _zip_selection(selected)
    if may_manage:
        right.button(
            "Marquer comme traités", key="inbox_done", on_click=ask_mark_done, args=(selected,),
            icon=":material/task_alt:",
        )  # fmt: skip


def _export(query: InboxQuery) -> None:
    st.download_button(
        "Exporter la liste (CSV)",
        data=built_on_click("Export CSV", lambda: inbox_csv_bytes(account_id, query)),
        file_name=f"teledossiers-{today_stamp()}.csv",
        mime="text/csv",
        on_click="ignore",
        key="inbox_export",
        icon=":material/table_view:",
        help="Tous les télédossiers de l'onglet et des filtres en cours (toutes les pages).",
    )


st.session_state.pop(VISIT_KEY, None)  # back in the inbox: the visit of a dossier is over
st.session_state[SINCE_KEY] = utcnow()  # read before the list, so that nothing arrives unseen in between
requested = _url_query()
me, listing = _load(requested)
if listing.query.process_code and listing.query.process_code not in dict(listing.processes):
    # A shared link may name a démarche this person does not handle: show theirs all rather than an empty list.
    me, listing = _load(replace(listing.query, process_code=None, page=1))
if listing.query != requested:
    _show(listing.query)  # as applied: an unknown démarche dropped, the page brought within range
_set_widgets(listing.query)

st.title("Télédossiers")
show_flash()
show_file_errors()
show_mark_done_report()
_arrivals_notice()
_tabs(listing)
_filters(listing)
chosen_rows = _table(listing)
_pager(listing)
_open(listing, chosen_rows)
_bulk(chosen_rows, has_role(me, Role.DOSSIERS_GESTION))
confirm_mark_done(account_id)
st.divider()
_export(listing.query)
