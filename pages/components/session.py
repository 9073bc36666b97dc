"""Who is signed in to this browser tab: only the account id lives in st.session_state.

Everything else is read again from the database on each run, so a deactivated account loses access
at its next click and no ORM object or Session ever outlives its unit of work.
"""

import streamlit as st

from core.db import session_scope
from core.services.portal import SignedInUser, signed_in_user

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


def portal_user() -> SignedInUser | None:
    """The signed-in account of this tab, or None (then the login screen is shown)."""
    if following_password_link():
        return None
    account_id = current_account_id()
    if account_id is None:
        return None
    with session_scope() as s:
        user = signed_in_user(s, account_id=account_id)
    if user is None:
        sign_out("Votre session a été fermée : ce compte n'est plus actif.", kind="warning")
    return user


def sign_in(account_id: int) -> None:
    # Start from a clean state: nothing typed before the login survives it.
    st.session_state.clear()
    st.session_state[ACCOUNT_KEY] = int(account_id)


def sign_out(message: str = "Vous êtes déconnecté.", *, kind: str = "info") -> None:
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
