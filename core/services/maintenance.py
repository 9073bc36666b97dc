"""Housekeeping: spent credentials, abandoned portal sessions, old job runs, orphan attachment files."""

import os
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from core.models import AccountToken, Attachment, JobOutcome, JobRun, PortalSession, SubscriptionRequest
from core.services.api_clients import purge_expired_tokens
from core.sessions import end_session
from core.storage import AttachmentStore, get_store

# Kept a while after expiry or use, so that an old link still gets "expiré" / "déjà utilisé" rather than
# "pas valide"; the hashes alone are worthless to anyone.
SPENT_TOKEN_KEPT = timedelta(days=7)
# The portal ends an idle session itself while its tab is open; one idle this long belongs to a closed tab.
ABANDONED_SESSION = timedelta(days=1)
ENDED_SESSION_KEPT = timedelta(days=30)
JOB_RUN_KEPT = timedelta(days=14)
# A file is written to the store before the transaction that links it commits (and the API uploads before it
# completes a folder): a young unreferenced file may be an upload in progress.
ORPHAN_GRACE = timedelta(hours=24)
TEMP_PREFIX = ".incoming-"


@dataclass(frozen=True)
class PurgeReport:
    tokens: int = 0
    sessions_closed: int = 0
    sessions_deleted: int = 0
    job_runs: int = 0


@dataclass(frozen=True)
class OrphanReport:
    files: int = 0
    orphans_removed: int = 0
    temporary_removed: int = 0


def _delete(session: Session, statement) -> int:
    return session.exec(statement).rowcount


def purge_expired_records(session: Session, *, now: datetime) -> PurgeReport:
    """Delete spent links and codes, close abandoned sessions, delete old ended sessions and old job runs."""
    tokens = _delete(
        session,
        sa.delete(AccountToken).where(
            sa.or_(
                AccountToken.expires_at <= now - SPENT_TOKEN_KEPT,
                AccountToken.used_at <= now - SPENT_TOKEN_KEPT,
            )
        ),
    )
    abandoned = session.exec(
        select(PortalSession).where(
            PortalSession.ended_at.is_(None), PortalSession.last_seen_at <= now - ABANDONED_SESSION
        )
    ).all()
    for portal_session in abandoned:
        end_session(session, portal_session, "inactivité", now=now)
    deleted = _delete(session, sa.delete(PortalSession).where(PortalSession.ended_at <= now - ENDED_SESSION_KEPT))
    runs = _delete(
        session,
        sa.delete(JobRun).where(JobRun.outcome != JobOutcome.RUNNING, JobRun.started_at <= now - JOB_RUN_KEPT),
    )
    tokens += purge_expired_tokens(session, now=now)
    return PurgeReport(tokens=tokens, sessions_closed=len(abandoned), sessions_deleted=deleted, job_runs=runs)


REFERENCE_BATCH = 500


def _referenced_among(session: Session, hashes: list[str]) -> set[str]:
    """Which of these hashes something references: attachments, or a request's délibération kept by hash."""
    referenced = set(session.exec(select(Attachment.sha256).where(Attachment.sha256.in_(hashes)).distinct()))
    kept = select(SubscriptionRequest.deliberation_attachment_id).where(
        SubscriptionRequest.deliberation_attachment_id.in_(hashes + [h.upper() for h in hashes])
    )
    referenced.update(value.lower() for value in session.exec(kept))
    return referenced


def _remove_unreferenced(session: Session, store: AttachmentStore, batch: list[str]) -> int:
    orphans = set(batch) - _referenced_among(session, batch)
    for sha256 in orphans:
        store.delete(sha256)
    return len(orphans)


def _older_than(path, limit: datetime) -> bool:
    try:
        return os.stat(path).st_mtime <= limit.timestamp()
    except FileNotFoundError:  # removed meanwhile
        return False


def remove_orphan_files(session: Session, *, now: datetime, store: AttachmentStore | None = None) -> OrphanReport:
    """Delete stored files that no attachment references, once older than the grace period, and stale temp files."""
    store = store or get_store()
    limit = now - ORPHAN_GRACE
    # Listed before the references are read: a file linked meanwhile is then seen as referenced.
    # Streamed and checked against the database by batches: never every hash of a large box in memory.
    files = removed = 0
    batch: list[str] = []
    for sha256 in store.stored_hashes():
        files += 1
        if _older_than(store.path_for(sha256), limit):
            batch.append(sha256)
        if len(batch) == REFERENCE_BATCH:
            removed += _remove_unreferenced(session, store, batch)
            batch = []
    removed += _remove_unreferenced(session, store, batch) if batch else 0
    temporary = 0
    if store.root.is_dir():
        for path in store.root.glob(f"{TEMP_PREFIX}*"):
            if _older_than(path, limit):
                path.unlink(missing_ok=True)
                temporary += 1
    return OrphanReport(files=files, orphans_removed=removed, temporary_removed=temporary)
