"""Inactivity rules of SPEC §4: reminders at 60 and 90 days without login, deactivation at day 120.

The clock runs from the last login, from the account's creation when it never logged in, and from its
reactivation when an administrateur local brought it back (otherwise the next run would deactivate it again
before its owner had a chance to log in). A login resets it (core/auth.py sets `last_login_at` and clears
`inactivity_reminder_days`).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from core import audit
from core.config import get_settings
from core.mail import queue_email
from core.models import Account, ActorType, AuditEntry
from core.sessions import end_all_sessions

REMINDER_DAYS = (60, 90)
DEACTIVATION_DAYS = 120
REACTIVATION_ACTION = "account.reactivate"


@dataclass(frozen=True)
class InactivityReport:
    reminders_60: int = 0
    reminders_90: int = 0
    deactivated: int = 0


def _reactivations(session: Session, account_ids: list[int]) -> dict[int, datetime]:
    rows = session.exec(
        select(AuditEntry.target_id, sa.func.max(AuditEntry.at))
        .where(
            AuditEntry.action == REACTIVATION_ACTION,
            AuditEntry.target_type == "account",
            AuditEntry.target_id.in_([str(i) for i in account_ids]),
        )
        .group_by(AuditEntry.target_id)
    ).all()
    return {int(target_id): at for target_id, at in rows}


def _candidates(session: Session, now: datetime) -> list[Account]:
    # The platform administrator is left out: nobody above it could reactivate it from the portal.
    return list(
        session.exec(
            select(Account)
            .where(
                Account.active.is_(True),
                Account.actor_type != ActorType.PLATFORM_ADMIN,
                sa.func.coalesce(Account.last_login_at, Account.created_at) <= now - timedelta(days=REMINDER_DAYS[0]),
            )
            .order_by(Account.id)
        )
    )


def _context(account: Account, since: datetime, days: int) -> dict:
    zone = get_settings().zone
    return {
        "full_name": account.full_name,
        "email": account.email,
        "days": days,
        "since": f"{since.astimezone(zone):%d/%m/%Y}",
        "deadline": f"{(since + timedelta(days=DEACTIVATION_DAYS)).astimezone(zone):%d/%m/%Y}",
    }


def _deactivate(session: Session, account: Account, since: datetime, now: datetime) -> None:
    account.active = False
    account.deactivated_at = now
    end_all_sessions(session, account.id, "compte désactivé", now=now)
    audit.record(
        session,
        "account.deactivate",
        organization_id=account.organization_id,
        target_type="account",
        target_id=account.id,
        details={"email": account.email, "reason": f"inactivité : aucune connexion depuis {DEACTIVATION_DAYS} jours"},
        now=now,
    )
    queue_email(
        session,
        to=account.email,
        template="inactivity_deactivated",
        context=_context(account, since, DEACTIVATION_DAYS),
        now=now,
    )


def _remind(session: Session, account: Account, since: datetime, days: int, now: datetime) -> None:
    account.inactivity_reminder_days = days
    audit.record_for(session, "account.inactivity_reminder", account, now=now, days=days)
    queue_email(
        session, to=account.email, template="inactivity_reminder", context=_context(account, since, days), now=now
    )


def apply_inactivity_rules(session: Session, *, now: datetime) -> InactivityReport:
    """Send the 60- and 90-day reminders due, and deactivate the accounts idle for 120 days (audited)."""
    accounts = _candidates(session, now)
    reactivated = _reactivations(session, [a.id for a in accounts]) if accounts else {}
    counts = {"reminders_60": 0, "reminders_90": 0, "deactivated": 0}
    for account in accounts:
        since = max(account.last_login_at or account.created_at, reactivated.get(account.id, account.created_at))
        idle = now - since
        if idle >= timedelta(days=DEACTIVATION_DAYS):
            _deactivate(session, account, since, now)
            counts["deactivated"] += 1
            continue
        # Only the latest reminder due: after an outage, a 95-day account gets the 90-day one, not both.
        due = max((d for d in REMINDER_DAYS if idle >= timedelta(days=d)), default=None)
        if due is not None and account.inactivity_reminder_days < due:
            _remind(session, account, since, due, now)
            counts[f"reminders_{due}"] += 1
    session.flush()
    return InactivityReport(**counts)
