"""Who is signed in to this browser tab.

The tab keeps only the random token of its server-side `PortalSession` (core.sessions); each run asks core
whether that session is still open, active and not idle, and gets the account id back. A reload opens a new
tab session, so it asks to log in again: nothing outlives the tab, no cookie outlives a logout.
"""

import threading

import streamlit as st

from core.clock import utcnow
from core.db import get_engine, session_scope
from core.mail import send_due_emails
from core.services.portal import SignedInUser, signed_in_user
from core.sessions import logout, resume_session

TOKEN_KEY = "session_token"
ACCOUNT_KEY = "account_id"
FLASH_KEY = "flash"
ACTIVATION_PARAM = "activation"


def following_password_link() -> bool:
    """The tab opened an activation or reset link: it may be someone else's, so nobody is signed in meanwhile."""
    return bool(st.query_params.get(ACTIVATION_PARAM))


def current_account_id() -> int | None:
    value = st.session_state.get(ACCOUNT_KEY)
    return value if isinstance(value, int) else None


def signed_in_account_id() -> int:
    """The account id for a page script; stops the script when nobody is signed in.

    Every page goes through this, not only app.py's gate: until the first st.navigation call of the process,
    Streamlit's legacy discovery serves each top-level pages/*.py at its own URL (/home…) without app.py.
    """
    account_id = current_account_id()
    if account_id is None:
        st.info("Connectez-vous pour accéder à cette page : [page de connexion](/).")
        st.stop()
    return account_id


def check_session(*, touch: bool) -> int | None:
    """The account of this tab's session, or None after signing the tab out with core's reason."""
    token = st.session_state.get(TOKEN_KEY)
    if not token:
        st.session_state.pop(ACCOUNT_KEY, None)
        return None
    with session_scope() as s:
        check = resume_session(s, token, now=utcnow(), touch=touch)
    if check.account_id is None:
        sign_out(check.message or "Votre session a été fermée.", kind="warning", end_in_core=False)
    return check.account_id


def portal_user() -> SignedInUser | None:
    """The signed-in account of this tab (its activity is noted), or None: then the login screen is shown."""
    if following_password_link():
        return None
    account_id = check_session(touch=True)
    if account_id is None:
        return None
    with session_scope() as s:
        user = signed_in_user(s, account_id=account_id)
    if user is None:
        sign_out("Votre session a été fermée : ce compte n'est plus actif.", kind="warning")
        return None
    st.session_state[ACCOUNT_KEY] = account_id
    return user


def sign_in(session_token: str) -> None:
    # Start from a clean state: nothing typed before the login survives it.
    st.session_state.clear()
    st.session_state[TOKEN_KEY] = session_token


def sign_out(message: str = "Vous êtes déconnecté.", *, kind: str = "info", end_in_core: bool = True) -> None:
    """Forget the tab's session; `end_in_core` also closes it on the server (audited as a logout)."""
    token = st.session_state.get(TOKEN_KEY)
    if token and end_in_core:
        with session_scope() as s:
            logout(s, token, now=utcnow())
    st.session_state.clear()
    set_flash(message, kind=kind)


def set_flash(message: str, *, kind: str = "info") -> None:
    """Leave a message for the next screen (signed out, password set…); `kind` is success, info or warning."""
    st.session_state[FLASH_KEY] = (kind, message)


def show_flash() -> None:
    """Show the pending message once."""
    kind, message = st.session_state.pop(FLASH_KEY, (None, None))
    if message:
        {"success": st.success, "warning": st.warning}.get(kind, st.info)(message)


def deliver_emails() -> None:
    """Send what the last unit of work queued (codes, links) right away, in the background.

    In the background so that the answer takes the same time whether or not an email left (no account
    enumeration through timing); failures stay queued for retries.
    """
    threading.Thread(target=send_due_emails, args=(get_engine(),), kwargs={"now": utcnow()}, daemon=True).start()


@st.fragment(run_every=60)
def idle_watch() -> None:
    """Once a minute, without counting as activity: an idle tab signs itself out after 60 minutes."""
    if st.session_state.get(TOKEN_KEY) and check_session(touch=False) is None:
        st.rerun(scope="app")
