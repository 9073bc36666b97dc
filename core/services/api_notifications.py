"""The API clients' notification queues: what is new for an SI's software or for an operator.

A business software polls its queue (oldest first), reads what each notification points at, then deletes
it. Cases delivered to an API-mode subscription, and the operators' events on them, feed the SI queues; the
SI's status changes, messages and files feed the operator's queue (see `case_actions.write_event`).
"""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from core.errors import InvalidInput, NotFound
from core.models import (
    AccessMode,
    ApiClientKind,
    Case,
    Event,
    Notification,
    Operator,
    Organization,
    PartyKind,
    Process,
    Subscription,
)
from core.services.api_clients import ApiClient
from core.services.api_contract import notification_view, osl_identifier, si_identifier
from core.services.api_scope import as_uuid
from core.services.api_views import event_views

DEFAULT_MAX_RESULT = 50
MAX_RESULT = 1000
NOTIFICATION_NOT_FOUND = "Cette notification n'existe pas."


def notify_si(session: Session, *, case: Case, event: Event | None, now: datetime) -> Notification | None:
    """Queue a notification for the case's SI software, when its subscription is in API mode."""
    subscription = session.get(Subscription, case.subscription_id) if case.subscription_id else None
    if subscription is None or subscription.access_mode is not AccessMode.API:
        return None  # a portal subscription hears of it by email, per its notification frequency
    notification = Notification(
        recipient_kind=PartyKind.SI,
        subscription_id=subscription.id,
        process_id=case.process_id,
        case_id=case.id,
        event_id=event.id if event else None,
        created_at=now,
    )
    session.add(notification)
    session.flush()
    return notification


def notify_operator(session: Session, *, case: Case, event: Event, now: datetime) -> Notification:
    """Queue a notification for the operator of the case's démarche (an SI's event it must know about)."""
    process = session.get(Process, case.process_id)
    notification = Notification(
        recipient_kind=PartyKind.OSL,
        operator_id=process.operator_id,
        process_id=process.id,
        case_id=case.id,
        event_id=event.id,
        created_at=now,
    )
    session.add(notification)
    session.flush()
    return notification


def _queue_clause(client: ApiClient):
    if client.kind is ApiClientKind.SI:
        return sa.and_(
            Notification.recipient_kind == PartyKind.SI, Notification.subscription_id == client.subscription_id
        )
    return sa.and_(Notification.recipient_kind == PartyKind.OSL, Notification.operator_id == client.operator_id)


def _rows(session: Session, client: ApiClient, max_result: int, process_codes: list[str], priority: list[str]):
    """The queue's rows as plain columns (the polling path: no ORM objects to build)."""
    statement = (
        select(
            Notification.id,
            Notification.case_id,
            Notification.event_id,
            Notification.created_at,
            Process.code,
            Case.organization_id,
        )
        .join(Process, Process.id == Notification.process_id)
        .outerjoin(Case, Case.id == Notification.case_id)
        .where(_queue_clause(client))
    )
    if process_codes:
        statement = statement.where(Process.code.in_(process_codes))
    order = [Notification.created_at, Notification.id]
    if priority:
        order.insert(0, sa.case((Process.code.in_(priority), 0), else_=1))
    return session.exec(statement.order_by(*order).limit(max_result)).all()


def list_notifications(
    session: Session,
    *,
    client: ApiClient,
    max_result: int | None = None,
    process_codes: list[str] | None = None,
    priority_codes: list[str] | None = None,
    event_details: bool = False,
) -> list[dict]:
    """The client's queue, oldest first (the `priority_codes` démarches before the others), at most `max_result`."""
    limit = DEFAULT_MAX_RESULT if max_result is None else max_result
    if limit < 1 or limit > MAX_RESULT:
        raise InvalidInput(f"maxResult doit être compris entre 1 et {MAX_RESULT}.", field="maxResult")
    rows = _rows(session, client, limit, process_codes or [], priority_codes or [])
    me, others = _identities(session, client, {row.organization_id for row in rows if row.organization_id})
    details = _event_details(session, client, [row.event_id for row in rows if row.event_id]) if event_details else {}
    views = []
    for row in rows:
        view = notification_view(row, me, others.get(row.organization_id) or others.get(None), row.code)
        if row.event_id in details:
            view["event"] = details[row.event_id]
        views.append(view)
    return views


def _identities(session: Session, client: ApiClient, organization_ids: set[int]) -> tuple[dict, dict]:
    """(the client as recipient, the transmitters by organization id) as OrganizationIdentifiers."""
    operator = session.get(Operator, client.operator_id)
    if client.kind is ApiClientKind.SI:
        return si_identifier(session.get(Organization, client.organization_id)), {None: osl_identifier(operator)}
    organizations = session.exec(select(Organization).where(Organization.id.in_(organization_ids))).all()
    return osl_identifier(operator), {o.id: si_identifier(o) for o in organizations}


def _event_details(session: Session, client: ApiClient, event_ids: list) -> dict:
    events = session.exec(select(Event).where(Event.id.in_(event_ids))).all() if event_ids else []
    return dict(event_views(session, events, viewer=client.kind))


def delete_notification(session: Session, *, client: ApiClient, notification_id, now: datetime) -> None:
    """Remove a notification the client has dealt with; NotFound for anyone else's."""
    notification = session.get(Notification, as_uuid(notification_id, NOTIFICATION_NOT_FOUND))
    if notification is None or not _in_queue(client, notification):
        raise NotFound(NOTIFICATION_NOT_FOUND)
    session.delete(notification)
    session.flush()


def _in_queue(client: ApiClient, notification: Notification) -> bool:
    if client.kind is ApiClientKind.SI:
        return notification.recipient_kind is PartyKind.SI and notification.subscription_id == client.subscription_id
    return notification.recipient_kind is PartyKind.OSL and notification.operator_id == client.operator_id
