"""The second factor (SPEC §4): a 6-digit code sent by email, or an authenticator app (TOTP)."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import pyotp
from sqlmodel import Session, select

from core import audit
from core.config import get_settings
from core.errors import InvalidInput
from core.mail import queue_email
from core.models import Account, AccountToken, ActorType, SecondFactorMethod, TokenPurpose

CODE_VALIDITY = timedelta(minutes=10)
MAX_CODE_ATTEMPTS = 5
TOTP_ISSUER = "HubEE Box"
# Accounts that pass a second factor at every login; the platform administrator too, being the most powerful.
SECOND_FACTOR_ACTORS = frozenset({ActorType.ADMIN_LOCAL, ActorType.DELEGUE_TECHNIQUE, ActorType.PLATFORM_ADMIN})


def needs_second_factor(account: Account) -> bool:
    return account.actor_type in SECOND_FACTOR_ACTORS


def _code_hash(code: str) -> str:
    # Keyed: six digits alone would be trivial to reverse from a leaked database.
    return hmac.new(get_settings().secret_key().encode(), code.encode(), hashlib.sha256).hexdigest()


def send_login_code(session: Session, account: Account, *, now: datetime) -> None:
    """Email a fresh single-use code; earlier codes stop working."""
    for old in session.exec(
        select(AccountToken).where(
            AccountToken.account_id == account.id,
            AccountToken.purpose == TokenPurpose.EMAIL_CODE,
            AccountToken.used_at.is_(None),
        )
    ):
        old.used_at = now
    code = f"{secrets.randbelow(10**6):06d}"
    # The hash must be unique across accounts: salt it with the account and the instant.
    salted = f"{account.id}:{now.timestamp()}:{code}"
    session.add(
        AccountToken(
            account_id=account.id,
            purpose=TokenPurpose.EMAIL_CODE,
            token_hash=_code_hash(salted),
            created_at=now,
            expires_at=now + CODE_VALIDITY,
        )
    )
    session.flush()
    queue_email(
        session,
        to=account.email,
        template="login_code",
        context={"full_name": account.full_name, "code": code, "minutes": CODE_VALIDITY.seconds // 60},
        now=now,
    )
    audit.record_for(session, "second_factor.code_sent", account, now=now)


def _check_email_code(session: Session, account: Account, code: str, now: datetime) -> str | None:
    token = session.exec(
        select(AccountToken)
        .where(
            AccountToken.account_id == account.id,
            AccountToken.purpose == TokenPurpose.EMAIL_CODE,
            AccountToken.used_at.is_(None),
        )
        .order_by(AccountToken.created_at.desc())
    ).first()
    if token is None or token.expires_at <= now:
        return "Ce code a expiré. Demandez un nouveau code."
    if token.attempts >= MAX_CODE_ATTEMPTS:
        return "Trop d'essais avec ce code. Demandez un nouveau code."
    token.attempts += 1
    salted = f"{account.id}:{token.created_at.timestamp()}:{code}"
    if not hmac.compare_digest(token.token_hash, _code_hash(salted)):
        left = MAX_CODE_ATTEMPTS - token.attempts
        return (
            f"Code incorrect. Il vous reste {left} essai{'s' if left > 1 else ''}."
            if left
            else "Code incorrect. Demandez un nouveau code."
        )
    token.used_at = now
    return None


def _check_totp(account: Account, code: str, now: datetime) -> str | None:
    totp = pyotp.TOTP(account.totp_secret)
    for offset in (0, -1, 1):  # one step of clock drift either way
        step = totp.timecode(now) + offset
        if hmac.compare_digest(totp.generate_otp(step), code):
            if account.totp_last_step is not None and step <= account.totp_last_step:
                return "Ce code a déjà été utilisé. Attendez le code suivant de votre application."
            account.totp_last_step = step
            return None
    return "Code incorrect. Vérifiez l'heure de votre téléphone et saisissez le code affiché."


def check_code(session: Session, account: Account, code: str, *, now: datetime) -> str | None:
    """None when the code is right (and is spent); otherwise the French reason. Attempts are counted."""
    code = (code or "").strip().replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        return "Le code comporte 6 chiffres."
    if account.second_factor_method is SecondFactorMethod.TOTP and account.totp_secret:
        error = _check_totp(account, code, now)
    else:
        error = _check_email_code(session, account, code, now)
    session.flush()
    audit.record_for(session, "second_factor.failure" if error else "second_factor.success", account, now=now)
    return error


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(account: Account, secret: str) -> str:
    """The otpauth:// URI that the enrolment QR code encodes."""
    return pyotp.TOTP(secret).provisioning_uri(name=account.email, issuer_name=TOTP_ISSUER)


def enrol_totp(session: Session, account: Account, *, secret: str, code: str, now: datetime) -> None:
    """Switch the account to the authenticator app once it proves it holds `secret` with a valid code."""
    code = (code or "").strip().replace(" ", "")
    totp = pyotp.TOTP(secret)
    if not any(hmac.compare_digest(totp.generate_otp(totp.timecode(now) + o), code) for o in (0, -1, 1)):
        raise InvalidInput(
            "Code incorrect : l'application n'est pas enregistrée. Scannez le QR code et réessayez.", field="code"
        )
    account.totp_secret = secret
    account.totp_last_step = totp.timecode(now) + 1  # the enrolment code cannot be replayed at login
    account.second_factor_method = SecondFactorMethod.TOTP
    session.flush()
    audit.record_for(session, "second_factor.totp_enrolled", account, now=now)


def use_email_codes(session: Session, account: Account, *, now: datetime) -> None:
    account.second_factor_method = SecondFactorMethod.EMAIL
    account.totp_secret = None
    account.totp_last_step = None
    session.flush()
    audit.record_for(session, "second_factor.totp_removed", account, now=now)
