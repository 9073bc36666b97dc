"""The login policy of SPEC §4, for every entry point of the portal.

A login goes through steps held in a server-side `PortalSession`: password → second factor (administrateurs
locaux, délégués techniques, platform administrator) → new password if the current one is over 6 months
old → active session. Failures are counted and locks applied here, and the outcome is returned rather than
raised, so that the counters are committed even when the login is refused.
"""

import calendar
import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlmodel import Session

from core import audit
from core.config import get_settings
from core.errors import InvalidInput
from core.mail import queue_email
from core.models import Account, SecondFactorMethod, SessionStage, TokenPurpose
from core.passwords import check_policy, hash_password, verify_password
from core.second_factor import check_code, needs_second_factor, send_login_code
from core.services.accounts import account_by_email
from core.sessions import PENDING_EXPIRED_MESSAGE, end_all_sessions, find_open_session, open_session, pending_session
from core.tokens import LINK_VALIDITY, find_valid_token, issue_token

BAD_CREDENTIALS = "Adresse électronique ou mot de passe incorrect."
DEACTIVATED = "Ce compte est désactivé. Contactez l'administrateur local de votre service instructeur."
RESET_SENT = (
    "Si un compte existe avec cette adresse, un courriel vient de lui être envoyé avec un lien "
    "pour choisir un nouveau mot de passe (valable 48 heures)."
)
LOCK_THRESHOLD = 5
FIRST_LOCK = timedelta(minutes=15)
PASSWORD_LIFETIME_MONTHS = 6
LINK_PURPOSES = frozenset({TokenPurpose.ACTIVATION, TokenPurpose.PASSWORD_RESET})


@functools.cache
def _dummy_hash() -> str:
    return hash_password("Aucun-compte#0")


class LoginStep(str, Enum):
    REFUSED = "refused"
    SECOND_FACTOR = "second_factor"
    PASSWORD_CHANGE = "password_change"
    DONE = "done"


@dataclass(frozen=True)
class LoginOutcome:
    step: LoginStep
    message: str = ""
    session_token: str | None = None
    method: SecondFactorMethod | None = None


def _audit(session: Session, action: str, account: Account | None, now: datetime, **details) -> None:
    if account is None:  # an unknown email: keep what was typed, there is no account to link
        audit.record(session, action, actor_email=details.pop("email", None), details=details or None, now=now)
    else:
        audit.record_for(session, action, account, now=now, **details)


def lock_message(locked_until: datetime) -> str:
    local = locked_until.astimezone(get_settings().zone)
    return (
        f"Trop d'échecs de connexion : ce compte est verrouillé jusqu'à {local:%H:%M} "
        f"(le {local:%d/%m/%Y}). Réessayez après cette heure ou utilisez « Mot de passe oublié »."
    )


def lock_duration(lock_count: int) -> timedelta:
    """15 minutes for the first lock, then twice as long each time: 30, 60, 120…"""
    return FIRST_LOCK * (2 ** (lock_count - 1))


def _release_expired_lock(session: Session, account: Account, now: datetime) -> None:
    if account.locked_until is not None and account.locked_until <= now:
        account.locked_until = None
        _audit(session, "account.unlocked", account, now)


def _register_failure(session: Session, account: Account, now: datetime) -> LoginOutcome:
    account.failed_logins += 1
    _audit(session, "login.failure", account, now)
    if account.failed_logins < LOCK_THRESHOLD:
        return LoginOutcome(LoginStep.REFUSED, BAD_CREDENTIALS)
    account.failed_logins = 0
    account.lock_count += 1
    account.locked_until = now + lock_duration(account.lock_count)
    _audit(
        session, "account.locked", account, now, minutes=int(lock_duration(account.lock_count).total_seconds() // 60)
    )
    return LoginOutcome(LoginStep.REFUSED, lock_message(account.locked_until))


def add_months(moment: datetime, months: int) -> datetime:
    """Same day `months` later, or the month's last day when it is shorter (31 August + 6 months = 28/29 February)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def password_expired(account: Account, now: datetime) -> bool:
    """A password expires 6 months after it was set; an account without a date must choose one."""
    if account.password_set_at is None:
        return True
    return now >= add_months(account.password_set_at, PASSWORD_LIFETIME_MONTHS)


def _next_step_after_second_factor(
    session: Session, account: Account, token: str | None, now: datetime
) -> LoginOutcome:
    stage = SessionStage.PASSWORD_CHANGE if password_expired(account, now) else SessionStage.ACTIVE
    portal_session = pending_session(session, token, SessionStage.SECOND_FACTOR, now=now) if token else None
    if portal_session is None:
        token = open_session(session, account, stage, now=now)
    else:
        portal_session.stage = stage
    if stage is SessionStage.PASSWORD_CHANGE:
        return LoginOutcome(
            LoginStep.PASSWORD_CHANGE, "Votre mot de passe a plus de 6 mois : choisissez-en un nouveau.", token
        )
    return _complete_login(session, account, token, now)


def _complete_login(session: Session, account: Account, token: str, now: datetime) -> LoginOutcome:
    account.last_login_at = now
    account.inactivity_reminder_days = 0
    account.lock_count = 0
    _audit(session, "login.success", account, now)
    session.flush()
    return LoginOutcome(LoginStep.DONE, session_token=token)


def check_credentials(session: Session, *, email: str, password: str, now: datetime) -> LoginOutcome:
    """First step of a login: the same message whether the email or the password is wrong."""
    account = account_by_email(session, email)
    if account is None:
        # Spend the same bcrypt time as for a real account, so that timing does not reveal which emails exist.
        verify_password(password, _dummy_hash())
        _audit(session, "login.failure", None, now, email=(email or "").strip().lower()[:320])
        return LoginOutcome(LoginStep.REFUSED, BAD_CREDENTIALS)
    _release_expired_lock(session, account, now)
    if account.locked_until is not None:
        _audit(session, "login.refused_locked", account, now)
        return LoginOutcome(LoginStep.REFUSED, lock_message(account.locked_until))
    if not verify_password(password, account.password_hash):
        return _register_failure(session, account, now)
    account.failed_logins = 0
    if not account.active:
        _audit(session, "login.refused_inactive", account, now)
        return LoginOutcome(LoginStep.REFUSED, DEACTIVATED)
    if needs_second_factor(account):
        token = open_session(session, account, SessionStage.SECOND_FACTOR, now=now)
        if account.second_factor_method is not SecondFactorMethod.TOTP or not account.totp_secret:
            send_login_code(session, account, now=now)
        return LoginOutcome(LoginStep.SECOND_FACTOR, session_token=token, method=account.second_factor_method)
    return _next_step_after_second_factor(session, account, None, now)


def verify_second_factor(session: Session, *, session_token: str, code: str, now: datetime) -> LoginOutcome:
    """Second step: the code from the email or the authenticator app."""
    portal_session = pending_session(session, session_token, SessionStage.SECOND_FACTOR, now=now)
    if portal_session is None:
        return LoginOutcome(LoginStep.REFUSED, PENDING_EXPIRED_MESSAGE)
    account = session.get(Account, portal_session.account_id)
    error = check_code(session, account, code, now=now)
    if error:
        return LoginOutcome(LoginStep.SECOND_FACTOR, error, session_token, account.second_factor_method)
    return _next_step_after_second_factor(session, account, session_token, now)


def resend_login_code(session: Session, *, session_token: str, now: datetime) -> None:
    portal_session = pending_session(session, session_token, SessionStage.SECOND_FACTOR, now=now)
    if portal_session is not None:
        send_login_code(session, session.get(Account, portal_session.account_id), now=now)


def set_password(session: Session, account: Account, password: str, *, now: datetime) -> None:
    """Set a password that satisfies the policy and differs from the current one; other sessions end."""
    check_policy(password)
    if verify_password(password, account.password_hash):
        raise InvalidInput("Le nouveau mot de passe doit être différent de l'actuel.", field="password")
    account.password_hash = hash_password(password)
    account.password_set_at = now
    account.failed_logins = 0
    session.flush()
    _audit(session, "password.set", account, now)


def change_expired_password(session: Session, *, session_token: str, new_password: str, now: datetime) -> LoginOutcome:
    """Last step when the password is over 6 months old; raises InvalidInput naming the broken rule."""
    portal_session = pending_session(session, session_token, SessionStage.PASSWORD_CHANGE, now=now)
    if portal_session is None:
        return LoginOutcome(LoginStep.REFUSED, PENDING_EXPIRED_MESSAGE)
    account = session.get(Account, portal_session.account_id)
    set_password(session, account, new_password, now=now)
    end_all_sessions(session, account.id, "changement de mot de passe", now=now, keep=portal_session)
    portal_session.stage = SessionStage.ACTIVE
    return _complete_login(session, account, session_token, now)


def change_password(
    session: Session,
    *,
    account_id: int,
    current_password: str,
    new_password: str,
    now: datetime,
    keep_session_token: str | None = None,
) -> None:
    """From "Mon compte": the current password is asked again; every other session of the account ends."""
    account = session.get(Account, account_id)
    if not verify_password(current_password, account.password_hash):
        raise InvalidInput("Le mot de passe actuel est incorrect.", field="current_password")
    set_password(session, account, new_password, now=now)
    keep = find_open_session(session, keep_session_token)
    end_all_sessions(
        session,
        account.id,
        "changement de mot de passe",
        now=now,
        keep=keep if keep and keep.account_id == account.id else None,
    )


def activate_with_token(session: Session, *, raw_token: str, password: str, now: datetime) -> Account:
    """Follow an activation or reset link: set the password and spend the token, all or nothing."""
    token = find_valid_token(session, raw_token, LINK_PURPOSES, now=now)
    account = session.get(Account, token.account_id)
    if not account.active:
        raise InvalidInput(DEACTIVATED)
    set_password(session, account, password, now=now)
    account.locked_until = None
    token.used_at = now
    end_all_sessions(session, account.id, "changement de mot de passe", now=now)
    session.flush()
    return account


def _link(raw: str) -> str:
    return f"{get_settings().public_base_url.rstrip('/')}/?activation={raw}"


def send_activation_email(session: Session, account: Account, organization_name: str, *, now: datetime) -> None:
    raw = issue_token(session, account, TokenPurpose.ACTIVATION, now=now, validity=LINK_VALIDITY)
    queue_email(
        session,
        to=account.email,
        template="activation",
        context={
            "full_name": account.full_name,
            "email": account.email,
            "organization": organization_name,
            "link": _link(raw),
        },
        now=now,
    )


def request_password_reset(session: Session, *, email: str, now: datetime) -> str:
    """Send a reset link if the account exists and is active; always the same answer (no enumeration)."""
    account = account_by_email(session, email)
    if account is not None and account.active:
        raw = issue_token(session, account, TokenPurpose.PASSWORD_RESET, now=now)
        queue_email(
            session,
            to=account.email,
            template="password_reset",
            context={"full_name": account.full_name, "email": account.email, "link": _link(raw)},
            now=now,
        )
        _audit(session, "password.reset_requested", account, now)
    return RESET_SENT
