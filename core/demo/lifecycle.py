"""Moving a demo dossier along its life cycle, through the services the portal and the API use.

An agent opens, downloads, comments and decides through `core.services.case_actions` (rights checked, history
written, the operator notified); the SI's business software sets statuses as the API does
(`apply_status_change` with Trigger.SI_SOFTWARE); the operator's side (a usager's complément, the closure)
appends its events with `write_event`. So the demo history is one the portal and the API could have produced.
The operator took the notifications of the demo's past long ago: they are acknowledged as they are made.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from core.models import (
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
from core.permissions import Actor
from core.services import case_actions
from core.services.actors import load_actor
from core.services.case_actions import Author, apply_status_change, write_event
from core.storage import AttachmentStore
from core.workflow import Trigger, check_transition

# Who acts on the SI side: an agent (with its account) or the SI's business software (no account).
Hand = Author


def _actor(session: Session, hand: Hand) -> Actor:
    """The agent's rights, read once per load (the demo creates many dossiers for few people)."""
    actors = session.info.setdefault("demo_actors", {})
    if hand.account_id not in actors:
        actors[hand.account_id] = load_actor(session, hand.account_id)
    return actors[hand.account_id]


@contextmanager
def _taken_by_operator(session: Session) -> Iterator[None]:
    """The operator took the notifications of the demo's past long ago: they never reach its queue.

    Listening only while one step runs, so that nothing else done with this session is touched.
    """

    def before_flush(session: Session, _context, _instances) -> None:
        for row in list(session.new):
            if isinstance(row, Notification) and row.recipient_kind is PartyKind.OSL:
                session.expunge(row)
            elif isinstance(row, Event) and row.status is EventStatus.SENT:
                row.status = EventStatus.RECEIVED

    sa.event.listen(session, "before_flush", before_flush)
    try:
        yield
    finally:
        sa.event.remove(session, "before_flush", before_flush)


def consult(session: Session, case: Case, process: Process, hand: Hand, at: datetime) -> None:
    """Someone of the SI opens the dossier: the first time, Nouveau becomes Reçu."""
    with _taken_by_operator(session):
        case_actions.open_case(session, actor=_actor(session, hand), case_id=case.id, now=at)


def download_all(session: Session, case: Case, process: Process, hand: Hand, at: datetime) -> None:
    """The dossier's files are downloaded: the first time, Nouveau or Reçu becomes En cours."""
    with _taken_by_operator(session):
        case_actions.record_download(session, actor=_actor(session, hand), case_id=case.id, now=at)


def add_comment(session: Session, case: Case, hand: Hand, at: datetime, text: str) -> None:
    """An internal comment, seen only by the SI."""
    case_actions.add_comment(session, actor=_actor(session, hand), case_id=case.id, text=text, now=at)


def decide(
    session: Session,
    case: Case,
    process: Process,
    hand: Hand,
    at: datetime,
    target: CaseStatus,
    message: str | None = None,
) -> None:
    """An agent's decision (Traité, Refusé, En attente de compléments), reported to the operator."""
    actor = _actor(session, hand)
    with _taken_by_operator(session):
        case_actions.change_case_status(session, actor=actor, case_id=case.id, target=target, message=message, now=at)


def software_update(
    session: Session,
    case: Case,
    process: Process,
    hand: Hand,
    at: datetime,
    target: CaseStatus,
    message: str | None = None,
) -> None:
    """A status set by the SI's business software through the API."""
    with _taken_by_operator(session):
        apply_status_change(
            session, case=case, author=hand, target=target, message=message, trigger=Trigger.SI_SOFTWARE, now=at
        )


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
    process = session.get(Process, case.process_id)
    event = write_event(
        session,
        case,
        process,
        EventAction.ATTACH_DEPOSIT,
        Author(operator.name),
        at,
        kind=PartyKind.OSL,
        after=CaseStatus.HUBEE_NOTIFIED,
        message="Complément envoyé par l'usager.",
    )
    session.flush()  # the event row must exist before a file points at it
    stored = store.put_bytes(content)
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
    session.flush()
    return event


def close_by_operator(session: Session, case: Case, process: Process, operator: Operator, at: datetime) -> Event:
    """The operator closes a dossier the SI has finished with: nothing changes after that."""
    check_transition(
        case.status, CaseStatus.CLOSED, Trigger.OPERATOR_CLOSE, allows_complement=process.allows_complement
    )
    event = write_event(
        session, case, process, EventAction.STATUS_UPDATE, Author(operator.name), at, kind=PartyKind.OSL,
        after=CaseStatus.CLOSED,
    )  # fmt: skip
    case.closed_at = at
    return event
