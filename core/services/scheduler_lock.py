"""One jobs process per database: a single-row lock with a heartbeat.

Two schedulers on one database would send every digest twice and race on the inbound folder. The process that
holds the row beats it every few seconds; another one refuses to start while the heartbeat is fresh, and may
take the lock over once it is stale (a process killed without its `finally`, a machine that died).
"""

import os
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core.config import get_settings
from core.errors import Conflict
from core.models import SchedulerLock
from core.models.ops import scheduler_jobs

LOCK_ID = 1
HEARTBEAT_EVERY = timedelta(seconds=20)
# Well above the heartbeat period, so that a slow beat (busy database, paused machine) is not mistaken for death.
STALE_AFTER = timedelta(minutes=3)


@dataclass(frozen=True)
class LockHolder:
    owner: str
    host: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime
    released_at: datetime | None


def _free_or_mine(owner: str, now: datetime):
    return sa.or_(
        SchedulerLock.owner == owner,
        SchedulerLock.released_at.is_not(None),
        SchedulerLock.heartbeat_at < now - STALE_AFTER,
    )


def _died_here(holder: SchedulerLock, host: str) -> bool:
    """The holder ran on this machine and its process is gone (a pid elsewhere tells nothing)."""
    if holder.host != host or holder.pid == os.getpid():
        return False
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


def _take_from(session: Session, dead_owner: str, values: dict) -> bool:
    # Conditional, so that of two processes starting together only one takes it.
    taken = session.exec(
        sa.update(SchedulerLock).where(SchedulerLock.id == LOCK_ID, SchedulerLock.owner == dead_owner).values(**values)
    )
    return taken.rowcount == 1


def _refusal(holder: SchedulerLock) -> Conflict:
    beat = holder.heartbeat_at.astimezone(get_settings().zone)
    minutes = int(STALE_AFTER.total_seconds() // 60)
    return Conflict(
        "Un autre processus des traitements tourne déjà sur cette base de données "
        f"(machine {holder.host}, processus {holder.pid}, dernier signe de vie à {beat:%H:%M:%S} le {beat:%d/%m/%Y}). "
        "Un seul peut tourner à la fois : arrêtez l'autre, ou, s'il s'est arrêté brutalement, "
        f"relancez dans {minutes} minutes, quand son verrou aura expiré."
    )


def acquire_scheduler_lock(session: Session, *, owner: str, host: str, pid: int, now: datetime) -> None:
    """Take the lock for this process, or raise Conflict (French message) if another live process holds it."""
    values = {"owner": owner, "host": host, "pid": pid, "started_at": now, "heartbeat_at": now, "released_at": None}
    taken = session.exec(
        sa.update(SchedulerLock).where(SchedulerLock.id == LOCK_ID, _free_or_mine(owner, now)).values(**values)
    )
    if taken.rowcount == 1:
        return
    holder = session.get(SchedulerLock, LOCK_ID)
    if holder is not None:
        session.refresh(holder)
        # Killed on this very machine (kill -9, crash): no need to wait for its heartbeat to go stale.
        if _died_here(holder, host) and _take_from(session, holder.owner, values):
            return
        raise _refusal(holder)
    try:
        with session.begin_nested():
            session.add(SchedulerLock(id=LOCK_ID, **values))
    except IntegrityError:
        # Another process inserted the row between our two statements: it won.
        raise _refusal(session.get(SchedulerLock, LOCK_ID, populate_existing=True)) from None


def beat_scheduler_lock(session: Session, *, owner: str, now: datetime) -> bool:
    """Record that the holder is alive; False when the lock is no longer this process's (taken over)."""
    beaten = session.exec(
        sa.update(SchedulerLock)
        .where(SchedulerLock.id == LOCK_ID, SchedulerLock.owner == owner, SchedulerLock.released_at.is_(None))
        .values(heartbeat_at=now)
    )
    return beaten.rowcount == 1


def release_scheduler_lock(session: Session, *, owner: str, now: datetime) -> None:
    """Free the lock at a clean stop, so that the next process starts at once."""
    session.exec(
        sa.update(SchedulerLock)
        .where(SchedulerLock.id == LOCK_ID, SchedulerLock.owner == owner)
        .values(released_at=now, heartbeat_at=now)
    )


def scheduler_lock_holder(session: Session) -> LockHolder | None:
    """The lock row as plain values (None before any jobs process ever started)."""
    row = session.get(SchedulerLock, LOCK_ID)
    if row is None:
        return None
    return LockHolder(row.owner, row.host, row.pid, row.started_at, row.heartbeat_at, row.released_at)


def clear_job_store(session: Session) -> None:
    """Empty APScheduler's job store: the starting process registers every job again, and renamed ones vanish."""
    session.exec(sa.delete(scheduler_jobs))
