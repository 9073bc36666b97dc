"""Cases through the HubEE API: read, download their files, move their status.

Statuses move only through `core.services.case_actions.apply_status_change` (the SI's software, trigger
SI_SOFTWARE) or, for the operator's side (closure, the usager's complement), through `check_transition` and
`case_actions.write_event` — the one transition table and the one history of the portal.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from sqlmodel import Session

from core.errors import Forbidden, InvalidInput, NotFound
from core.models import (
    ApiClientKind,
    Attachment,
    AttachmentStatus,
    Case,
    CaseStatus,
    Event,
    EventAction,
    EventStatus,
    Operator,
    PartyKind,
    Process,
)
from core.permissions import NO_DOWNLOAD_STATUSES
from core.services.api_clients import ApiClient
from core.services.api_notifications import notify_si
from core.services.api_scope import as_uuid, case_for
from core.services.api_views import full_case_view
from core.services.case_actions import Author, apply_status_change, case_attachments, write_event
from core.storage import AttachmentStore
from core.workflow import NEW, Trigger, check_transition

FILE_NOT_FOUND = "Ce fichier n'existe pas pour ce télédossier."


@dataclass(frozen=True)
class FileDownload:
    file_name: str
    mime_type: str
    sha256: str
    content: bytes


def read_case(session: Session, *, client: ApiClient, case_id, lite: bool = False) -> dict:
    """A case the client may reach, as the contract shows it (`lite`: without files and events)."""
    case, process = case_for(session, client, case_id)
    return full_case_view(session, case, process, viewer=client.kind, lite=lite)


def file_download(attachment: Attachment, store: AttachmentStore) -> FileDownload:
    """The bytes of a received file, checked against its SHA-256 (CorruptedFile otherwise)."""
    if attachment.status is not AttachmentStatus.RECEIVED or attachment.sha256 is None:
        raise NotFound("Ce fichier n'a pas encore été téléversé.")
    if attachment.purged_at is not None:
        raise NotFound("Ce fichier a été purgé : il n'est plus disponible.")
    return FileDownload(
        attachment.file_name, attachment.mime_type, attachment.sha256, store.read_bytes(attachment.sha256)
    )


def same_bytes(attachment: Attachment, content: BinaryIO) -> bool:
    """Are these the bytes already received for this file (a repeated upload)?"""
    content.seek(0)
    digest = hashlib.file_digest(content, "sha256").hexdigest()
    content.seek(0)
    return attachment.sha256 == digest


def check_download(client: ApiClient, case: Case) -> None:
    """The portal's rule for the SI: no download once a dossier is Clos or Refusé."""
    if client.kind is ApiClientKind.SI and case.status in NO_DOWNLOAD_STATUSES:
        which = "clos" if case.status is CaseStatus.CLOSED else "refusé"
        raise Forbidden(f"Les pièces jointes d'un télédossier {which} ne peuvent plus être téléchargées.")


def case_attachment_file(
    session: Session, *, client: ApiClient, case_id, attachment_id, store: AttachmentStore
) -> FileDownload:
    """One file of a case (its folder's files meant for it, or its events' files)."""
    case, _ = case_for(session, client, case_id)
    key = as_uuid(attachment_id, FILE_NOT_FOUND)
    attachment = next((a for a in case_attachments(session, case) if a.id == key), None)
    if attachment is None:
        raise NotFound(FILE_NOT_FOUND)
    check_download(client, case)
    return file_download(attachment, store)


def update_case_status(session: Session, *, client: ApiClient, case_id, status: str, now: datetime) -> None:
    """PATCH a case: the SI's software moves it (SI_SOFTWARE); the operator only closes it. Same status: nothing."""
    case, _ = case_for(session, client, case_id)
    target = parse_status(status)
    if target is case.status:
        return
    if client.kind is ApiClientKind.OSL:
        if target is not CaseStatus.CLOSED:
            raise Forbidden("Un opérateur ne peut que clore un télédossier (statut CLOSED).")
        close_case_for_operator(session, case=case, operator=session.get(Operator, client.operator_id), now=now)
        return
    move_by_software(session, client=client, case=case, target=target, message=None, now=now)


def parse_status(value: str | None) -> CaseStatus:
    try:
        return CaseStatus(value)
    except ValueError:
        names = ", ".join(s.value for s in CaseStatus)
        raise InvalidInput(
            f"Statut de télédossier inconnu : « {value} » (valeurs : {names}).", field="status"
        ) from None


def move_by_software(
    session: Session,
    *,
    client: ApiClient,
    case: Case,
    target: CaseStatus,
    message: str | None,
    now: datetime,
    author: str | None = None,
):
    """The SI's software moves a case through the portal's own status change; the events written."""
    try:
        return apply_status_change(
            session,
            case=case,
            author=Author(author or client.name),
            target=target,
            message=message,
            trigger=Trigger.SI_SOFTWARE,
            now=now,
        )
    except InvalidInput as error:
        if error.field != "message":
            raise
        # PATCH /cases carries no message: say how to give the reason or the usager's message.
        raise InvalidInput(
            f"{error.message} Envoyez plutôt l'événement STATUS_UPDATE (POST /cases/{case.id}/events) avec "
            f"caseNewStatus={target.value} et le texte dans « message » : il change le statut.",
            field="message",
        ) from None


def close_case_for_operator(
    session: Session,
    *,
    case: Case,
    operator: Operator,
    now: datetime,
    closed_at: datetime | None = None,
    author: str | None = None,
) -> Event | None:
    """The operator closes a case (from any status but Clos); its SI software hears of it. None if already closed."""
    if case.status is CaseStatus.CLOSED:
        return None
    check_transition(case.status, CaseStatus.CLOSED, Trigger.OPERATOR_CLOSE, allows_complement=True)
    process = session.get(Process, case.process_id)
    event = write_event(
        session,
        case,
        process,
        EventAction.STATUS_UPDATE,
        Author(author or operator.name),
        now,
        kind=PartyKind.OSL,
        after=CaseStatus.CLOSED,
    )
    case.closed_at = closed_at or now
    mark_notified(event)
    session.flush()
    notify_si(session, case=case, event=event, now=now)
    return event


def mark_notified(event: Event) -> None:
    """An event its recipient must take: SENT until acknowledged (write_event queues only the SI's news)."""
    event.notify = True
    event.status = EventStatus.SENT


def check_usager_update(case: Case) -> None:
    """Fail early when a complement or change from the usager could not be received now."""
    if case.status not in NEW:
        check_transition(case.status, CaseStatus.HUBEE_NOTIFIED, Trigger.USAGER, allows_complement=True)


def return_to_new(session: Session, *, case: Case, operator: Operator, now: datetime) -> Event | None:
    """After the usager's complement or change, the case is Nouveau again (a STATUS_UPDATE of the operator)."""
    if case.status in NEW:
        return None  # still waiting to be opened
    check_usager_update(case)
    process = session.get(Process, case.process_id)
    return write_event(
        session,
        case,
        process,
        EventAction.STATUS_UPDATE,
        Author(operator.name),
        now,
        kind=PartyKind.OSL,
        after=CaseStatus.HUBEE_NOTIFIED,
    )
