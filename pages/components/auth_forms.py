"""The two screens shown to nobody-signed-in: the login form and the password link (activation, reset)."""

import streamlit as st

from core.auth import activate_with_token, authenticate
from core.clock import utcnow
from core.db import session_scope
from core.errors import InvalidInput
from core.passwords import MIN_LENGTH, SPECIAL_CHARACTERS
from core.services.portal import LinkView, password_link_view
from pages.components.format import md_escape
from pages.components.session import ACTIVATION_PARAM, show_flash, sign_in, sign_out

POLICY_HINT = (
    f"Au moins {MIN_LENGTH} caractères, dont un chiffre, une lettre majuscule "
    f"et un caractère spécial parmi {' '.join(SPECIAL_CHARACTERS)}"
)


def narrow():
    """A centred column: these forms are a few fields wide, not the whole screen."""
    return st.columns([1, 2, 1])[1]


def login_form() -> None:
    """Email and password, checked by core.auth; on success only the account id is kept."""
    with narrow():
        _login_form()


def _login_form() -> None:
    st.title("Connexion")
    show_flash()
    with st.form("login", border=True, enter_to_submit=True):
        email = st.text_input("Adresse électronique", key="login_email", autocomplete="username")
        password = st.text_input("Mot de passe", type="password", key="login_password", autocomplete="current-password")
        submitted = st.form_submit_button("Se connecter", type="primary", key="login_submit")
    if not submitted:
        return
    error = None
    # The failure is caught inside the unit of work on purpose: its audit entry must be committed.
    with session_scope() as s:
        try:
            account_id = authenticate(s, email=email, password=password, now=utcnow()).id
        except InvalidInput as exc:
            error = exc.message
    if error:
        st.error(error)
        return
    sign_in(account_id)
    st.rerun()


def _check_link(raw_token: str) -> LinkView | None:
    try:
        with session_scope() as s:
            return password_link_view(s, raw_token=raw_token, now=utcnow())
    except InvalidInput as exc:
        st.error(exc.message)
        return None


def _leave_link() -> None:
    st.query_params.clear()


def password_link_form(raw_token: str) -> None:
    """Set a password from an emailed single-use link; then back to the login form."""
    with narrow():
        _password_link_form(raw_token)


def _password_link_form(raw_token: str) -> None:
    st.title("Créer votre mot de passe")
    link = _check_link(raw_token)
    if link is None:
        st.button("Retour à la connexion", key="link_back", on_click=_leave_link)
        return
    st.markdown(f"Compte\u00a0: **{md_escape(link.email)}**")
    st.caption(POLICY_HINT)
    with st.form("password_link", border=True, clear_on_submit=True):
        password = st.text_input(
            "Nouveau mot de passe", type="password", key="new_password", autocomplete="new-password"
        )
        confirmation = st.text_input(
            "Confirmez le mot de passe", type="password", key="new_password_confirmation", autocomplete="new-password"
        )
        submitted = st.form_submit_button("Enregistrer le mot de passe", type="primary", key="link_submit")
    if not submitted:
        return
    if password != confirmation:
        st.error("Les deux mots de passe saisis ne sont pas identiques.")
        return
    try:
        with session_scope() as s:
            activate_with_token(s, raw_token=raw_token, password=password, now=utcnow())
    except InvalidInput as exc:
        st.error(exc.message)
        return
    del st.query_params[ACTIVATION_PARAM]
    # Whoever used this tab before is signed out: the next login is the link holder's.
    sign_out("Votre mot de passe est enregistré. Vous pouvez maintenant vous connecter.", kind="success")
    st.rerun()
