"""The files of a télédossier: one file, a dossier or a selection as one ZIP, and a file sent to the usager.

Every download goes through `record_download` (rights, history, first download → En cours) and reads the
store, which checks each file's SHA-256: an altered file is never served as good. Names inside a ZIP pass
through `safe_file_name`, and two files with the same name become « nom.pdf » and « nom (2).pdf ».
"""

import io
import zipfile
from datetime import datetime

from sqlmodel import Session

from core.config import get_settings
from core.errors import Conflict, DomainError, InvalidInput, NotFound
from core.models import Attachment, AttachmentStatus, Case, Event, EventAction
from core.permissions import Actor, may_download_case, may_send_file_to_usager, require
from core.services.case_actions import (
    BulkOutcome,
    author_for,
    case_attachments,
    checked_text,
    record_download,
    visible_case,
    write_event,
)
from core.storage import AttachmentStore, CorruptedFile, get_store, safe_file_name

# What may be sent to the usager, recognised by its first bytes (never by the name the browser gives).
USAGER_FILE_KINDS = (
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
)
USAGER_FILE_TYPE = "Document du service instructeur"


def unavailable_reason(attachment: Attachment) -> str | None:
    """Why a file of the dossier cannot be downloaded whatever the person's rights, or None."""
    if attachment.purged_at is not None:
        return "Ce fichier a été supprimé à la fin de sa durée de conservation."
    if attachment.status is not AttachmentStatus.RECEIVED or not attachment.sha256:
        return "Ce fichier n'a pas été reçu en entier : il ne peut pas être téléchargé."
    return None


def _read(store: AttachmentStore, attachment: Attachment) -> bytes:
    reason = unavailable_reason(attachment)
    if reason:
        raise Conflict(reason)
    try:
        return store.read_bytes(attachment.sha256)
    except CorruptedFile:
        raise Conflict(
            f"Le fichier « {attachment.file_name} » est altéré sur le serveur : il ne peut pas être téléchargé. "
            "Prévenez l'administrateur de la plateforme."
        ) from None
    except FileNotFoundError:
        raise NotFound(f"Le fichier « {attachment.file_name} » est introuvable sur le serveur.") from None


def attachment_for_download(
    session: Session, *, actor: Actor, case_id, attachment_id, now: datetime, store: AttachmentStore | None = None
) -> tuple[str, str, bytes]:
    """One file of a dossier as (file name, MIME type, bytes), its download recorded."""
    record_download(session, actor=actor, case_id=case_id, attachment_id=attachment_id, now=now)
    case = visible_case(session, actor=actor, case_id=case_id).case
    attachment = next(a for a in case_attachments(session, case) if str(a.id) == str(attachment_id))
    return attachment.file_name, attachment.mime_type, _read(store or get_store(), attachment)


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 1
    stem, dot, ext = name.rpartition(".")
    while candidate.lower() in used:
        n += 1
        candidate = f"{stem} ({n}).{ext}" if dot and stem else f"{name} ({n})"
    used.add(candidate.lower())
    return candidate


def _entries(session: Session, case: Case, store: AttachmentStore) -> list[tuple[Attachment, bytes]]:
    """Every downloadable file of the dossier with its bytes (checked); files purged or not received are left out."""
    return [(a, _read(store, a)) for a in case_attachments(session, case) if unavailable_reason(a) is None]


def _write(archive: zipfile.ZipFile, folder: str, entries: list[tuple[Attachment, bytes]]) -> None:
    zone, used = get_settings().zone, set()
    for attachment, data in entries:
        name = _unique(safe_file_name(attachment.file_name), used)
        stamp = attachment.created_at.astimezone(zone).timetuple()[:6]
        info = zipfile.ZipInfo(f"{folder}/{name}" if folder else name, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, data)


def case_zip(session: Session, *, actor: Actor, case_id, now: datetime, store: AttachmentStore | None = None) -> bytes:
    """Every file of one dossier as a ZIP, the download recorded (ATTACH_DL_ALL)."""
    record_download(session, actor=actor, case_id=case_id, now=now)
    case = visible_case(session, actor=actor, case_id=case_id).case
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _write(archive, "", _entries(session, case, store or get_store()))
    return buffer.getvalue()


def cases_zip(
    session: Session, *, actor: Actor, case_ids, now: datetime, store: AttachmentStore | None = None
) -> tuple[bytes, list[BulkOutcome]]:
    """A selection of dossiers as one ZIP, a folder per dossier named by its number; what was left out and why."""
    store, buffer, report, folders = store or get_store(), io.BytesIO(), [], set()
    with zipfile.ZipFile(buffer, "w") as archive:
        for case_id in dict.fromkeys(case_ids):
            external_id = None
            try:
                opened = visible_case(session, actor=actor, case_id=case_id)
                external_id = opened.case.external_id
                require(may_download_case(actor, opened.ref))
                entries = _entries(session, opened.case, store)
                record_download(session, actor=actor, case_id=case_id, now=now)
            except DomainError as exc:
                report.append(BulkOutcome(case_id, external_id, False, exc.message))
                continue
            _write(archive, _unique(safe_file_name(external_id), folders), entries)
            report.append(BulkOutcome(case_id, external_id, True, f"{len(entries)} fichier(s) ajouté(s)."))
    return buffer.getvalue(), report


def send_file_to_usager(
    session: Session,
    *,
    actor: Actor,
    case_id,
    file_name: str,
    content: bytes,
    message: str | None = None,
    now: datetime,
    store: AttachmentStore | None = None,
) -> Event:
    """Send a PDF, PNG or JPEG file to the usager through the operator, where the démarche allows it."""
    opened = visible_case(session, actor=actor, case_id=case_id)
    require(may_send_file_to_usager(actor, opened.ref, demarche_allows=opened.process.allows_file_to_usager))
    store = store or get_store()
    name, mime = _usager_file(file_name, content, store.max_bytes)
    text = checked_text(message, "message", "Le message", required=False)
    stored = store.put_bytes(content)
    author = author_for(session, actor)
    event = write_event(
        session, opened.case, opened.process, EventAction.ATTACH_DEPOSIT, author, now, message=text, notify=True
    )
    session.add(
        Attachment(
            event_id=event.id,
            file_name=name,
            type=USAGER_FILE_TYPE,
            mime_type=mime,
            size=stored.size,
            sha256=stored.sha256,
            status=AttachmentStatus.RECEIVED,
            created_at=now,
        )
    )
    session.flush()
    return event


def _usager_file(file_name: str, content: bytes, max_bytes: int) -> tuple[str, str]:
    """The safe name and MIME type of a file for the usager; a French error naming what is wrong."""
    name = safe_file_name(file_name)
    if not content:
        raise InvalidInput("Le fichier est vide.", field="file")
    if len(content) > max_bytes:
        limit = max_bytes // (1024 * 1024)
        raise InvalidInput(f"Le fichier dépasse la taille maximale autorisée ({limit} Mo).", field="file")
    for magic, mime, extensions in USAGER_FILE_KINDS:
        if content.startswith(magic):
            if not name.lower().endswith(extensions):
                kind = extensions[0][1:].upper()
                raise InvalidInput(f"Le nom « {name} » ne correspond pas au contenu du fichier ({kind}).", field="file")
            return name, mime
    raise InvalidInput("Seuls les fichiers PDF, PNG et JPEG peuvent être envoyés à l'usager.", field="file")
