"""Gestion des abonnements: the subscriptions this person may see, filtered, paginated on the server, in CSV."""

import streamlit as st

from core.db import session_scope
from core.errors import DomainError
from core.models import SubscriptionStatus
from core.permissions import is_platform_admin
from core.services.actors import load_actor
from core.services.catalogue import catalogue_choices
from core.services.subscriptions import (
    SubscriptionPage,
    SubscriptionQuery,
    export_subscriptions_csv,
    list_subscriptions,
)
from pages.components.session import show_flash, signed_in_account_id

account_id = signed_in_account_id()

ALL = "Tous"
PAGE_KEY = "subscriptions_page"
QUERY_KEY = "subscriptions_query"
PAGE_SIZE = 25
NO_DATE = "-/-/-"


def _choice(label: str, options: dict, key: str):
    return options.get(st.selectbox(label, [ALL, *options], key=key))


def _filters(platform: bool, operators, processes) -> SubscriptionQuery:
    columns = st.columns(3)
    with columns[0]:
        operator_id = _choice("Filtrer par opérateur", {code: i for i, code in operators}, "subscriptions_operator")
    with columns[1]:
        process_id = _choice("Filtrer par démarche", {label: i for i, label in processes}, "subscriptions_process")
    with columns[2]:
        status = _choice("Filtrer par statut", {s.value: s for s in SubscriptionStatus}, "subscriptions_status")
    search = ""
    if platform:
        search = st.text_input("Service instructeur (nom ou SIRET)", key="subscriptions_search")
    return SubscriptionQuery(operator_id=operator_id, process_id=process_id, status=status, search=search)


def _page_number(query: SubscriptionQuery) -> int:
    # A new filter starts again from the first page.
    if st.session_state.get(QUERY_KEY) != query:
        st.session_state[QUERY_KEY] = query
        st.session_state[PAGE_KEY] = 1
    return st.session_state.get(PAGE_KEY, 1)


def _date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else NO_DATE


def _pager(page: SubscriptionPage) -> None:
    left, middle, right = st.columns([1, 2, 1], vertical_alignment="center")
    if left.button("Page précédente", disabled=page.page <= 1, key="subscriptions_previous"):
        st.session_state[PAGE_KEY] = page.page - 1
        st.rerun()
    middle.caption(f"Page {page.page} sur {page.page_count}")
    if right.button("Page suivante", disabled=page.page >= page.page_count, key="subscriptions_next"):
        st.session_state[PAGE_KEY] = page.page + 1
        st.rerun()


def _table(page: SubscriptionPage) -> None:
    plural = "s" if page.total > 1 else ""
    st.caption(f"{page.total} abonnement{plural} trouvé{plural}")
    rows = [
        {
            "Opérateur": r.operator,
            "Démarche": r.process,
            "Service instructeur": r.organization,
            "N° Datapass": r.datapass or "",
            "Modalité d'accès": r.access_mode.value if r.access_mode else "",
            "DT": "Oui" if r.has_delegate else "Non",
            "Statut": r.status.value,
            "Date d'activation": _date(r.activation_date),
            "Date de suspension": _date(r.suspension_date),
        }
        for r in page.rows
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    if page.page_count > 1:
        _pager(page)
    if page.rows:
        labels = {f"{r.process} — {r.organization}": r.id for r in page.rows}
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        chosen = left.selectbox("Ouvrir l'abonnement", list(labels), key="subscriptions_open_choice")
        if right.button("Voir / modifier", key="subscriptions_open"):
            st.switch_page("pages/subscription.py", query_params={"id": str(labels[chosen])})


def _export(query: SubscriptionQuery) -> bytes:
    # Built on click only; the rows stream from the database into the file.
    with session_scope() as s:
        chunks = export_subscriptions_csv(s, actor=load_actor(s, account_id), query=query)
        return "".join(chunks).encode("utf-8")


with session_scope() as s:
    me = load_actor(s, account_id)
    choices = catalogue_choices(s)

platform = is_platform_admin(me)
st.title("Gestion des abonnements")
st.caption("Tous les services instructeurs." if platform else "Gestion des abonnements de votre service instructeur.")
show_flash()
query = _filters(platform, choices.operators, choices.processes)
try:
    with session_scope() as s:
        listing = list_subscriptions(s, actor=me, query=query, page=_page_number(query), page_size=PAGE_SIZE)
except DomainError as exc:
    st.error(exc.message)
    st.stop()
_table(listing)
st.download_button(
    "Exporter (CSV)",
    data=lambda: _export(query),
    file_name="abonnements.csv",
    mime="text/csv",
    icon=":material/download:",
    key="subscriptions_export",
)
