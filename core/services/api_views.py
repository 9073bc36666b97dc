"""Loading what a contract view shows: a case with its files and events, events with their transmitters."""

from collections import defaultdict

from sqlmodel import Session, select

from core.models import (
    ApiClientKind,
    Attachment,
    Case,
    Event,
    EventAction,
    Folder,
    Operator,
    Organization,
    Process,
)
from core.services.api_contract import CONTRACT_ACTIONS, case_view, event_view, transmitter_of
from core.services.case_actions import case_attachments


def shown_actions(viewer: ApiClientKind) -> frozenset[EventAction]:
    """The contract's action types; internal comments are for the SI only."""
    return CONTRACT_ACTIONS if viewer is ApiClientKind.SI else CONTRACT_ACTIONS - {EventAction.COM_ADD}


def _by_id(session: Session, model, ids) -> dict:
    ids = set(ids)
    return {row.id: row for row in session.exec(select(model).where(model.id.in_(ids)))} if ids else {}


def event_views(session: Session, events: list[Event], *, viewer: ApiClientKind) -> list[tuple[object, dict]]:
    """(event id, contract view) for each event the viewer may see, in the order given."""
    events = [e for e in events if e.action_type in shown_actions(viewer)]
    if not events:
        return []
    cases = _by_id(session, Case, (e.case_id for e in events))
    organizations = _by_id(session, Organization, (c.organization_id for c in cases.values()))
    processes = _by_id(session, Process, (c.process_id for c in cases.values()))
    operators = _by_id(session, Operator, (p.operator_id for p in processes.values()))
    files = defaultdict(list)
    for attachment in session.exec(
        select(Attachment)
        .where(Attachment.event_id.in_([e.id for e in events]))
        .order_by(Attachment.created_at, Attachment.file_name)
    ):
        files[attachment.event_id].append(attachment)
    views = []
    for event in events:
        case = cases[event.case_id]
        operator = operators[processes[case.process_id].operator_id]
        transmitter = transmitter_of(event, organizations[case.organization_id], operator)
        views.append((event.id, event_view(event, transmitter, files[event.id], viewer=viewer)))
    return views


def case_events(session: Session, case: Case, viewer: ApiClientKind) -> list[Event]:
    """The case's events the viewer may see, oldest first."""
    return list(
        session.exec(
            select(Event)
            .where(Event.case_id == case.id, Event.action_type.in_(sorted(shown_actions(viewer))))
            .order_by(Event.created_at, Event.id)
        )
    )


def full_case_view(session: Session, case: Case, process: Process, *, viewer: ApiClientKind, lite: bool) -> dict:
    """A case as GET /cases/{id} returns it; `lite` leaves out its files and events."""
    folder = session.get(Folder, case.folder_id)
    organization = session.get(Organization, case.organization_id)
    if lite:
        return case_view(case, folder, process, organization, attachments=None, events=None)
    files = sorted(
        (a for a in case_attachments(session, case) if a.folder_id is not None),
        key=lambda a: (a.created_at, a.file_name),
    )
    events = [view for _, view in event_views(session, case_events(session, case, viewer), viewer=viewer)]
    return case_view(case, folder, process, organization, attachments=files, events=events)
