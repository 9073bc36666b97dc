"""The operator's side of the HubEE API: create a folder, upload its files, complete it; read, delete, close.

A folder is created HUBEE_RECEIVED with its cases and files announced; each file's bytes are uploaded (size
and SHA-256 checked, nothing kept when they do not match); HUBEE_COMPLETED then delivers it through
`core.services.folders`, exactly as the other ways in do. Until completion the planned cases (with the ids
already given to the operator) are kept in the folder's `partner_info` under `pendingCases`: the schema has
no other place for recipients before their cases exist, and the contract's partnerInfo never shows it.
"""

import uuid
from dataclasses import replace
from datetime import datetime
from typing import BinaryIO

import sqlalchemy as sa
from sqlmodel import Session, select

from core.errors import Conflict, InvalidInput, NotFound
from core.models import (
    ApiClientKind,
    Attachment,
    AttachmentStatus,
    Case,
    Folder,
    FolderStatus,
    Operator,
    Organization,
    Process,
)
from core.services.api_cases import close_case_for_operator, same_bytes
from core.services.api_clients import ApiClient
from core.services.api_contract import PARTNER_KEYS, folder_case_view, folder_view, si_identifier
from core.services.api_scope import folder_for, require_scope
from core.services.folders import (
    ExpectedFile,
    IncomingFolder,
    Recipient,
    announce_file,
    check_recipients,
    complete_folder,
    open_folder,
    store_file,
)
from core.storage import AttachmentStore

PENDING_KEY = "pendingCases"
FILE_NOT_FOUND = "Cette pièce jointe n'est pas annoncée dans ce dossier."
STATUSES_ACCEPTED = "HUBEE_COMPLETED (livrer le dossier) ou CLOSED (le clore)"


def create_folder(
    session: Session, *, client: ApiClient, incoming: IncomingFolder, files: list[ExpectedFile], now: datetime
) -> dict:
    """Record an operator's folder (HUBEE_RECEIVED) with its cases and files announced; the folder as shown."""
    require_scope(client, ApiClientKind.OSL)
    if not files:
        raise InvalidInput("Le dossier doit annoncer au moins une pièce jointe (attachments).", field="attachments")
    planned = tuple(replace(r, case_id=uuid.uuid4()) for r in incoming.recipients)
    check_recipients(planned, [f.recipients for f in files])
    operator = session.get(Operator, client.operator_id)
    folder = open_folder(session, operator=operator, incoming=replace(incoming, recipients=planned), now=now)
    folder.partner_info = {
        **{k: v for k, v in (incoming.partner_info or {}).items() if k in PARTNER_KEYS and v},
        PENDING_KEY: [_plan(r) for r in planned],
    }
    for expected in files:
        announce_file(session, folder=folder, expected=expected, now=now)
    session.flush()
    return folder_as_shown(session, folder)


def _plan(recipient: Recipient) -> dict:
    return {
        "caseId": str(recipient.case_id),
        "externalId": recipient.case_external_id,
        "siret": recipient.siret,
        "partnerAttributes": recipient.partner_attributes,
    }


def _planned(folder: Folder) -> tuple[Recipient, ...]:
    return tuple(
        Recipient(p["siret"], p["externalId"], p.get("partnerAttributes"), uuid.UUID(p["caseId"]))
        for p in (folder.partner_info or {}).get(PENDING_KEY, [])
    )


def _files(session: Session, folder: Folder) -> list[Attachment]:
    return list(
        session.exec(
            select(Attachment)
            .where(Attachment.folder_id == folder.id)
            .order_by(Attachment.created_at, Attachment.file_name)
        )
    )


def folder_as_shown(session: Session, folder: Folder) -> dict:
    """The contract's Folder: delivered cases, or the planned ones while the folder waits for completion."""
    process = session.get(Process, folder.process_id)
    if folder.status is FolderStatus.HUBEE_RECEIVED:
        planned = _planned(folder)
        sirets = [r.siret for r in planned]
        organizations = {o.siret: o for o in session.exec(select(Organization).where(Organization.siret.in_(sirets)))}
        cases = [_planned_case(r, organizations[r.siret], folder) for r in planned]
    else:
        rows = session.exec(
            select(Case, Organization)
            .join(Organization, Organization.id == Case.organization_id)
            .where(Case.folder_id == folder.id)
            .order_by(Case.external_id)
        ).all()
        cases = [folder_case_view(case, organization) for case, organization in rows]
    return folder_view(folder, process, cases, _files(session, folder))


def _planned_case(recipient: Recipient, organization: Organization, folder: Folder) -> dict:
    return {
        "id": str(recipient.case_id),
        "status": folder.status.value,
        "recipient": si_identifier(organization),
        "externalId": recipient.case_external_id,
        "updateDateTime": None,
        "transmissionDateTime": None,
        "partnerAttributes": recipient.partner_attributes,
    }


def read_folder(session: Session, *, client: ApiClient, folder_id) -> dict:
    """One of the operator's folders as the contract shows it."""
    return folder_as_shown(session, folder_for(session, client, folder_id))


def upload_folder_attachment(
    session: Session,
    *,
    client: ApiClient,
    folder_id,
    attachment_id,
    content: BinaryIO,
    expected_sha256: str | None,
    now: datetime,
    store: AttachmentStore,
) -> None:
    """Receive the bytes of an announced file; the same bytes again are accepted, other bytes after completion not."""
    folder = folder_for(session, client, folder_id)
    attachment = _announced(session, folder, attachment_id)
    if folder.status is not FolderStatus.HUBEE_RECEIVED:
        if attachment.status is AttachmentStatus.RECEIVED and same_bytes(attachment, content):
            return  # a repeated upload of a delivered folder's file
        raise Conflict(
            "Ce dossier est déjà complété : ses pièces jointes ne peuvent plus changer.", field="globalStatus"
        )
    store_file(session, attachment=attachment, content=content, store=store, now=now, expected_sha256=expected_sha256)
    folder.updated_at = now


def _announced(session: Session, folder: Folder, attachment_id) -> Attachment:
    try:
        key = uuid.UUID(str(attachment_id))
    except ValueError:
        raise NotFound(FILE_NOT_FOUND) from None
    attachment = session.get(Attachment, key)
    if attachment is None or attachment.folder_id != folder.id:
        raise NotFound(FILE_NOT_FOUND)
    return attachment


def update_folder_status(
    session: Session, *, client: ApiClient, folder_id, status: str, closed_at: datetime | None = None, now: datetime
) -> None:
    """HUBEE_COMPLETED delivers the folder (once: a repeat changes nothing); CLOSED closes it and its cases."""
    folder = folder_for(session, client, folder_id)
    if status == FolderStatus.HUBEE_COMPLETED.value:
        _complete(session, folder, now)
    elif status == FolderStatus.CLOSED.value:
        _close(session, folder, closed_at or now, now)
    else:
        raise InvalidInput(
            f"Statut global « {status} » non modifiable ici : {STATUSES_ACCEPTED}.", field="globalStatus"
        )


def _complete(session: Session, folder: Folder, now: datetime) -> None:
    if folder.status is FolderStatus.CLOSED:
        raise Conflict("Ce dossier est clos.", field="globalStatus")
    # Claim the folder with a conditional UPDATE: of two simultaneous completions, one delivers, one sees it done.
    claimed = session.exec(
        sa.update(Folder)
        .where(Folder.id == folder.id, Folder.status == FolderStatus.HUBEE_RECEIVED)
        .values(status=FolderStatus.HUBEE_COMPLETED)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        return
    session.refresh(folder)
    operator = session.get(Operator, folder.operator_id)
    complete_folder(session, folder=folder, operator=operator, recipients=_planned(folder), now=now)
    folder.partner_info = {k: v for k, v in folder.partner_info.items() if k != PENDING_KEY} or None
    session.flush()


def _close(session: Session, folder: Folder, closed_at: datetime, now: datetime) -> None:
    if folder.status is FolderStatus.HUBEE_RECEIVED:
        raise Conflict("Ce dossier n'a jamais été complété : supprimez-le au lieu de le clore.", field="globalStatus")
    if folder.status is FolderStatus.CLOSED:
        return
    operator = session.get(Operator, folder.operator_id)
    for case in session.exec(select(Case).where(Case.folder_id == folder.id).order_by(Case.external_id)).all():
        close_case_for_operator(session, case=case, operator=operator, now=now, closed_at=closed_at)
    folder.status = FolderStatus.CLOSED
    folder.closed_at = closed_at
    folder.updated_at = now
    session.flush()


def delete_folder(session: Session, *, client: ApiClient, folder_id, now: datetime) -> None:
    """Delete a folder that was never completed, with its announced files (their bytes go with the orphans)."""
    folder = folder_for(session, client, folder_id)
    if folder.status is not FolderStatus.HUBEE_RECEIVED:
        raise Conflict(
            "Seul un dossier jamais complété (HUBEE_RECEIVED) peut être supprimé ; un dossier livré se clôt.",
            field="globalStatus",
        )
    session.exec(sa.delete(Attachment).where(Attachment.folder_id == folder.id))
    session.delete(folder)
    session.flush()
