"""Moving a demo dossier along its life cycle, one history event per step.

Each step checks `core.workflow.check_transition` with the trigger a real person or system would use, so the
demo history is one the portal and the API could have produced. The dossier's status and `updated_at` always
follow its last event.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from core.models import (
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
from core.storage import AttachmentStore
from core.workflow import NEW, Trigger, check_transition


@dataclass(frozen=True)
class Hand:
    """Who acts on the SI side: an agent (with its account) or the SI's business software."""

    name: str
    account_id: int | None = None


def add_event(
    session: Session,
    case: Case,
    action: EventAction,
    *,
    at: datetime,
    author: str,
    kind: PartyKind,
    account_id: int | None = None,
    after: CaseStatus | None = None,
    message: str | None = None,
    comment: str | None = None,
) -> Event:
    """Append one event; `after` is the new status when the event changes it."""
    before = case.status
    # What the SI tells the operator is flagged for the operator's notification queue.
    notify = kind is PartyKind.SI and action in (EventAction.STATUS_UPDATE, EventAction.SENDING_MESSAGE)
    event = Event(
        case_id=case.id,
        action_type=action,
        transmitter_kind=kind,
        author=author,
        author_account_id=account_id,
        message=message,
        comment=comment,
        case_status_before=before,
        case_status_after=after or before,
        status=EventStatus.RECEIVED,
        notify=notify,
        created_at=at,
        updated_at=at,
    )
    session.add(event)
    case.status = after or before
    case.updated_at = at
    return event


def _si_event(session, case: Case, action: EventAction, hand: Hand, at: datetime, **details) -> Event:
    return add_event(
        session, case, action, at=at, author=hand.name, kind=PartyKind.SI, account_id=hand.account_id, **details
    )


def _move(session, case, process: Process, target, trigger, action, at, hand: Hand, message=None) -> Event:
    check_transition(case.status, target, trigger, allows_complement=process.allows_complement, message=message)
    return _si_event(session, case, action, hand, at, after=target, message=message)


def consult(session: Session, case: Case, process: Process, hand: Hand, at: datetime) -> Event:
    """Someone of the SI opens the dossier: the first time, Nouveau becomes Reçu."""
    if case.status in NEW:
        return _move(session, case, process, CaseStatus.SI_RECEIVED, Trigger.OPENED, EventAction.CONSULTATION, at, hand)
    return _si_event(session, case, EventAction.CONSULTATION, hand, at)


def download_all(session: Session, case: Case, process: Process, hand: Hand, at: datetime) -> Event:
    """The dossier's files are downloaded: the first time, Nouveau or Reçu becomes En cours."""
    if case.status in NEW | {CaseStatus.SI_RECEIVED}:
        target, trigger = CaseStatus.IN_PROGRESS, Trigger.DOWNLOADED
        return _move(session, case, process, target, trigger, EventAction.ATTACH_DL_ALL, at, hand)
    return _si_event(session, case, EventAction.ATTACH_DL_ALL, hand, at)


def add_comment(session: Session, case: Case, hand: Hand, at: datetime, text: str) -> Event:
    """An internal comment, seen only by the SI."""
    return _si_event(session, case, EventAction.COM_ADD, hand, at, comment=text)


def decide(
    session: Session,
    case: Case,
    process: Process,
    hand: Hand,
    at: datetime,
    target: CaseStatus,
    message: str | None = None,
) -> list[Event]:
    """An agent's decision (Traité, Refusé, En attente de compléments), reported to the operator.

    A complément request is also a message to the usager, so it is recorded as such too.
    """
    events = [_move(session, case, process, target, Trigger.AGENT, EventAction.STATUS_UPDATE, at, hand, message)]
    if target is CaseStatus.ADD_AWAITING:
        events.append(_si_event(session, case, EventAction.SENDING_MESSAGE, hand, at, message=message))
    return events


def software_update(
    session: Session,
    case: Case,
    process: Process,
    hand: Hand,
    at: datetime,
    target: CaseStatus,
    message: str | None = None,
) -> Event:
    """A status set by the SI's business software through the API."""
    return _move(session, case, process, target, Trigger.SI_SOFTWARE, EventAction.STATUS_UPDATE, at, hand, message)


def usager_complement(
    session: Session,
    case: Case,
    operator: Operator,
    at: datetime,
    *,
    file_name: str,
    content: bytes,
    store: AttachmentStore,
) -> Event:
    """The usager sends the requested complément through the operator: the dossier is Nouveau again."""
    check_transition(case.status, CaseStatus.HUBEE_NOTIFIED, Trigger.USAGER, allows_complement=True)
    event = add_event(
        session,
        case,
        EventAction.ATTACH_DEPOSIT,
        at=at,
        author=operator.name,
        kind=PartyKind.OSL,
        after=CaseStatus.HUBEE_NOTIFIED,
        message="Complément envoyé par l'usager.",
    )
    stored = store.put_bytes(content)
    session.flush()  # the event row must exist before a file points at it
    session.add(
        Attachment(
            event_id=event.id,
            file_name=file_name,
            type="Complément",
            mime_type="application/pdf",
            size=stored.size,
            sha256=stored.sha256,
            status=AttachmentStatus.RECEIVED,
            created_at=at,
        )
    )
    return event


def close_by_operator(session: Session, case: Case, process: Process, operator: Operator, at: datetime) -> Event:
    """The operator closes a dossier the SI has finished with: nothing changes after that."""
    check_transition(
        case.status, CaseStatus.CLOSED, Trigger.OPERATOR_CLOSE, allows_complement=process.allows_complement
    )
    event = add_event(
        session,
        case,
        EventAction.STATUS_UPDATE,
        at=at,
        author=operator.name,
        kind=PartyKind.OSL,
        after=CaseStatus.CLOSED,
    )
    case.closed_at = at
    return event
