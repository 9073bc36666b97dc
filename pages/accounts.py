"""Gestion des comptes: the SI's accounts with filters, search, pages and CSV; "Ajouter un utilisateur"."""

import streamlit as st

from core.clock import utcnow
from core.db import session_scope
from core.errors import DomainError
from core.models import ActorType, Civility, Role
from core.permissions import is_platform_admin
from core.services.account_admin import (
    AccountFormOptions,
    AccountPage,
    AccountQuery,
    NewAccount,
    account_form_options,
    add_account,
    export_accounts_csv,
    list_accounts,
)
from core.services.actors import load_actor
from core.services.catalogue import catalogue_choices
from core.services.forms import InvalidFields
from core.services.organizations import organization_choices
from pages.components.session import deliver_emails, set_flash, show_flash, signed_in_account_id

account_id = signed_in_account_id()

ALL = "Tous"
PAGE_KEY = "accounts_page"
QUERY_KEY = "accounts_query"
PAGE_SIZE = 25
RESET_KEY = "account_new_reset"
NEW_TEXT_KEYS = tuple(
    f"account_new_{name}" for name in ("email", "first_name", "last_name", "function", "phone", "phone_secondary")
)
ACTIVE_CHOICES = {ALL: None, "Actifs": True, "Désactivés": False}
EMAIL_NOTE = (
    "L'adresse électronique est l'identifiant de connexion : elle ne pourra plus être modifiée. "
    "Une adresse erronée se corrige en désactivant le compte et en en créant un nouveau."
)
FIELD_LABELS = {
    "organization": "Service instructeur",
    "email": "Adresse électronique",
    "civility": "Civilité",
    "first_name": "Prénom",
    "last_name": "Nom",
    "phone": "Téléphone principal",
    "phone_secondary": "Téléphone secondaire",
    "habilitations": "Habilitations aux démarches",
}


def _choice(label: str, options: dict, key: str):
    """A select box with "Tous" first; the chosen value (None for "Tous")."""
    names = [ALL, *options]
    return options.get(st.selectbox(label, names, key=key))


def _filters(platform: bool, organizations, processes) -> AccountQuery:
    organization_id = None
    if platform:
        organization_id = _choice("Service instructeur", {label: i for i, label in organizations}, "accounts_org")
    columns = st.columns(4)
    with columns[0]:
        actor_type = _choice("Filtrer par type d'acteur", {t.value: t for t in ActorType}, "accounts_type")
    with columns[1]:
        role = _choice("Filtrer par rôle", {r.value: r for r in Role}, "accounts_role")
    with columns[2]:
        process_id = _choice("Filtrer par démarche", {label: i for i, label in processes}, "accounts_process")
    with columns[3]:
        active = ACTIVE_CHOICES[st.selectbox("Actif", list(ACTIVE_CHOICES), key="accounts_active")]
    search = st.text_input("Rechercher (nom, prénom, adresse électronique)", key="accounts_search")
    return AccountQuery(organization_id, actor_type, role, process_id, active, search)


def _page_number(query: AccountQuery) -> int:
    # A new filter starts again from the first page.
    if st.session_state.get(QUERY_KEY) != query:
        st.session_state[QUERY_KEY] = query
        st.session_state[PAGE_KEY] = 1
    return st.session_state.get(PAGE_KEY, 1)


def _pager(page: AccountPage) -> None:
    left, middle, right = st.columns([1, 2, 1], vertical_alignment="center")
    if left.button("Page précédente", disabled=page.page <= 1, key="accounts_previous"):
        st.session_state[PAGE_KEY] = page.page - 1
        st.rerun()
    middle.caption(f"Page {page.page} sur {page.page_count}")
    if right.button("Page suivante", disabled=page.page >= page.page_count, key="accounts_next"):
        st.session_state[PAGE_KEY] = page.page + 1
        st.rerun()


def _table(page: AccountPage, platform: bool) -> None:
    st.caption(f"{page.total} utilisateur{'s' if page.total > 1 else ''} trouvé{'s' if page.total > 1 else ''}")
    rows = [
        {
            "Actif": "Oui" if r.active else "Non",
            "Nom": r.last_name,
            "Prénom": r.first_name,
            "Adresse électronique": r.email,
            "Type d'acteur": r.actor_type,
            "Rôles": ", ".join(r.roles),
            "Habilitations démarches": ", ".join(r.habilitations) or "—",
            **({"Service instructeur": r.organization_name or "—"} if platform else {}),
        }
        for r in page.rows
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    if page.page_count > 1:
        _pager(page)
    if page.rows:
        labels = {f"{r.last_name} {r.first_name} — {r.email}": r.id for r in page.rows}
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        chosen = left.selectbox("Ouvrir la fiche de", list(labels), key="accounts_open_choice")
        if right.button("Voir / modifier", key="accounts_open"):
            st.switch_page("pages/account_edit.py", query_params={"id": str(labels[chosen])})


def _export(query: AccountQuery) -> bytes:
    with session_scope() as s:
        return "".join(export_accounts_csv(s, actor=load_actor(s, account_id), query=query)).encode("utf-8")


def _empty_form_after_creation() -> None:
    # Set (not deleted) before the widgets exist, so that the browser is told to empty them too.
    if st.session_state.pop(RESET_KEY, False):
        for key in NEW_TEXT_KEYS:
            st.session_state[key] = ""
        st.session_state["account_new_habilitations"] = []
        st.session_state["account_new_civility"] = None


def _creation_form(options: AccountFormOptions) -> NewAccount | None:
    _empty_form_after_creation()
    types = {t.value: t for t in options.actor_types}
    processes = {label: i for i, label in options.processes}
    with st.form("account_new", border=True):
        actor_type = st.selectbox("Type d'acteur *", list(types), key="account_new_type")
        chosen = st.multiselect(
            "Habilitations aux démarches * (agents)",
            list(processes),
            placeholder="Ajouter une démarche",
            key="account_new_habilitations",
            help="Seules les démarches auxquelles le service instructeur est abonné. Un administrateur local voit "
            "toutes les démarches (« Sans habilitations »).",
        )
        email = st.text_input("Adresse électronique *", key="account_new_email", help=EMAIL_NOTE)
        civility = st.radio(
            "Civilité *", [c.value for c in Civility], index=None, horizontal=True, key="account_new_civility"
        )
        first_name = st.text_input("Prénom *", key="account_new_first_name")
        last_name = st.text_input("Nom *", key="account_new_last_name")
        function = st.text_input("Fonction", key="account_new_function")
        phone = st.text_input("Téléphone principal *", key="account_new_phone")
        secondary = st.text_input("Téléphone secondaire", key="account_new_phone_secondary")
        submitted = st.form_submit_button("Ajouter l'utilisateur", type="primary", key="account_new_submit")
    if not submitted:
        return None
    return NewAccount(
        actor_type=types[actor_type],
        email=email,
        civility=Civility(civility) if civility else None,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        function=function,
        phone_secondary=secondary,
        habilitations=frozenset(processes[p] for p in chosen),
        organization_id=options.organization_id,
    )


def _create(options: AccountFormOptions) -> None:
    st.subheader("Ajouter un utilisateur")
    where = options.organization_name or "hors service instructeur (délégué technique)"
    st.caption(f"Création d'un compte\u00a0: {where}. {EMAIL_NOTE}")
    form = _creation_form(options)
    if form is None:
        return
    try:
        with session_scope() as s:
            account = add_account(s, actor=load_actor(s, account_id), form=form, now=utcnow())
            email = account.email
    except InvalidFields as exc:
        for field, message in exc.errors.items():
            st.error(f"{FIELD_LABELS.get(field, field)}\u00a0: {message}")
        return
    except DomainError as exc:
        st.error(exc.message)
        return
    deliver_emails()
    st.session_state[RESET_KEY] = True
    set_flash(
        f"Le compte {email} est créé. Un courriel lui permet de choisir son mot de passe (lien valable 48 heures).",
        kind="success",
    )
    st.rerun()


with session_scope() as s:
    me = load_actor(s, account_id)
    choices = catalogue_choices(s)
    organizations = organization_choices(s, actor=me) if is_platform_admin(me) else ()

st.title("Gestion des comptes")
st.caption("Gestion des comptes, rôles et habilitations des utilisateurs.")
show_flash()
platform = is_platform_admin(me)
query = _filters(platform, organizations, choices.processes)
try:
    with session_scope() as s:
        listing = list_accounts(s, actor=me, query=query, page=_page_number(query), page_size=PAGE_SIZE)
        options = (
            account_form_options(s, actor=me, organization_id=query.organization_id)
            if listing.may_manage or platform
            else None
        )
except DomainError as exc:
    st.error(exc.message)
    st.stop()
if listing.warning:
    st.warning(listing.warning)
if not listing.may_manage and not platform:
    st.info("Consultation seule : votre compte n'a pas le rôle « Gestion des utilisateurs ».")
_table(listing, platform)
st.download_button(
    "Exporter (CSV)",
    data=lambda: _export(query),
    file_name="comptes.csv",
    mime="text/csv",
    icon=":material/download:",
    key="accounts_export",
)
if options is not None:
    st.divider()
    _create(options)
