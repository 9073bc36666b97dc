"""Events of a case through the HubEE API: what the SI's software and the operator tell each other.

The SI's software: STATUS_UPDATE (moves the case; the PATCH-then-event sequence of the contract gives one
event, not two), SENDING_MESSAGE, COM_ADD, ATTACH_DL / ATTACH_DL_ALL, ATTACH_DEPOSIT (a file for the usager).
The operator: STATUS_UPDATE (closure), SENDING_MESSAGE and ATTACH_DEPOSIT from the usager, which make the
case Nouveau again. An ATTACH_DEPOSIT announces its files and takes effect (notification, return to Nouveau)
when the last one is uploaded; until then its transmitter may delete it.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

import sqlalchemy as sa
from sqlmodel import Session, select

from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import (
    ApiClientKind,
    Attachment,
    AttachmentStatus,
    Case,
    CaseStatus,
    Event,
    EventAction,
    EventStatus,
    Notification,
    Operator,
    PartyKind,
    Process,
)
from core.services.api_cases import (
    check_download,
    check_usager_update,
    close_case_for_operator,
    file_download,
    mark_notified,
    move_by_software,
    parse_status,
    return_to_new,
    same_bytes,
)
from core.services.api_clients import ApiClient
from core.services.api_contract import PARTNER_KEYS
from core.services.api_notifications import notify_operator, notify_si
from core.services.api_scope import as_uuid, case_for
from core.services.api_views import event_views, shown_actions
from core.services.case_actions import Author, checked_text, write_event
from core.services.folders import ExpectedFile, announce_file, store_file
from core.storage import AttachmentStore

A = EventAction
ACTIONS = {
    ApiClientKind.SI: (A.STATUS_UPDATE, A.ATTACH_DEPOSIT, A.ATTACH_DL, A.ATTACH_DL_ALL, A.COM_ADD, A.SENDING_MESSAGE),
    ApiClientKind.OSL: (A.STATUS_UPDATE, A.ATTACH_DEPOSIT, A.SENDING_MESSAGE),
}
EVENT_NOT_FOUND = "Cet événement n'existe pas."
FILE_NOT_FOUND = "Cette pièce jointe n'est pas annoncée dans cet événement."
CLOSED = "Ce télédossier est clos : plus aucun événement ne peut y être ajouté."


@dataclass(frozen=True)
class IncomingEvent:
    action_type: str | None
    message: str | None = None
    comment: str | None = None
    author: str | None = None
    notification: bool | None = None
    case_new_status: str | None = None
    partner_attributes: str | None = None
    files: tuple[ExpectedFile, ...] = ()
    partner_info: dict | None = None


def _action(client: ApiClient, value: str | None) -> EventAction:
    allowed = ACTIONS[client.kind]
    if value not in {a.value for a in allowed}:
        names = ", ".join(a.value for a in allowed)
        raise InvalidInput(f"actionType « {value} » non accepté ici (valeurs : {names}).", field="actionType")
    return EventAction(value)


def create_event(session: Session, *, client: ApiClient, case_id, incoming: IncomingEvent, now: datetime) -> dict:
    """Add an event to a case the client reaches; the event as the contract shows it."""
    case, process = case_for(session, client, case_id)
    action = _action(client, incoming.action_type)
    if incoming.files and action is not A.ATTACH_DEPOSIT:
        raise InvalidInput("Seul un événement ATTACH_DEPOSIT porte des pièces jointes.", field="attachments")
    if action is A.ATTACH_DEPOSIT and client.kind is ApiClientKind.SI and not incoming.files:
        raise InvalidInput(
            "Un dépôt de fichier (ATTACH_DEPOSIT) annonce au moins une pièce jointe.", field="attachments"
        )
    author = Author((incoming.author or "").strip()[:255] or client.name)
    if action is A.STATUS_UPDATE:
        event = _status_event(session, client, case, incoming, author, now)
    elif case.status is CaseStatus.CLOSED:
        raise Conflict(CLOSED, field="status")
    elif client.kind is ApiClientKind.OSL:
        event = _usager_event(session, client, case, process, action, incoming, author, now)
    else:
        event = _software_event(session, client, case, process, action, incoming, author, now)
    event.partner_attributes = incoming.partner_attributes or event.partner_attributes
    event.partner_info = {k: v for k, v in (incoming.partner_info or {}).items() if k in PARTNER_KEYS and v} or None
    session.flush()  # the event row, before files point at it
    for expected in incoming.files:
        announce_file(session, expected=expected, now=now, event=event)
    if action is A.ATTACH_DEPOSIT and not incoming.files:
        _take_effect(session, event, case, now)
    session.flush()
    return _shown(session, event, client)


def _shown(session: Session, event: Event, client: ApiClient) -> dict:
    return event_views(session, [event], viewer=client.kind)[0][1]


def _status_event(session, client: ApiClient, case: Case, incoming: IncomingEvent, author: Author, now) -> Event:
    if not incoming.case_new_status:
        raise InvalidInput("caseNewStatus est obligatoire pour un événement STATUS_UPDATE.", field="caseNewStatus")
    target = parse_status(incoming.case_new_status)
    if target is case.status:
        # The contract's order: PATCH the case, then post the event. The PATCH wrote it; add the event's words.
        event = _latest_status_event(session, case, client, target)
        if event is None:
            raise Conflict(
                f"Le télédossier est déjà au statut {target.value} : aucun changement.", field="caseNewStatus"
            )
        _amend(event, client, incoming, now)
        return event
    if case.status is CaseStatus.CLOSED:
        raise Conflict(CLOSED, field="status")
    if client.kind is ApiClientKind.OSL:
        if target is not CaseStatus.CLOSED:
            raise Forbidden("Un opérateur ne peut que clore un télédossier (caseNewStatus CLOSED).")
        operator = session.get(Operator, client.operator_id)
        event = close_case_for_operator(session, case=case, operator=operator, now=now, author=author.name)
        _amend(event, client, incoming, now)
        return event
    message = checked_text(incoming.message, "message", "Le message", required=False)
    event = move_by_software(
        session, client=client, case=case, target=target, message=message, now=now, author=author.name
    )[0]
    _amend(event, client, incoming, now)
    return event


def _latest_status_event(session: Session, case: Case, client: ApiClient, target: CaseStatus) -> Event | None:
    return session.exec(
        select(Event)
        .where(
            Event.case_id == case.id,
            Event.action_type == A.STATUS_UPDATE,
            Event.transmitter_kind == PartyKind(client.kind.value),
            Event.case_status_after == target,
        )
        .order_by(Event.created_at.desc())
        .limit(1)
    ).first()


def _amend(event: Event, client: ApiClient, incoming: IncomingEvent, now: datetime) -> None:
    message = checked_text(incoming.message, "message", "Le message", required=False)
    comment = checked_text(incoming.comment, "comment", "Le commentaire", required=False)
    event.message = message or event.message
    if client.kind is ApiClientKind.SI:
        event.comment = comment or event.comment
    event.updated_at = now


def _software_event(session, client, case: Case, process: Process, action, incoming, author: Author, now) -> Event:
    if action is A.COM_ADD:
        comment = checked_text(incoming.comment, "comment", "Le commentaire", required=True)
        return write_event(session, case, process, action, author, now, comment=comment)
    to_usager = action in (A.SENDING_MESSAGE, A.ATTACH_DEPOSIT)
    message = checked_text(incoming.message, "message", "Le message", required=action is A.SENDING_MESSAGE)
    if action is A.SENDING_MESSAGE and not process.allows_complement:
        raise Forbidden(f"La démarche « {process.label} » ne permet pas d'écrire à l'usager.")
    if action is A.ATTACH_DEPOSIT and not process.allows_file_to_usager:
        raise Forbidden(f"La démarche « {process.label} » ne permet pas d'envoyer un fichier à l'usager.")
    if action in (A.ATTACH_DL, A.ATTACH_DL_ALL):
        check_download(client, case)
    notify = action is A.SENDING_MESSAGE or (not to_usager and bool(incoming.notification))
    event = write_event(session, case, process, action, author, now, message=message, notify=notify)
    if action is A.ATTACH_DEPOSIT:
        event.status = EventStatus.SENT  # taken by the operator once its files are all there
    return event


def _usager_event(session, client, case: Case, process: Process, action, incoming, author: Author, now) -> Event:
    check_usager_update(case)
    message = checked_text(incoming.message, "message", "Le message", required=action is A.SENDING_MESSAGE)
    event = write_event(session, case, process, action, author, now, kind=PartyKind.OSL, message=message)
    event.status = EventStatus.SENT
    if action is A.SENDING_MESSAGE:
        _take_effect(session, event, case, now)
    return event


def _take_effect(session: Session, event: Event, case: Case, now: datetime) -> None:
    """The event is complete: its recipient is notified; the usager's news make the case Nouveau again."""
    mark_notified(event)
    event.updated_at = now
    session.flush()
    if event.transmitter_kind is PartyKind.OSL:
        return_to_new(session, case=case, operator=_operator(session, case), now=now)
        notify_si(session, case=case, event=event, now=now)
    else:
        notify_operator(session, case=case, event=event, now=now)


def _operator(session: Session, case: Case) -> Operator:
    return session.get(Operator, session.get(Process, case.process_id).operator_id)


def _event_of(session: Session, client: ApiClient, case: Case, event_id, *, lock: bool = False) -> Event:
    event = session.get(Event, as_uuid(event_id, EVENT_NOT_FOUND), with_for_update=lock)
    if event is None or event.case_id != case.id or event.action_type not in shown_actions(client.kind):
        raise NotFound(EVENT_NOT_FOUND)
    return event


def _files(session: Session, event: Event) -> list[Attachment]:
    return list(session.exec(select(Attachment).where(Attachment.event_id == event.id)))


def _own(client: ApiClient, event: Event) -> bool:
    return event.transmitter_kind.value == client.kind.value


def read_event(session: Session, *, client: ApiClient, case_id, event_id) -> dict:
    """One event of a case the client reaches (an operator never sees internal comments)."""
    case, _ = case_for(session, client, case_id)
    return _shown(session, _event_of(session, client, case, event_id), client)


def update_event_status(session: Session, *, client: ApiClient, case_id, event_id, status: str, now: datetime) -> None:
    """The recipient of an event says it took it (RECEIVED) — or not yet (SENT)."""
    case, _ = case_for(session, client, case_id)
    event = _event_of(session, client, case, event_id)
    try:
        target = EventStatus(status)
    except ValueError:
        raise InvalidInput(f"Statut d'événement inconnu : « {status} » (SENT ou RECEIVED).", field="status") from None
    if _own(client, event):
        raise Forbidden("Seul le destinataire d'un événement en change le statut de prise en compte.")
    event.status = target
    event.updated_at = now
    session.flush()


def delete_event(session: Session, *, client: ApiClient, case_id, event_id, now: datetime) -> None:
    """Withdraw an ATTACH_DEPOSIT whose files are not all uploaded yet (it has had no effect)."""
    case, _ = case_for(session, client, case_id)
    event = _event_of(session, client, case, event_id, lock=True)
    if not _own(client, event):
        raise Forbidden("Seul l'émetteur d'un événement peut le supprimer.")
    files = _files(session, event)
    in_progress = event.action_type is A.ATTACH_DEPOSIT and not event.notify
    if not in_progress or all(f.status is AttachmentStatus.RECEIVED for f in files):
        raise Conflict(
            "Seul un dépôt de fichiers (ATTACH_DEPOSIT) dont les fichiers ne sont pas tous téléversés peut être "
            "supprimé.",
            field="actionType",
        )
    session.exec(sa.delete(Attachment).where(Attachment.event_id == event.id))
    session.exec(sa.delete(Notification).where(Notification.event_id == event.id))
    session.delete(event)
    session.flush()


def upload_event_attachment(
    session: Session,
    *,
    client: ApiClient,
    case_id,
    event_id,
    attachment_id,
    content: BinaryIO,
    expected_sha256: str | None,
    now: datetime,
    store: AttachmentStore,
) -> None:
    """Receive a file of one's own ATTACH_DEPOSIT; the last one makes the event take effect."""
    case, _ = case_for(session, client, case_id)
    event = _event_of(session, client, case, event_id, lock=True)  # two last files at once: one takes effect
    if not _own(client, event):
        raise Forbidden("Seul l'émetteur d'un événement en dépose les fichiers.")
    attachment = session.get(Attachment, as_uuid(attachment_id, FILE_NOT_FOUND))
    if attachment is None or attachment.event_id != event.id:
        raise NotFound(FILE_NOT_FOUND)
    if event.notify:  # complete already: only the same bytes again
        if same_bytes(attachment, content):
            return
        raise Conflict("Ce dépôt est complet : ses fichiers ne peuvent plus changer.", field="attachments")
    store_file(session, attachment=attachment, content=content, store=store, now=now, expected_sha256=expected_sha256)
    if all(f.status is AttachmentStatus.RECEIVED for f in _files(session, event)):
        _take_effect(session, event, case, now)
    session.flush()


def event_attachment_file(
    session: Session, *, client: ApiClient, case_id, event_id, attachment_id, store: AttachmentStore
):
    """A file of an event of a case the client reaches."""
    case, _ = case_for(session, client, case_id)
    event = _event_of(session, client, case, event_id)
    attachment = session.get(Attachment, as_uuid(attachment_id, FILE_NOT_FOUND))
    if attachment is None or attachment.event_id != event.id:
        raise NotFound(FILE_NOT_FOUND)
    check_download(client, case)
    return file_download(attachment, store)
