"""Folders: the operator's side (scope OSL) — create, upload the files, complete, read, close, delete."""

import uuid

from fastapi import APIRouter, Depends, Request, status

from api.calls import BINARY_BODY, ERRORS, call, json, no_content, require_patch_override, store_upload
from api.deps import Client, DigestHeader, Partner, now, partner_info
from api.schemas import FolderIn, FolderOut, FolderStatusIn
from core.services import api_folders
from core.services.folders import ExpectedFile, IncomingFolder, Recipient

router = APIRouter(prefix="/teledossiers/v1", tags=["Folders"], dependencies=[Depends(partner_info)])


def _incoming(body: FolderIn, partner: dict | None) -> tuple[IncomingFolder, list[ExpectedFile]]:
    recipients = tuple(
        Recipient(
            siret=c.recipient.companyRegister, case_external_id=c.externalId, partner_attributes=c.partnerAttributes
        )
        for c in body.cases
    )
    incoming = IncomingFolder(
        process_code=body.processCode,
        external_id=body.externalId,
        applicant_first_name=body.applicant.firstName,
        applicant_last_name=body.applicant.lastName,
        applicant_email=body.applicant.email,
        recipients=recipients,
        partner_info=partner,
    )
    files = [
        ExpectedFile(a.fileName, a.type, a.mimeType, a.size, tuple(a.recipients) if a.recipients else None)
        for a in body.attachments
    ]
    return incoming, files


@router.post(
    "/folders",
    status_code=status.HTTP_201_CREATED,
    response_model=FolderOut,
    responses=ERRORS,
    summary="Create a new folder",
)
def create_folder(body: FolderIn, client: Client, partner: Partner):
    """Le dossier est créé HUBEE_RECEIVED avec ses cases et ses pièces jointes annoncées (PENDING)."""
    incoming, files = _incoming(body, partner)
    folder = call(api_folders.create_folder, client=client, incoming=incoming, files=files, now=now())
    return json(folder, status.HTTP_201_CREATED)


@router.get("/folders/{folderId}", response_model=FolderOut, responses=ERRORS, summary="Find folder by Id")
def get_folder(folderId: uuid.UUID, client: Client):
    return json(call(api_folders.read_folder, client=client, folder_id=folderId))


def _update(folder_id: uuid.UUID, body: FolderStatusIn, client) -> None:
    call(
        api_folders.update_folder_status,
        client=client,
        folder_id=folder_id,
        status=body.globalStatus,
        closed_at=body.closeDateTime,
        now=now(),
    )


@router.patch("/folders/{folderId}", status_code=204, responses=ERRORS, summary="Update an existing folder")
def update_folder(folderId: uuid.UUID, body: FolderStatusIn, client: Client):
    """HUBEE_COMPLETED livre le dossier (une case par destinataire) ; CLOSED le clôt avec ses cases."""
    _update(folderId, body, client)
    return no_content()


@router.post(
    "/folders/{folderId}",
    status_code=204,
    responses={**ERRORS, 405: ERRORS[400]},
    dependencies=[Depends(require_patch_override)],
    summary="Update an existing folder (X-HTTP-Method-Override: PATCH)",
)
def update_folder_with_post(folderId: uuid.UUID, body: FolderStatusIn, client: Client):
    _update(folderId, body, client)
    return no_content()


@router.delete("/folders/{folderId}", status_code=204, responses=ERRORS, summary="Delete an existing folder")
def delete_folder(folderId: uuid.UUID, client: Client):
    """Seul un dossier jamais complété (HUBEE_RECEIVED) peut être supprimé."""
    call(api_folders.delete_folder, client=client, folder_id=folderId, now=now())
    return no_content()


@router.put(
    "/folders/{folderId}/attachments/{attachmentId}",
    status_code=204,
    responses=ERRORS,
    openapi_extra=BINARY_BODY,
    summary="Upload a new folder attachment",
)
async def upload_folder_attachment(
    folderId: uuid.UUID,
    attachmentId: uuid.UUID,
    request: Request,
    client: Client,
    digest: DigestHeader = None,
):
    """Le contenu binaire d'une pièce jointe annoncée ; taille et empreinte (digest) vérifiées."""
    return await store_upload(
        request, digest, api_folders.upload_folder_attachment, client=client, folder_id=folderId,
        attachment_id=attachmentId,
    )  # fmt: skip
