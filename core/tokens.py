"""Single-use secrets sent to people (activation and reset links, emailed codes): only hashes are stored."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, select

from core.errors import InvalidInput
from core.models import Account, AccountToken, TokenPurpose

LINK_VALIDITY = timedelta(hours=48)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(
    session: Session, account: Account, purpose: TokenPurpose, *, now: datetime, validity: timedelta = LINK_VALIDITY
) -> str:
    """A new random token for `account`; earlier unused tokens of the same purpose stop working."""
    for old in session.exec(
        select(AccountToken).where(
            AccountToken.account_id == account.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None)
        )
    ):
        old.used_at = now
    raw = secrets.token_urlsafe(32)
    session.add(
        AccountToken(
            account_id=account.id,
            purpose=purpose,
            token_hash=token_hash(raw),
            created_at=now,
            expires_at=now + validity,
        )
    )
    session.flush()
    return raw


def find_valid_token(
    session: Session, raw: str, purposes: frozenset[TokenPurpose] | TokenPurpose, *, now: datetime
) -> AccountToken:
    """The unused, unexpired token matching `raw`, or a French error saying what is wrong with the link."""
    token = session.exec(
        select(AccountToken).where(
            AccountToken.token_hash == token_hash(raw or ""),
            AccountToken.purpose.in_([purposes] if isinstance(purposes, TokenPurpose) else sorted(purposes)),
        )
    ).first()
    if token is None:
        raise InvalidInput("Ce lien n'est pas valide. Demandez un nouveau lien avec « Mot de passe oublié ».")
    if token.used_at is not None:
        raise InvalidInput("Ce lien a déjà été utilisé. Demandez un nouveau lien avec « Mot de passe oublié ».")
    if token.expires_at <= now:
        raise InvalidInput(
            "Ce lien a expiré (validité 48 heures). Demandez un nouveau lien avec « Mot de passe oublié »."
        )
    return token
