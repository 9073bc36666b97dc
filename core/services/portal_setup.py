"""Questions the installer asks about the state of the box."""

from sqlmodel import Session, select

from core.models import Account


def has_any_account(session: Session) -> bool:
    return session.exec(select(Account.id).limit(1)).first() is not None
