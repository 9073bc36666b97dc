"""Mon compte: one's identity, contact details, dossier roles (administrateur local), password and second factor."""

import streamlit as st

from core.auth import change_password
from core.clock import utcnow
from core.db import session_scope
from core.errors import DomainError, InvalidInput
from core.models import Civility, Role, SecondFactorMethod
from core.qr import qr_bytes
from core.services.portal import MyAccountView, my_account_view
from core.services.profile import (
    ProfileUpdate,
    confirm_totp_enrolment,
    set_own_dossier_roles,
    start_totp_enrolment,
    switch_to_email_codes,
    update_own_profile,
)
from pages.components.auth_forms import POLICY_HINT
from pages.components.format import fields
from pages.components.session import TOKEN_KEY, set_flash, show_flash, signed_in_account_id

account_id = signed_in_account_id()

EMAIL_IS_LOGIN = (
    "L'adresse électronique est votre identifiant de connexion : elle ne peut pas être modifiée. "
    "Une adresse erronée se corrige en désactivant ce compte et en en créant un nouveau."
)
FIELD_LABELS = {"phone": "Téléphone principal", "phone_secondary": "Téléphone secondaire"}
NO_DOSSIER_ROLE = "Aucun"
DOSSIER_CHOICES = {
    NO_DOSSIER_ROLE: frozenset(),
    Role.DOSSIERS_CONSULTATION.value: frozenset({Role.DOSSIERS_CONSULTATION}),
    Role.DOSSIERS_GESTION.value: frozenset({Role.DOSSIERS_GESTION}),
}
DOSSIER_EFFECTS = {
    NO_DOSSIER_ROLE: "vous ne verrez plus aucun télédossier",
    Role.DOSSIERS_CONSULTATION.value: (
        "vous verrez les télédossiers de toutes les démarches de votre service instructeur, sans pouvoir les traiter"
    ),
    Role.DOSSIERS_GESTION.value: (
        "vous verrez et traiterez les télédossiers de toutes les démarches de votre service instructeur"
    ),
}
TOTP_ENROLMENT_KEY = "account_totp_enrolment"
TOTP_SIZE = 240


def _identity(view: MyAccountView) -> None:
    st.subheader("Identité")
    fields(
        [
            ("Adresse électronique", view.email),
            ("Prénom", view.first_name),
            ("Nom", view.last_name),
            ("Type d'acteur", view.actor_type),
            ("Service instructeur", view.organization_name),
            ("SIRET", view.organization_siret),
            ("Rôles", view.roles),
            ("Habilitations", view.habilitations),
        ]
    )
    st.caption(EMAIL_IS_LOGIN)


def _contact_form(view: MyAccountView) -> ProfileUpdate | None:
    """The form, pre-filled; the typed values once submitted."""
    with st.form("account_profile", border=True):
        civilities = [c.value for c in Civility]
        civility = st.radio(
            "Civilité", civilities, index=civilities.index(view.civility.value), horizontal=True, key="account_civility"
        )
        function = st.text_input(
            "Fonction (facultatif)", value=view.function or "", max_chars=200, key="account_function"
        )
        phone = st.text_input("Téléphone principal", value=view.phone, key="account_phone")
        secondary = st.text_input(
            "Téléphone secondaire (facultatif)", value=view.phone_secondary or "", key="account_phone_secondary"
        )
        submitted = st.form_submit_button("Enregistrer mes coordonnées", type="primary", key="account_profile_submit")
    if not submitted:
        return None
    return ProfileUpdate(civility=Civility(civility), phone=phone, function=function, phone_secondary=secondary)


def _contact(view: MyAccountView) -> None:
    st.subheader("Mes coordonnées")
    update = _contact_form(view)
    if update is None:
        return
    try:
        with session_scope() as s:
            update_own_profile(s, account_id=account_id, update=update, now=utcnow())
    except InvalidInput as exc:
        label = FIELD_LABELS.get(exc.field)
        st.error(f"{label}\u00a0: {exc.message}" if label else exc.message)
        return
    # The whole app runs again, so that the banner shows the new civility.
    set_flash("Vos coordonnées sont enregistrées.", kind="success")
    st.rerun()


def _current_dossier_choice(roles: frozenset[Role]) -> str:
    for role in (Role.DOSSIERS_GESTION, Role.DOSSIERS_CONSULTATION):
        if role in roles:
            return role.value
    return NO_DOSSIER_ROLE


def _dossier_change_sentence(choice: str) -> str:
    if choice == NO_DOSSIER_ROLE:
        return f"Après confirmation, votre compte n'aura plus de rôle sur les télédossiers\u00a0: {DOSSIER_EFFECTS[choice]}."
    return f"Après confirmation, votre compte aura le rôle « {choice} »\u00a0: {DOSSIER_EFFECTS[choice]}."


def _dossier_roles(view: MyAccountView) -> None:
    st.subheader("Mes rôles sur les télédossiers")
    st.caption(
        "En tant qu'administrateur local, vous pouvez vous attribuer un rôle sur les télédossiers, "
        "sans habilitations : il porte sur toutes les démarches de votre service instructeur."
    )
    current = _current_dossier_choice(view.dossier_roles)
    choices = list(DOSSIER_CHOICES)
    choice = st.radio(
        "Mon rôle sur les télédossiers", choices, index=choices.index(current), key="account_dossier_role"
    )
    if choice == current:
        return
    st.info(_dossier_change_sentence(choice))
    if not st.button("Confirmer ce changement", type="primary", key="account_dossier_role_submit"):
        return
    try:
        with session_scope() as s:
            set_own_dossier_roles(s, account_id=account_id, roles=DOSSIER_CHOICES[choice], now=utcnow())
    except DomainError as exc:
        st.error(exc.message)
        return
    # The whole app runs again, so that the menu follows the new roles.
    set_flash("Vos rôles sur les télédossiers sont enregistrés.", kind="success")
    st.rerun()


def _password() -> None:
    st.subheader("Mot de passe")
    st.caption(POLICY_HINT)
    with st.form("account_password", border=True, clear_on_submit=True):
        current = st.text_input(
            "Mot de passe actuel", type="password", key="account_current_password", autocomplete="current-password"
        )
        new = st.text_input(
            "Nouveau mot de passe", type="password", key="account_new_password", autocomplete="new-password"
        )
        confirmation = st.text_input(
            "Confirmez le nouveau mot de passe",
            type="password",
            key="account_new_password_confirmation",
            autocomplete="new-password",
        )
        submitted = st.form_submit_button("Changer le mot de passe", type="primary", key="account_password_submit")
    if not submitted:
        return
    if new != confirmation:
        st.error("Les deux mots de passe saisis ne sont pas identiques.")
        return
    try:
        with session_scope() as s:
            change_password(
                s,
                account_id=account_id,
                current_password=current,
                new_password=new,
                now=utcnow(),
                keep_session_token=st.session_state[TOKEN_KEY],
            )
    except InvalidInput as exc:
        st.error(exc.message)
        return
    st.success("Votre mot de passe est modifié. Vos autres sessions ont été fermées.")


def _start_totp() -> None:
    with session_scope() as s:
        st.session_state[TOTP_ENROLMENT_KEY] = start_totp_enrolment(s, account_id=account_id)


def _cancel_totp() -> None:
    st.session_state.pop(TOTP_ENROLMENT_KEY, None)


def _use_email_codes() -> None:
    with session_scope() as s:
        switch_to_email_codes(s, account_id=account_id, now=utcnow())
    set_flash("Vos codes de connexion vous seront désormais envoyés par courriel.", kind="success")


def _totp_enrolment(secret: str, uri: str) -> None:
    st.write("1. Scannez ce QR code avec votre application d'authentification (Aegis, FreeOTP, Google Authenticator…).")
    st.image(qr_bytes(uri, TOTP_SIZE), width=TOTP_SIZE)
    st.write("Ou saisissez cette clé dans l'application\u00a0:")
    st.code(secret, language=None)
    st.write("2. Saisissez le code à 6 chiffres que l'application affiche.")
    with st.form("account_totp", border=True, clear_on_submit=True):
        code = st.text_input("Code de vérification", max_chars=6, key="account_totp_code", autocomplete="one-time-code")
        submitted = st.form_submit_button("Activer l'application", type="primary", key="account_totp_submit")
    st.button("Annuler", type="tertiary", key="account_totp_cancel", on_click=_cancel_totp)
    if not submitted:
        return
    try:
        with session_scope() as s:
            confirm_totp_enrolment(s, account_id=account_id, secret=secret, code=code, now=utcnow())
    except InvalidInput as exc:
        st.error(exc.message)
        return
    _cancel_totp()
    set_flash(
        "Votre application d'authentification est enregistrée : elle vous donnera vos codes de connexion.",
        kind="success",
    )
    st.rerun()


def _second_factor(view: MyAccountView) -> None:
    st.subheader("Vérification en deux étapes")
    fields([("Méthode actuelle", view.second_factor_method.value)])
    if view.second_factor_method is SecondFactorMethod.TOTP:
        st.caption("À chaque connexion, saisissez le code affiché par votre application d'authentification.")
        st.button("Revenir aux codes par courriel", key="account_totp_remove", on_click=_use_email_codes)
    elif TOTP_ENROLMENT_KEY in st.session_state:
        _totp_enrolment(*st.session_state[TOTP_ENROLMENT_KEY])
    else:
        st.caption("À chaque connexion, un code à 6 chiffres vous est envoyé par courriel.")
        st.button("Utiliser une application d'authentification", key="account_totp_start", on_click=_start_totp)


with session_scope() as s:
    me = my_account_view(s, account_id=account_id)

st.title("Mon compte")
show_flash()
left, right = st.columns(2, gap="large")
with left:
    _identity(me)
with right:
    _contact(me)
if me.may_set_dossier_roles:
    st.divider()
    _dossier_roles(me)
st.divider()
left, right = st.columns(2, gap="large")
with left:
    _password()
if me.second_factor_method is not None:
    with right:
        _second_factor(me)
