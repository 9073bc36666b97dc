"""Fiche d'un compte (hidden page, deep link `?id=`): identity, "Rôles et droits d'accès", deactivation."""

import streamlit as st

from core.clock import utcnow
from core.db import session_scope
from core.errors import DomainError
from core.models import ActorType, Role
from core.services.account_sheet import EMAIL_IS_LOGIN, AccountSheet, account_sheet
from core.services.accounts import AccountRights, set_account_active, update_account_rights
from core.services.actors import load_actor
from pages.components.format import fields
from pages.components.session import set_flash, show_flash, signed_in_account_id

account_id = signed_in_account_id()

CONFIRM_KEY = "account_edit_confirm_active"
NO_HABILITATION = "Sans habilitations : un administrateur local voit toutes les démarches de son service instructeur."


def _back() -> None:
    if st.button("← Retour à la liste des comptes", type="tertiary", key="account_edit_back"):
        st.switch_page("pages/accounts.py")


def _target_id() -> int | None:
    try:
        return int(st.query_params.get("id", ""))
    except ValueError:
        return None


def _identity(sheet: AccountSheet) -> None:
    st.subheader("Identité")
    fields(
        [
            ("Adresse électronique (identifiant)", sheet.email),
            ("Civilité", sheet.civility),
            ("Prénom", sheet.first_name),
            ("Nom", sheet.last_name),
            ("Fonction", sheet.function),
            ("Téléphone principal", sheet.phone),
            ("Téléphone secondaire", sheet.phone_secondary),
            ("Service instructeur", sheet.organization_name),
            ("Actif", "Oui" if sheet.active else "Non"),
        ]
    )
    st.caption(EMAIL_IS_LOGIN)


def _rights_form(sheet: AccountSheet) -> AccountRights | None:
    processes = dict((label, i) for i, label in sheet.processes)
    held = [label for i, label in sheet.processes if i in sheet.habilitations]
    types = [t.value for t in sheet.actor_types]
    locked = not sheet.rights_editable
    with st.form("account_rights", border=True):
        actor_type = st.selectbox(
            "Type d'acteur *",
            types,
            index=types.index(sheet.actor_type.value),
            disabled=locked,
            key="account_edit_type",
        )
        roles = st.multiselect(
            "Rôle(s) assigné(s) *",
            [r.value for r in Role],
            default=[r.value for r in Role if r in sheet.roles],
            disabled=locked and not sheet.own_dossier_roles,
            placeholder="Ajouter un rôle",
            key="account_edit_roles",
        )
        if sheet.processes or sheet.actor_type is ActorType.AGENT:
            if sheet.actor_type is ActorType.ADMIN_LOCAL:
                st.caption(NO_HABILITATION + " Les habilitations ne comptent que pour un agent.")
            chosen = st.multiselect(
                "Habilitations aux démarches *",
                list(processes),
                default=held,
                disabled=locked,
                placeholder="Ajouter une démarche",
                key="account_edit_processes",
            )
        else:
            chosen = []
            st.caption("Sans habilitations.")
        submitted = st.form_submit_button(
            "Enregistrer les modifications",
            type="primary",
            disabled=locked and not sheet.own_dossier_roles,
            key="account_edit_submit",
        )
    if not submitted:
        return None
    return AccountRights(
        ActorType(actor_type), frozenset(Role(r) for r in roles), frozenset(processes[p] for p in chosen)
    )


def _rights(sheet: AccountSheet) -> None:
    st.subheader("Rôles et droits d'accès")
    if sheet.rights_note:
        st.info(sheet.rights_note)
    rights = _rights_form(sheet)
    if rights is None:
        return
    try:
        with session_scope() as s:
            update_account_rights(s, actor=load_actor(s, account_id), account_id=sheet.id, rights=rights, now=utcnow())
    except DomainError as exc:
        st.error(exc.message)
        return
    set_flash("Les rôles et droits d'accès sont enregistrés.", kind="success")
    st.rerun()


def _activity(sheet: AccountSheet) -> None:
    st.subheader("Activation du compte")
    if not sheet.may_set_active:
        st.caption(sheet.active_note)
        return
    action = "Réactiver le compte" if not sheet.active else "Désactiver le compte"
    confirm_key = f"{CONFIRM_KEY}_{sheet.id}"
    if not st.session_state.get(confirm_key):
        st.caption("Un compte n'est jamais supprimé : il est désactivé, et peut être réactivé.")
        if st.button(action, key="account_edit_active"):
            st.session_state[confirm_key] = True
            st.rerun()
        return
    st.warning(
        "La personne ne pourra plus se connecter ; ses sessions ouvertes sont fermées."
        if sheet.active
        else "La personne pourra de nouveau se connecter."
    )
    left, right = st.columns(2)
    confirmed = left.button(f"Confirmer : {action.lower()}", type="primary", key="account_edit_active_confirm")
    if right.button("Annuler", key="account_edit_active_cancel"):
        st.session_state.pop(confirm_key, None)
        st.rerun()
    if not confirmed:
        return
    st.session_state.pop(confirm_key, None)
    try:
        with session_scope() as s:
            set_account_active(
                s, actor=load_actor(s, account_id), account_id=sheet.id, active=not sheet.active, now=utcnow()
            )
    except DomainError as exc:
        st.error(exc.message)
        return
    set_flash("Le compte est réactivé." if not sheet.active else "Le compte est désactivé.", kind="success")
    st.rerun()


_back()
target = _target_id()
if target is None:
    st.error("Aucun compte n'est indiqué : ouvrez une fiche depuis la liste des comptes.")
    st.stop()
try:
    with session_scope() as s:
        sheet = account_sheet(s, actor=load_actor(s, account_id), account_id=target)
except DomainError as exc:
    st.error(exc.message)
    st.stop()

st.title(f"{sheet.first_name} {sheet.last_name}")
st.caption(f"{sheet.actor_type.value} — {sheet.organization_name or 'hors service instructeur'}")
show_flash()
left, right = st.columns(2, gap="large")
with left:
    _identity(sheet)
with right:
    _activity(sheet)
st.divider()
_rights(sheet)
