"""Authentication rules for every entry point of the portal.

The foundation checks the password and the account's state; the full policy of SPEC §4 (lockout,
second factor, expiry, sessions) is built here too, so that no page can go around it.
"""

from datetime import datetime

from sqlmodel import Session

from core import audit
from core.errors import InvalidInput
from core.models import Account, TokenPurpose
from core.passwords import check_policy, hash_password, verify_password
from core.services.accounts import account_by_email
from core.tokens import find_valid_token

BAD_CREDENTIALS = "Adresse électronique ou mot de passe incorrect."
LINK_PURPOSES = frozenset({TokenPurpose.ACTIVATION, TokenPurpose.PASSWORD_RESET})
DEACTIVATED = "Ce compte est désactivé. Contactez l'administrateur local de votre service instructeur."


def authenticate(session: Session, *, email: str, password: str, now: datetime) -> Account:
    """The account whose email and password match; the same message whether the email or the password is wrong."""
    account = account_by_email(session, email)
    if account is None or not verify_password(password, account.password_hash):
        audit.record(
            session,
            "login.failure",
            account_id=account.id if account else None,
            actor_email=(email or "").strip().lower()[:320],
            organization_id=account.organization_id if account else None,
            now=now,
        )
        raise InvalidInput(BAD_CREDENTIALS)
    if not account.active:
        audit.record(
            session,
            "login.refused_inactive",
            account_id=account.id,
            actor_email=account.email,
            organization_id=account.organization_id,
            now=now,
        )
        raise InvalidInput(DEACTIVATED)
    account.last_login_at = now
    account.inactivity_reminder_days = 0
    audit.record(
        session,
        "login.success",
        account_id=account.id,
        actor_email=account.email,
        organization_id=account.organization_id,
        now=now,
    )
    return account


def set_password(session: Session, account: Account, password: str, *, now: datetime) -> None:
    """Set a password that satisfies the policy; the error names the rule that failed."""
    check_policy(password)
    if verify_password(password, account.password_hash):
        raise InvalidInput("Le nouveau mot de passe doit être différent de l'actuel.", field="password")
    account.password_hash = hash_password(password)
    account.password_set_at = now
    session.flush()
    audit.record(
        session,
        "password.set",
        account_id=account.id,
        actor_email=account.email,
        organization_id=account.organization_id,
        now=now,
    )


def activate_with_token(session: Session, *, raw_token: str, password: str, now: datetime) -> Account:
    """Follow an activation (or reset) link: set the password and spend the token, all or nothing."""
    token = find_valid_token(session, raw_token, LINK_PURPOSES, now=now)
    account = session.get(Account, token.account_id)
    set_password(session, account, password, now=now)
    token.used_at = now
    session.flush()
    return account
