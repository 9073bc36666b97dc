"""Notifications: each client's queue (an SI's software, an operator), polled then emptied."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.calls import ERRORS, call, json, no_content
from api.deps import Client, now, partner_info
from api.schemas import NotificationOut
from core.services import api_notifications

router = APIRouter(prefix="/teledossiers/v1", tags=["Notifications"], dependencies=[Depends(partner_info)])


def _codes(values: list[str] | None) -> list[str]:
    """Repeated parameters (?processCode=A&processCode=B) or a comma-separated list."""
    return [code.strip() for value in values or [] for code in value.split(",") if code.strip()]


@router.get("/notifications", response_model=list[NotificationOut], responses=ERRORS, summary="Find notifications")
def list_notifications(
    client: Client,
    maxResult: Annotated[float | None, Query(description="Nombre maximal (50 par défaut)")] = None,
    processCode: Annotated[list[str] | None, Query()] = None,
    processPriority: Annotated[list[str] | None, Query()] = None,
    eventDetails: Annotated[bool, Query(description="Joindre l'événement notifié")] = False,
):
    """La file du client, la plus ancienne d'abord (les démarches de processPriority en tête)."""
    notifications = call(
        api_notifications.list_notifications,
        client=client,
        max_result=None if maxResult is None else int(maxResult),
        process_codes=_codes(processCode),
        priority_codes=_codes(processPriority),
        event_details=eventDetails,
    )
    return json(notifications)


@router.delete("/notifications/{notificationId}", status_code=204, responses=ERRORS, summary="Delete a notification")
def delete_notification(notificationId: uuid.UUID, client: Client):
    call(api_notifications.delete_notification, client=client, notification_id=notificationId, now=now())
    return no_content()
