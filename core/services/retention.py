"""Data retention (RGPD): the attachments of dossiers closed for longer than `retention_months` are purged.

The unit is the folder: its files are shared by its cases (one per commune), so they go only when every case of
the folder is Clos for long enough. Attachment rows stay with their metadata and `purged_at`; each case's history
gains an ATTACH_PURGE event. The store is content-addressed: a file goes only when no attachment still in use (nor
a subscription request's délibération) has the same SHA-256.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from core.auth import add_months
from core.config import get_settings
from core.models import Attachment, Case, CaseStatus, Event, EventAction, Folder, PartyKind, Process
from core.models.subscriptions import SubscriptionRequest
from core.services.case_actions import Author, case_attachments, write_event
from core.storage import AttachmentStore, get_store

BATCH = 200  # folders per round: bounded memory whatever the backlog
BOX = Author("HubEE Box")


@dataclass(frozen=True)
class RetentionReport:
    purged_dossiers: int = 0
    purged_attachments: int = 0
    removed_files: int = 0
    shared_files_kept: int = 0

    def __add__(self, other: "RetentionReport") -> "RetentionReport":
        return RetentionReport(*(a + b for a, b in zip(self._values(), other._values(), strict=True)))

    def _values(self) -> tuple[int, int, int, int]:
        return (self.purged_dossiers, self.purged_attachments, self.removed_files, self.shared_files_kept)


def retention_limit(now: datetime, months: int | None = None) -> datetime:
    """Cases closed at or before this instant have outlived their retention period."""
    return add_months(now, -(months or get_settings().retention_months))


def _due_folders(session: Session, limit: datetime, size: int) -> list:
    """Folders whose every case is Clos since `limit` or earlier and that still have a file not purged."""
    case_of_folder = select(Case.id).where(Case.folder_id == Folder.id)
    # Written as « not old-closed » with NULLs spelled out: NOT (… AND NULL) would be NULL, i.e. not live.
    live = case_of_folder.where(
        sa.or_(Case.status != CaseStatus.CLOSED, Case.closed_at.is_(None), Case.closed_at > limit)
    )
    folder_file = select(Attachment.id).where(Attachment.folder_id == Folder.id, Attachment.purged_at.is_(None))
    event_file = (
        select(Attachment.id)
        .join(Event, Attachment.event_id == Event.id)
        .join(Case, Event.case_id == Case.id)
        .where(Case.folder_id == Folder.id, Attachment.purged_at.is_(None))
    )
    query = (
        select(Folder.id)
        .where(case_of_folder.exists(), ~live.exists(), sa.or_(folder_file.exists(), event_file.exists()))
        .order_by(Folder.id)
        .limit(size)
    )
    return list(session.exec(query))


def _still_used(session: Session, hashes: list[str]) -> set[str]:
    """Among these hashes, those an attachment not purged or a subscription request's délibération still uses."""
    used = set(
        session.exec(select(Attachment.sha256).where(Attachment.sha256.in_(hashes), Attachment.purged_at.is_(None)))
    )
    kept = select(SubscriptionRequest.deliberation_attachment_id).where(
        SubscriptionRequest.deliberation_attachment_id.in_(hashes + [h.upper() for h in hashes])
    )
    used.update(value.lower() for value in session.exec(kept))
    return used


def _purge_folder(session: Session, folder_id, now: datetime, months: int) -> tuple[int, list[Attachment]]:
    """Mark the folder's files purged and write the history; (cases given the event, files purged)."""
    cases = session.exec(select(Case).where(Case.folder_id == folder_id).order_by(Case.external_id)).all()
    day = now.astimezone(get_settings().zone)
    purged: dict = {}
    touched = 0
    for case in cases:
        mine = [a for a in case_attachments(session, case) if a.purged_at is None or a.id in purged]
        if not mine:
            continue
        for attachment in mine:
            attachment.purged_at = now
            purged[attachment.id] = attachment
        message = (
            f"Pièces jointes purgées le {day:%d/%m/%Y} : {len(mine)} fichier(s), "
            f"dossier clos depuis plus de {months} mois."
        )
        write_event(session, case, session.get(Process, case.process_id), EventAction.ATTACH_PURGE, BOX, now,
                    kind=PartyKind.SI, message=message)  # fmt: skip
        touched += 1
    # A folder file meant for no remaining case (recipients of a withdrawn case) is purged as well.
    for attachment in session.exec(
        select(Attachment).where(Attachment.folder_id == folder_id, Attachment.purged_at.is_(None))
    ):
        attachment.purged_at = now
        purged[attachment.id] = attachment
    return touched, list(purged.values())


def _purge_batch(session: Session, folder_ids: list, now: datetime, months: int, store: AttachmentStore):
    cases, attachments = 0, []
    for folder_id in folder_ids:
        touched, purged = _purge_folder(session, folder_id, now, months)
        cases, attachments = cases + touched, attachments + purged
    session.flush()  # the rows say « purgé » before any file goes
    hashes = sorted({a.sha256 for a in attachments if a.sha256})
    used = _still_used(session, hashes) if hashes else set()
    for sha256 in set(hashes) - used:
        store.delete(sha256)
    return RetentionReport(cases, len(attachments), len(set(hashes) - used), len(used))


def purge_closed_attachments(
    session: Session, *, now: datetime, store: AttachmentStore | None = None, max_folders: int | None = None
) -> RetentionReport:
    """Purge the files of dossiers closed for longer than `retention_months`; idempotent, by batches of folders."""
    store, months = store or get_store(), get_settings().retention_months
    limit, report, done = retention_limit(now, months), RetentionReport(), 0
    while max_folders is None or done < max_folders:
        size = BATCH if max_folders is None else min(BATCH, max_folders - done)
        folder_ids = _due_folders(session, limit, size)
        if not folder_ids:
            break
        report += _purge_batch(session, folder_ids, now, months, store)
        done += len(folder_ids)
    return report
