"""What the SI does with a télédossier (SPEC §6): open, download, change status, message, comment.

One function per action, for the portal and the API alike. Each writes the case's history (the contract's
action types, plus CONSULTATION), keeps `case.updated_at` at its last event, and queues a notification for
the operator when the operator must know (status changes, messages and files to the usager). Automatic
transitions (first opening → Reçu, first download → En cours) are STATUS_UPDATE events of their own without
an account: the box makes them; the CONSULTATION or download event just before names the person.
Files (download, ZIP, a file sent to the usager) are in `core.services.case_files`.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlmodel import Session, select

from core.errors import DomainError, InvalidInput, NotFound
from core.models import (
    Account,
    Attachment,
    Case,
    CaseStatus,
    Event,
    EventAction,
    EventStatus,
    Folder,
    Notification,
    PartyKind,
    Process,
    Subscription,
)
from core.permissions import (
    Actor,
    CaseRef,
    case_ref,
    may_change_case_status,
    may_comment_case,
    may_download_case,
    may_edit_comment,
    may_view_case,
    may_write_to_usager,
    require,
)
from core.workflow import NEW, Trigger, check_transition

NOT_VISIBLE = "Ce télédossier n'existe pas ou vous n'y avez pas accès."
MAX_TEXT = 1000  # Event.message and Event.comment
# The same person reopening a dossier within this delay is the same visit: one CONSULTATION in the history.
SAME_VISIT = timedelta(minutes=10)
FILE_ORDER = (Attachment.created_at, Attachment.file_name, Attachment.id)  # files of one delivery share an instant


@dataclass(frozen=True)
class Author:
    """Who acts for the SI: an agent (with its account) or the business software of an API subscription."""

    name: str
    account_id: int | None = None


@dataclass(frozen=True)
class OpenedCase:
    """A case the actor may see, with its démarche and the facts the rules read."""

    case: Case
    process: Process
    ref: CaseRef


class BulkOutcome(NamedTuple):
    case_id: object
    external_id: str | None
    ok: bool
    message: str


def author_for(session: Session, actor: Actor) -> Author:
    """The agent as the history names it: full name and account."""
    account = session.get(Account, actor.id)
    return Author(account.full_name if account else "Compte inconnu", actor.id)


def _uuid(value) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def visible_case(session: Session, *, actor: Actor, case_id) -> OpenedCase:
    """The case if `actor` may see it; NotFound with the same words whether it exists or not."""
    key = _uuid(case_id)
    case = session.get(Case, key) if key else None
    if case is None:
        raise NotFound(NOT_VISIBLE)
    subscription = session.get(Subscription, case.subscription_id) if case.subscription_id else None
    ref = case_ref(case, subscription)
    if not may_view_case(actor, ref):
        raise NotFound(NOT_VISIBLE)
    return OpenedCase(case, session.get(Process, case.process_id), ref)


def case_attachments(session: Session, case: Case) -> list[Attachment]:
    """The files of one dossier: its folder's files meant for it, then files of its events, oldest first."""
    folder_files = session.exec(
        select(Attachment).where(Attachment.folder_id == case.folder_id).order_by(*FILE_ORDER)
    ).all()
    event_files = session.exec(
        select(Attachment)
        .join(Event, Attachment.event_id == Event.id)
        .where(Event.case_id == case.id)
        .order_by(*FILE_ORDER)
    ).all()
    mine = [a for a in folder_files if a.recipients is None or case.external_id in a.recipients]
    return mine + list(event_files)


def checked_text(value: str | None, field: str, label: str, *, required: bool) -> str | None:
    """A message or comment, stripped; None when blank; a French error when missing or too long."""
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"{label} est obligatoire.", field=field)
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{label} ne doit pas dépasser {MAX_TEXT} caractères.", field=field)
    return text or None


def write_event(
    session: Session,
    case: Case,
    process: Process,
    action: EventAction,
    author: Author,
    now: datetime,
    *,
    kind: PartyKind = PartyKind.SI,
    after: CaseStatus | None = None,
    message: str | None = None,
    comment: str | None = None,
    notify: bool = False,
) -> Event:
    """Append one event to the history (`after`: the new status); the single way a case's history grows.

    Flush before adding a row that points at the event (a file): the models declare no relationships, so the
    unit of work does not order such inserts.
    """
    before = case.status
    event = Event(
        case_id=case.id,
        action_type=action,
        transmitter_kind=kind,
        author=author.name,
        author_account_id=author.account_id,
        message=message,
        comment=comment,
        case_status_before=before,
        case_status_after=after or before,
        # SENT until the operator takes it; an event nobody has to take is received as written.
        status=EventStatus.SENT if notify else EventStatus.RECEIVED,
        notify=notify,
        created_at=now,
        updated_at=now,
    )
    session.add(event)
    case.status = after or before
    case.updated_at = now
    if notify:
        _queue_for_operator(session, event, case, process, now)
    return event


def _queue_for_operator(session: Session, event: Event, case: Case, process: Process, now: datetime) -> None:
    session.flush()  # the notification points at the event row
    session.add(
        Notification(
            recipient_kind=PartyKind.OSL,
            operator_id=process.operator_id,
            process_id=process.id,
            case_id=case.id,
            event_id=event.id,
            created_at=now,
        )
    )


def _automatic_move(session, opened: OpenedCase, target: CaseStatus, trigger: Trigger, author: Author, now) -> None:
    case, process = opened.case, opened.process
    check_transition(case.status, target, trigger, allows_complement=process.allows_complement)
    write_event(session, case, process, EventAction.STATUS_UPDATE, Author(author.name), now, after=target, notify=True)


def _visited_recently(session: Session, case: Case, account_id: int, now: datetime) -> bool:
    earlier = select(Event.id).where(
        Event.case_id == case.id,
        Event.created_at > now - SAME_VISIT,
        Event.action_type == EventAction.CONSULTATION,
        Event.author_account_id == account_id,
    )
    return session.exec(earlier).first() is not None


def open_case(session: Session, *, actor: Actor, case_id, now: datetime) -> Case:
    """Open a dossier: a CONSULTATION in its history; the SI's first opening makes a Nouveau dossier Reçu."""
    opened = visible_case(session, actor=actor, case_id=case_id)
    case, author = opened.case, author_for(session, actor)
    if case.status in NEW or not _visited_recently(session, case, actor.id, now):
        write_event(session, case, opened.process, EventAction.CONSULTATION, author, now)
    # A read-only dossier belongs to the other modality: opening it in the portal changes nothing.
    if case.status in NEW and not opened.ref.read_only:
        _automatic_move(session, opened, CaseStatus.SI_RECEIVED, Trigger.OPENED, author, now)
    session.flush()
    return case


def record_download(session: Session, *, actor: Actor, case_id, attachment_id=None, now: datetime) -> Event:
    """Record a download (one file, or all when `attachment_id` is None); the first one makes it En cours."""
    opened = visible_case(session, actor=actor, case_id=case_id)
    require(may_download_case(actor, opened.ref))
    case, author = opened.case, author_for(session, actor)
    if attachment_id is None:
        event = write_event(session, case, opened.process, EventAction.ATTACH_DL_ALL, author, now)
    else:
        attachment = next((a for a in case_attachments(session, case) if a.id == _uuid(attachment_id)), None)
        if attachment is None:
            raise NotFound("Cette pièce jointe n'existe pas dans ce télédossier.")
        event = write_event(
            session, case, opened.process, EventAction.ATTACH_DL, author, now, message=attachment.file_name
        )
    if case.status in NEW | {CaseStatus.SI_RECEIVED}:
        _automatic_move(session, opened, CaseStatus.IN_PROGRESS, Trigger.DOWNLOADED, author, now)
    session.flush()
    return event


def apply_status_change(
    session: Session,
    *,
    case: Case,
    author: Author,
    target: CaseStatus,
    message: str | None = None,
    trigger: Trigger = Trigger.AGENT,
    now: datetime,
) -> list[Event]:
    """Move a case after the caller checked who acts (portal: `change_case_status`; API: the client's scope)."""
    process = session.get(Process, case.process_id)
    check_transition(case.status, target, trigger, allows_complement=process.allows_complement, message=message)
    text = checked_text(message, "message", "Le message", required=False)
    events = [
        write_event(
            session, case, process, EventAction.STATUS_UPDATE, author, now, after=target, message=text, notify=True
        )
    ]
    if target is CaseStatus.ADD_AWAITING:  # the complément request is also a message to the usager
        events.append(
            write_event(session, case, process, EventAction.SENDING_MESSAGE, author, now, message=text, notify=True)
        )
    session.get(Folder, case.folder_id).updated_at = now
    session.flush()
    return events


def change_case_status(
    session: Session,
    *,
    actor: Actor,
    case_id,
    target: CaseStatus,
    message: str | None = None,
    now: datetime,
    trigger: Trigger = Trigger.AGENT,
) -> Case:
    """Set a dossier's status (Gestion des télédossiers; a reason for Refusé, a message for a complément)."""
    opened = visible_case(session, actor=actor, case_id=case_id)
    require(may_change_case_status(actor, opened.ref))
    author = author_for(session, actor)
    apply_status_change(
        session, case=opened.case, author=author, target=target, message=message, trigger=trigger, now=now
    )
    return opened.case


def mark_cases_done(session: Session, *, actor: Actor, case_ids, now: datetime) -> list[BulkOutcome]:
    """Mark each dossier Traité on its own (a SAVEPOINT each): one refused never cancels the others."""
    return [_mark_done(session, actor, case_id, now) for case_id in dict.fromkeys(case_ids)]


def _mark_done(session: Session, actor: Actor, case_id, now: datetime) -> BulkOutcome:
    external_id = None
    try:
        with session.begin_nested():
            opened = visible_case(session, actor=actor, case_id=case_id)
            external_id = opened.case.external_id
            if opened.case.status is CaseStatus.DONE:
                return BulkOutcome(case_id, external_id, False, "Déjà au statut « Traité » : rien à changer.")
            change_case_status(session, actor=actor, case_id=case_id, target=CaseStatus.DONE, now=now)
    except DomainError as exc:
        return BulkOutcome(case_id, external_id, False, exc.message)
    return BulkOutcome(case_id, external_id, True, "Passé au statut « Traité ».")


def send_message_to_usager(session: Session, *, actor: Actor, case_id, message: str, now: datetime) -> Event:
    """A message to the usager, relayed by the operator (démarches that allow a complément request)."""
    opened = visible_case(session, actor=actor, case_id=case_id)
    require(may_write_to_usager(actor, opened.ref, demarche_allows=opened.process.allows_complement))
    text = checked_text(message, "message", "Le message à l'usager", required=True)
    author = author_for(session, actor)
    event = write_event(
        session, opened.case, opened.process, EventAction.SENDING_MESSAGE, author, now, message=text, notify=True
    )
    session.flush()
    return event


def add_comment(session: Session, *, actor: Actor, case_id, text: str, now: datetime) -> Event:
    """An internal comment, seen by the SI only (never sent to the operator)."""
    opened = visible_case(session, actor=actor, case_id=case_id)
    require(may_comment_case(actor, opened.ref))
    comment = checked_text(text, "comment", "Le commentaire", required=True)
    author = author_for(session, actor)
    event = write_event(session, opened.case, opened.process, EventAction.COM_ADD, author, now, comment=comment)
    session.flush()
    return event


def edit_comment(session: Session, *, actor: Actor, event_id, text: str, now: datetime) -> Event:
    """Change the text of one's own internal comment, until the dossier is Clos."""
    key = _uuid(event_id)
    event = session.get(Event, key) if key else None
    if event is None or event.action_type is not EventAction.COM_ADD:
        raise NotFound("Ce commentaire n'existe pas.")
    opened = visible_case(session, actor=actor, case_id=event.case_id)
    require(may_edit_comment(actor, opened.ref, event.author_account_id))
    event.comment = checked_text(text, "comment", "Le commentaire", required=True)
    event.updated_at = now
    session.flush()
    return event
