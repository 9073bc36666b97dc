"""Cases and their events: the SI's software (scope SI) and the operator (scope OSL) on the same télédossiers."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from api.calls import (
    BINARY_BODY,
    ERRORS,
    FILE_RESPONSE,
    call,
    file_response,
    json,
    no_content,
    require_patch_override,
    store_upload,
)
from api.deps import Client, DigestHeader, Partner, now, partner_info
from api.schemas import CaseOut, CaseStatusIn, EventIn, EventOut, EventStatusIn
from core.services import api_cases, api_events
from core.services.api_events import IncomingEvent
from core.services.folders import ExpectedFile
from core.storage import get_store

router = APIRouter(prefix="/teledossiers/v1", tags=["Cases"], dependencies=[Depends(partner_info)])
TRUE = {"true", "1", "yes", "oui"}
EVENT = "/cases/{caseId}/events/{eventId}"
PATCH_OVERRIDE = [Depends(require_patch_override)]
WITH_405 = {**ERRORS, 405: ERRORS[400]}


@router.get("/cases/{caseId}", response_model=CaseOut, responses=ERRORS, summary="Find case by id")
def get_case(caseId: uuid.UUID, client: Client, lite: Annotated[str | None, Query(max_length=14)] = None):
    """Le télédossier ; `lite=true` le donne sans pièces jointes ni événements."""
    lite_view = (lite or "").strip().lower() in TRUE
    return json(call(api_cases.read_case, client=client, case_id=caseId, lite=lite_view))


def _patch_case(case_id: uuid.UUID, body: CaseStatusIn, client) -> None:
    call(api_cases.update_case_status, client=client, case_id=case_id, status=body.status, now=now())


@router.patch("/cases/{caseId}", status_code=204, responses=ERRORS, summary="Update an existing case")
def update_case(caseId: uuid.UUID, body: CaseStatusIn, client: Client):
    """Change le statut (logiciel métier : transitions du portail ; opérateur : CLOSED) ; même statut : rien."""
    _patch_case(caseId, body, client)
    return no_content()


@router.post("/cases/{caseId}", status_code=204, responses=WITH_405, dependencies=PATCH_OVERRIDE)
def update_case_with_post(caseId: uuid.UUID, body: CaseStatusIn, client: Client):
    """Update an existing case (X-HTTP-Method-Override: PATCH)."""
    _patch_case(caseId, body, client)
    return no_content()


@router.get("/cases/{caseId}/attachments/{attachmentId}", responses=FILE_RESPONSE, summary="Download attachment")
def download_case_attachment(caseId: uuid.UUID, attachmentId: uuid.UUID, client: Client):
    download = call(
        api_cases.case_attachment_file, client=client, case_id=caseId, attachment_id=attachmentId, store=get_store()
    )
    return file_response(download)


def _incoming_event(body: EventIn, partner: dict | None) -> IncomingEvent:
    return IncomingEvent(
        action_type=body.actionType,
        message=body.message,
        comment=body.comment,
        author=body.author,
        notification=body.notification,
        case_new_status=body.caseNewStatus,
        partner_attributes=body.partnerAttributes,
        files=tuple(ExpectedFile(a.fileName, a.type, a.mimeType, a.size) for a in body.attachments),
        partner_info=partner,
    )


@router.post(
    "/cases/{caseId}/events",
    status_code=status.HTTP_201_CREATED,
    response_model=EventOut,
    responses=ERRORS,
    summary="Create a new event",
)
def create_event(caseId: uuid.UUID, body: EventIn, client: Client, partner: Partner):
    """STATUS_UPDATE (avec caseNewStatus), SENDING_MESSAGE, COM_ADD, ATTACH_DL, ATTACH_DL_ALL, ATTACH_DEPOSIT."""
    incoming = _incoming_event(body, partner)
    event = call(api_events.create_event, client=client, case_id=caseId, incoming=incoming, now=now())
    return json(event, status.HTTP_201_CREATED)


@router.get(EVENT, response_model=EventOut, responses=ERRORS, summary="Find event by Id")
def get_event(caseId: uuid.UUID, eventId: uuid.UUID, client: Client):
    return json(call(api_events.read_event, client=client, case_id=caseId, event_id=eventId))


def _patch_event(case_id, event_id, body: EventStatusIn, client) -> None:
    call(
        api_events.update_event_status, client=client, case_id=case_id, event_id=event_id, status=body.status, now=now()
    )


@router.patch(EVENT, status_code=204, responses=ERRORS, summary="Update an existing event")
def update_event(caseId: uuid.UUID, eventId: uuid.UUID, body: EventStatusIn, client: Client):
    """Le destinataire de l'événement indique qu'il l'a pris en compte (RECEIVED)."""
    _patch_event(caseId, eventId, body, client)
    return no_content()


@router.post(EVENT, status_code=204, responses=WITH_405, dependencies=PATCH_OVERRIDE)
def update_event_with_post(caseId: uuid.UUID, eventId: uuid.UUID, body: EventStatusIn, client: Client):
    """Update an existing event (X-HTTP-Method-Override: PATCH)."""
    _patch_event(caseId, eventId, body, client)
    return no_content()


@router.delete(EVENT, status_code=204, responses=ERRORS, summary="Delete an existing event")
def delete_event(caseId: uuid.UUID, eventId: uuid.UUID, client: Client):
    """Seul un ATTACH_DEPOSIT dont les fichiers ne sont pas tous téléversés peut être supprimé."""
    call(api_events.delete_event, client=client, case_id=caseId, event_id=eventId, now=now())
    return no_content()


@router.put(
    EVENT + "/attachments/{attachmentId}",
    status_code=204,
    responses=ERRORS,
    openapi_extra=BINARY_BODY,
    summary="Upload a new event attachment",
)
async def upload_event_attachment(
    caseId: uuid.UUID,
    eventId: uuid.UUID,
    attachmentId: uuid.UUID,
    request: Request,
    client: Client,
    digest: DigestHeader = None,
):
    return await store_upload(
        request, digest, api_events.upload_event_attachment, client=client, case_id=caseId, event_id=eventId,
        attachment_id=attachmentId,
    )  # fmt: skip


@router.get(EVENT + "/attachments/{attachmentId}", responses=FILE_RESPONSE, summary="Download attachment")
def download_event_attachment(caseId: uuid.UUID, eventId: uuid.UUID, attachmentId: uuid.UUID, client: Client):
    download = call(
        api_events.event_attachment_file,
        client=client,
        case_id=caseId,
        event_id=eventId,
        attachment_id=attachmentId,
        store=get_store(),
    )
    return file_response(download)
