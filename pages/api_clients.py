"""Clients API des opérateurs (scope OSL): create, regenerate, revoke (platform administrator only).

A secret is shown once, right after it is made: the page keeps it in the tab's state for exactly one run.
"""

import streamlit as st

from core.clock import utcnow
from core.config import get_settings
from core.db import session_scope
from core.errors import DomainError
from core.services.actors import load_actor
from core.services.api_operator_clients import (
    OperatorClientRow,
    create_operator_client,
    list_operator_clients,
    regenerate_operator_client_secret,
    revoke_operator_client,
)
from core.services.catalogue import catalogue_choices
from pages.components.format import DASH, md_escape
from pages.components.session import set_flash, show_flash, signed_in_account_id

account_id = signed_in_account_id()

ZONE = get_settings().zone
NEW_SECRET_KEY = "api_clients_new_secret"
SECRET_NOTICE = "Notez la clé secrète maintenant : elle n'est conservée que sous forme d'empreinte."


def _day(moment) -> str:
    return f"{moment.astimezone(ZONE):%d/%m/%Y}"


def _state(row: OperatorClientRow) -> str:
    return "Actif" if row.revoked_at is None else f"Révoqué le {_day(row.revoked_at)}"


def _run(action, **kwargs):
    """One change in its own unit of work; the service's result, or None after showing its French error."""
    try:
        with session_scope() as s:
            return action(s, actor=load_actor(s, account_id), now=utcnow(), **kwargs)
    except DomainError as exc:
        st.error(exc.message)
        return None


def _show_new_secret() -> None:
    # Popped, not read: the next rerun no longer has it.
    client_id, secret = st.session_state.pop(NEW_SECRET_KEY, (None, None))
    if secret:
        st.success(f"Clé secrète du client {md_escape(client_id)} :")
        st.code(secret, language=None)
        st.warning(SECRET_NOTICE)


def _keep_secret_for_next_run(client_id: str, secret: str) -> None:
    st.session_state[NEW_SECRET_KEY] = (client_id, secret)
    st.rerun()


def _table(rows: list[OperatorClientRow]) -> None:
    if not rows:
        st.info("Aucun client API d'opérateur.")
        return
    st.dataframe(
        [
            {
                "Client id": r.client_id,
                "Opérateur": r.operator_code,
                "Libellé": r.label or DASH,
                "Créé le": _day(r.created_at),
                "État": _state(r),
            }
            for r in rows
        ],
        hide_index=True,
        width="stretch",
        key="api_clients_table",
    )


def _create(operator_codes: list[str]) -> None:
    with st.form("api_clients_new"):
        st.subheader("Créer un client")
        operator = st.selectbox("Opérateur *", operator_codes, key="api_clients_new_operator")
        label = st.text_input("Libellé (facultatif)", key="api_clients_new_label")
        created = st.form_submit_button("Créer le client", type="primary", key="api_clients_new_submit")
    if created:
        result = _run(create_operator_client, operator_code=operator or "", label=label.strip() or None)
        if result is not None:
            client, secret = result
            _keep_secret_for_next_run(client.client_id, secret)


def _manage(row: OperatorClientRow) -> None:
    with st.expander(f"{row.client_id} — {row.operator_code}{f' — {row.label}' if row.label else ''}"):
        regenerate_ok = st.checkbox(
            "Je confirme : l'ancienne clé secrète et ses jetons cessent de fonctionner immédiatement.",
            key=f"api_clients_regenerate_ok_{row.client_id}",
        )
        if st.button(
            "Régénérer la clé secrète", disabled=not regenerate_ok, key=f"api_clients_regenerate_{row.client_id}"
        ):
            secret = _run(regenerate_operator_client_secret, client_id=row.client_id)
            if secret is not None:
                _keep_secret_for_next_run(row.client_id, secret)
        revoke_ok = st.checkbox(
            "Je confirme : ce client ne pourra plus jamais obtenir de jeton.",
            key=f"api_clients_revoke_ok_{row.client_id}",
        )
        revoked = st.button("Révoquer le client", disabled=not revoke_ok, key=f"api_clients_revoke_{row.client_id}")
        if revoked and _run(revoke_operator_client, client_id=row.client_id) is not None:
            set_flash(f"Client {row.client_id} révoqué : ses jetons ne fonctionnent plus.", kind="success")
            st.rerun()


st.title("Clients API des opérateurs")
st.caption(
    "Identifiants OAuth2 (périmètre OSL) des opérateurs de service en ligne. Les parcours avec curl sont "
    "décrits dans docs/api.md du dépôt."
)
show_flash()
_show_new_secret()
try:
    with session_scope() as s:
        me = load_actor(s, account_id)
        clients = list_operator_clients(s, actor=me)
        operators = [code for _, code in catalogue_choices(s).operators]
except DomainError as exc:
    st.error(exc.message)
    st.stop()

_table(clients)
_create(operators)
active = [r for r in clients if r.revoked_at is None]
if active:
    st.subheader("Régénérer ou révoquer")
    for row in active:
        _manage(row)
