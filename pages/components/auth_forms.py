"""The two screens shown to nobody-signed-in: the login form and the password link (activation, reset)."""

import streamlit as st

from core.auth import (
    LoginOutcome,
    LoginStep,
    activate_with_token,
    change_expired_password,
    check_credentials,
    request_password_reset,
    resend_login_code,
    verify_second_factor,
)
from core.clock import utcnow
from core.db import session_scope
from core.errors import InvalidInput
from core.models import SecondFactorMethod
from core.passwords import MIN_LENGTH, SPECIAL_CHARACTERS
from core.services.portal import LinkView, password_link_view
from core.sessions import logout
from pages.components.format import md_escape
from pages.components.session import ACTIVATION_PARAM, deliver_emails, set_flash, show_flash, sign_in, sign_out

POLICY_HINT = (
    f"Au moins {MIN_LENGTH} caractères, dont un chiffre, une lettre majuscule "
    f"et un caractère spécial parmi {' '.join(SPECIAL_CHARACTERS)}"
)


def narrow():
    """A centred column: these forms are a few fields wide, not the whole screen."""
    return st.columns([1, 2, 1])[1]


LOGIN_STEP_KEY = "login_step"
PENDING_TOKEN_KEY = "login_pending_token"
PENDING_METHOD_KEY = "login_pending_method"
FORGOT_KEY = "login_forgot"


def login_form() -> None:
    """The login, step by step as core.auth decides: password, second factor, new password if expired."""
    with narrow():
        step = st.session_state.get(LOGIN_STEP_KEY)
        if step == LoginStep.SECOND_FACTOR:
            _second_factor_form()
        elif step == LoginStep.PASSWORD_CHANGE:
            _expired_password_form()
        elif st.session_state.get(FORGOT_KEY):
            _forgot_password_form()
        else:
            _password_form()


def _follow(outcome: LoginOutcome) -> None:
    """Move the login to the step core returned; show its message."""
    if outcome.step is LoginStep.DONE:
        sign_in(outcome.session_token)
        st.rerun()
    if outcome.step is LoginStep.REFUSED:
        _reset_login_steps()
        st.error(outcome.message)
        return
    changed = st.session_state.get(LOGIN_STEP_KEY) != outcome.step
    st.session_state[LOGIN_STEP_KEY] = outcome.step
    st.session_state[PENDING_TOKEN_KEY] = outcome.session_token
    if outcome.method is not None:
        st.session_state[PENDING_METHOD_KEY] = outcome.method
    if changed:
        if outcome.message:
            set_flash(outcome.message)
        st.rerun()
    st.error(outcome.message)


def _reset_login_steps() -> None:
    """Back to the password form; a login left half-way is closed on the server too."""
    pending = st.session_state.get(PENDING_TOKEN_KEY)
    if pending:
        with session_scope() as s:
            logout(s, pending, now=utcnow())
    for key in (LOGIN_STEP_KEY, PENDING_TOKEN_KEY, PENDING_METHOD_KEY):
        st.session_state.pop(key, None)


def _password_form() -> None:
    st.title("Connexion")
    show_flash()
    with st.form("login", border=True, enter_to_submit=True):
        email = st.text_input("Adresse électronique", key="login_email", autocomplete="username")
        password = st.text_input("Mot de passe", type="password", key="login_password", autocomplete="current-password")
        submitted = st.form_submit_button("Se connecter", type="primary", key="login_submit")
    st.button(
        "Mot de passe oublié ?", key="login_forgot_button", type="tertiary", on_click=_toggle_forgot, args=(True,)
    )
    if not submitted:
        return
    # Refusals are returned, not raised: the failure counters and the audit entry are committed.
    with session_scope() as s:
        outcome = check_credentials(s, email=email, password=password, now=utcnow())
    deliver_emails()
    _follow(outcome)


def _second_factor_form() -> None:
    st.title("Vérification en deux étapes")
    show_flash()
    by_app = st.session_state.get(PENDING_METHOD_KEY) is SecondFactorMethod.TOTP
    st.write(
        "Saisissez le code à 6 chiffres affiché par votre application d'authentification."
        if by_app
        else "Un code à 6 chiffres vient de vous être envoyé par courriel. Il est valable 10 minutes."
    )
    with st.form("second_factor", border=True, clear_on_submit=True):
        code = st.text_input("Code de vérification", max_chars=6, key="login_code", autocomplete="one-time-code")
        submitted = st.form_submit_button("Valider", type="primary", key="login_code_submit")
    left, right = st.columns(2)
    if not by_app:
        left.button("Recevoir un nouveau code", key="login_code_resend", type="tertiary", on_click=_resend_code)
    right.button("Annuler", key="login_cancel", type="tertiary", on_click=_reset_login_steps)
    if not submitted:
        return
    with session_scope() as s:
        outcome = verify_second_factor(s, session_token=st.session_state[PENDING_TOKEN_KEY], code=code, now=utcnow())
    _follow(outcome)


def _resend_code() -> None:
    with session_scope() as s:
        resend_login_code(s, session_token=st.session_state.get(PENDING_TOKEN_KEY), now=utcnow())
    deliver_emails()
    set_flash("Un nouveau code vous a été envoyé par courriel.")


def _expired_password_form() -> None:
    st.title("Nouveau mot de passe")
    show_flash()
    st.caption(POLICY_HINT)
    with st.form("expired_password", border=True, clear_on_submit=True):
        password = st.text_input(
            "Nouveau mot de passe", type="password", key="expired_new", autocomplete="new-password"
        )
        confirmation = st.text_input(
            "Confirmez le mot de passe", type="password", key="expired_confirmation", autocomplete="new-password"
        )
        submitted = st.form_submit_button("Enregistrer et continuer", type="primary", key="expired_submit")
    st.button("Annuler", key="expired_cancel", type="tertiary", on_click=_reset_login_steps)
    if not submitted:
        return
    if password != confirmation:
        st.error("Les deux mots de passe saisis ne sont pas identiques.")
        return
    try:
        with session_scope() as s:
            outcome = change_expired_password(
                s, session_token=st.session_state[PENDING_TOKEN_KEY], new_password=password, now=utcnow()
            )
    except InvalidInput as exc:
        st.error(exc.message)
        return
    _follow(outcome)


def _toggle_forgot(show: bool) -> None:
    st.session_state[FORGOT_KEY] = show


def _forgot_password_form() -> None:
    st.title("Mot de passe oublié")
    st.write(
        "Indiquez l'adresse électronique de votre compte : vous recevrez un lien pour choisir un nouveau mot de passe."
    )
    with st.form("forgot", border=True, clear_on_submit=True):
        email = st.text_input("Adresse électronique", key="forgot_email", autocomplete="username")
        submitted = st.form_submit_button("Recevoir un lien", type="primary", key="forgot_submit")
    st.button("Retour à la connexion", key="forgot_back", type="tertiary", on_click=_toggle_forgot, args=(False,))
    if submitted:
        with session_scope() as s:
            answer = request_password_reset(s, email=email, now=utcnow())
        deliver_emails()
        st.success(answer)


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
