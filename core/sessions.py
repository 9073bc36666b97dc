"""Server-side portal sessions: the browser tab holds a random token, the database its hash and state.

A session ends after 60 minutes without activity, at logout, and when the password changes. A login that
is waiting for its second factor or a password change lives only 10 minutes.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from core import audit
from core.models import Account, PortalSession, SessionStage
from core.tokens import token_hash

IDLE_TIMEOUT = timedelta(minutes=60)
PENDING_TIMEOUT = timedelta(minutes=10)
EXPIRED_MESSAGE = "Votre session a expiré après 60 minutes d'inactivité. Reconnectez-vous."
DEACTIVATED_MESSAGE = "Votre session a été fermée : ce compte n'est plus actif."
PENDING_EXPIRED_MESSAGE = "La connexion n'a pas été terminée à temps. Recommencez."


@dataclass(frozen=True)
class SessionCheck:
    """The account behind a token, or why there is none (French message, empty for "never logged in")."""

    account_id: int | None
    message: str = ""


def open_session(session: Session, account: Account, stage: SessionStage, *, now: datetime) -> str:
    raw = secrets.token_urlsafe(32)
    session.add(
        PortalSession(token_hash=token_hash(raw), account_id=account.id, stage=stage, created_at=now, last_seen_at=now)
    )
    session.flush()
    return raw


def find_open_session(session: Session, raw: str | None) -> PortalSession | None:
    if not raw:
        return None
    return session.exec(
        select(PortalSession).where(PortalSession.token_hash == token_hash(raw), PortalSession.ended_at.is_(None))
    ).first()


def end_session(session: Session, portal_session: PortalSession, reason: str, *, now: datetime) -> None:
    portal_session.ended_at = now
    portal_session.end_reason = reason
    session.flush()
    account = session.get(Account, portal_session.account_id)
    audit.record_for(
        session, "session.end", account, now=now, target_type="session", target_id=portal_session.id, reason=reason
    )


def end_all_sessions(
    session: Session, account_id: int, reason: str, *, now: datetime, keep: PortalSession | None = None
) -> None:
    for portal_session in session.exec(
        select(PortalSession).where(PortalSession.account_id == account_id, PortalSession.ended_at.is_(None))
    ):
        if keep is None or portal_session.id != keep.id:
            end_session(session, portal_session, reason, now=now)


def _expired(portal_session: PortalSession, now: datetime) -> bool:
    if portal_session.stage is SessionStage.ACTIVE:
        return now - portal_session.last_seen_at >= IDLE_TIMEOUT
    return now - portal_session.created_at >= PENDING_TIMEOUT


def resume_session(session: Session, raw: str | None, *, now: datetime, touch: bool = True) -> SessionCheck:
    """The logged-in account for this token, after checking it is active and not idle.

    `touch` marks the person's activity; the portal's periodic idle check passes False, since a timer is not
    the person.
    """
    portal_session = find_open_session(session, raw)
    if portal_session is None:
        return SessionCheck(None)
    if _expired(portal_session, now):
        end_session(session, portal_session, "inactivité", now=now)
        return SessionCheck(None, EXPIRED_MESSAGE)
    account = session.get(Account, portal_session.account_id)
    if not account.active:
        end_session(session, portal_session, "compte désactivé", now=now)
        return SessionCheck(None, DEACTIVATED_MESSAGE)
    if portal_session.stage is not SessionStage.ACTIVE:
        return SessionCheck(None)
    if touch:
        portal_session.last_seen_at = now
        session.flush()
    return SessionCheck(account.id)


def pending_session(session: Session, raw: str | None, stage: SessionStage, *, now: datetime) -> PortalSession | None:
    """The open session at `stage` for this token, if it has not waited too long."""
    portal_session = find_open_session(session, raw)
    if portal_session is None or portal_session.stage is not stage:
        return None
    if _expired(portal_session, now):
        end_session(session, portal_session, "connexion non terminée", now=now)
        return None
    return portal_session


def logout(session: Session, raw: str | None, *, now: datetime) -> None:
    portal_session = find_open_session(session, raw)
    if portal_session is not None:
        end_session(session, portal_session, "déconnexion", now=now)
