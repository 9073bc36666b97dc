"""The audit trail: one call per login, failure, lock, account or subscription change."""

from datetime import datetime

from sqlmodel import Session

from core.clock import utcnow
from core.models import AuditEntry


def record(
    session: Session,
    action: str,
    *,
    account_id: int | None = None,
    actor_email: str | None = None,
    organization_id: int | None = None,
    target_type: str | None = None,
    target_id: object = None,
    details: dict | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Append one entry; `account_id` is who acted (None for the box itself or the shell)."""
    entry = AuditEntry(
        at=now or utcnow(),
        action=action,
        account_id=account_id,
        actor_email=actor_email,
        organization_id=organization_id,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        details=details,
    )
    session.add(entry)
    session.flush()
    return entry


def record_for(
    session: Session,
    action: str,
    account,
    *,
    now: datetime,
    target_type: str | None = None,
    target_id: object = None,
    **details,
) -> AuditEntry:
    """An entry about what `account` did (or what happened to it), with its email and organization."""
    return record(
        session,
        action,
        account_id=account.id,
        actor_email=account.email,
        organization_id=account.organization_id,
        target_type=target_type,
        target_id=target_id,
        details=details or None,
        now=now,
    )
