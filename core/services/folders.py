"""Delivery of an operator's folder: one case per recipient SI, files stored, history and queues fed.

Delivery goes in steps, as the HubEE API does it: `open_folder` records the folder (HUBEE_RECEIVED),
`announce_file` its files (PENDING), `store_file` receives each file's bytes, `complete_folder` creates the
cases. `deliver_folder` runs them at once for the intake of dropped packages, the
quotient-familial form and the demo data, so a dossier is created the same way whatever its way in.
"""

import io
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from sqlmodel import Session, select

from core.clock import utcnow
from core.config import get_settings
from core.errors import Conflict, InvalidInput, NotFound
from core.models import (
    AccessMode,
    Attachment,
    AttachmentStatus,
    Case,
    CaseStatus,
    Event,
    EventAction,
    EventStatus,
    Folder,
    FolderStatus,
    Notification,
    Operator,
    Organization,
    PartyKind,
    Process,
    Subscription,
    SubscriptionStatus,
)
from core.storage import AttachmentStore, get_store, safe_file_name
from core.text import search_key


@dataclass(frozen=True)
class IncomingFile:
    file_name: str
    type: str
    mime_type: str
    content: bytes
    # Case external ids that receive the file; None: every case of the folder.
    recipients: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ExpectedFile:
    """A file announced with its folder, whose bytes come later (the API's upload step)."""

    file_name: str
    type: str
    mime_type: str
    size: int
    recipients: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Recipient:
    siret: str
    case_external_id: str
    # Technical messages between the operator and this SI (the case's partnerAttributes).
    partner_attributes: str | None = None
    # Set when the case id was already given out before delivery (the API's folder creation).
    case_id: uuid.UUID | None = None


@dataclass(frozen=True)
class IncomingFolder:
    process_code: str
    external_id: str
    applicant_first_name: str
    applicant_last_name: str
    recipients: tuple[Recipient, ...]
    files: tuple[IncomingFile, ...] = ()
    applicant_email: str | None = None
    # Personne concernée when it is not the applicant (the deceased for CERTDC).
    subject_name: str | None = None
    partner_attributes: str | None = None
    partner_info: dict | None = field(default=None, compare=False)


def process_by_code(session: Session, code: str) -> Process:
    process = session.exec(select(Process).where(Process.code == code)).first()
    if process is None:
        raise NotFound(f"La démarche « {code} » n'existe pas dans le catalogue.")
    return process


def receiving_subscription(
    session: Session, process: Process, siret: str, *, now: datetime
) -> tuple[Organization, Subscription]:
    """The recipient SI and its subscription, if it receives this démarche today; a French error otherwise."""
    organization = session.exec(select(Organization).where(Organization.siret == siret)).first()
    if organization is None or not organization.active:
        raise InvalidInput(f"Aucun service instructeur actif n'a le SIRET {siret}.", field="recipient")
    subscription = session.exec(
        select(Subscription).where(
            Subscription.organization_id == organization.id, Subscription.process_id == process.id
        )
    ).first()
    today = now.astimezone(get_settings().zone).date()
    receiving = (
        subscription is not None
        and subscription.status is SubscriptionStatus.ACTIF
        and subscription.activation_date is not None
        and subscription.activation_date <= today
        # A suspension is effective from its date, even before the job switches the status.
        and (subscription.suspension_date is None or subscription.suspension_date > today)
    )
    if not receiving:
        raise InvalidInput(
            f"{organization.name} (SIRET {siret}) n'a pas d'abonnement actif à la démarche « {process.label} ».",
            field="recipient",
        )
    return organization, subscription


def check_recipients(recipients: tuple[Recipient, ...], file_recipients: list[tuple[str, ...] | None]) -> None:
    """At least one recipient, each SI and case number once, files addressed only to the folder's cases."""
    if not recipients:
        raise InvalidInput("Le télédossier doit avoir au moins un destinataire.", field="cases")
    sirets = [r.siret for r in recipients]
    numbers = [r.case_external_id for r in recipients]
    if len(set(sirets)) < len(sirets):
        raise InvalidInput("Un même service instructeur figure deux fois parmi les destinataires.", field="cases")
    if len(set(numbers)) < len(numbers):
        raise InvalidInput("Deux destinataires ont le même numéro de télédossier (externalId).", field="cases")
    for addressed in file_recipients:
        unknown = sorted(set(addressed or ()) - set(numbers))
        if unknown:
            raise InvalidInput(
                f"Une pièce jointe est adressée à un télédossier absent du dossier : {', '.join(unknown)}.",
                field="attachments",
            )


def open_folder(session: Session, *, operator: Operator, incoming: IncomingFolder, now: datetime) -> Folder:
    """Check an operator's folder and record it as received (HUBEE_RECEIVED), before its files and cases."""
    process = process_by_code(session, incoming.process_code)
    if process.operator_id != operator.id:
        raise InvalidInput(f"La démarche « {process.code} » n'est pas opérée par {operator.code}.", field="processCode")
    check_recipients(incoming.recipients, [f.recipients for f in incoming.files])
    existing = session.exec(
        select(Folder).where(Folder.operator_id == operator.id, Folder.external_id == incoming.external_id)
    ).first()
    if existing is not None:
        raise Conflict(
            f"Un télédossier de numéro {incoming.external_id} a déjà été reçu (identifiant {existing.id}).",
            field="externalId",
        )
    for recipient in incoming.recipients:  # fail now rather than at completion
        receiving_subscription(session, process, recipient.siret, now=now)
    folder = Folder(
        process_id=process.id,
        operator_id=operator.id,
        external_id=incoming.external_id,
        status=FolderStatus.HUBEE_RECEIVED,
        applicant_first_name=incoming.applicant_first_name,
        applicant_last_name=incoming.applicant_last_name,
        applicant_email=incoming.applicant_email,
        created_at=now,
        updated_at=now,
        partner_info=incoming.partner_info,
    )
    session.add(folder)
    session.flush()
    return folder


def announce_file(
    session: Session, *, expected: ExpectedFile, now: datetime, folder: Folder | None = None, event: Event | None = None
) -> Attachment:
    """Record a file of a received folder (or of an event); its bytes are awaited (PENDING)."""
    if expected.size < 0 or expected.size > get_settings().max_attachment_bytes:
        limit = get_settings().max_attachment_bytes // (1024 * 1024)
        raise InvalidInput(
            f"La taille annoncée de « {expected.file_name} » est invalide ou dépasse {limit} Mo.", field="size"
        )
    attachment = Attachment(
        folder_id=folder.id if folder else None,
        event_id=event.id if event else None,
        file_name=safe_file_name(expected.file_name),
        type=expected.type,
        mime_type=expected.mime_type,
        size=expected.size,
        status=AttachmentStatus.PENDING,
        recipients=list(expected.recipients) if expected.recipients else None,
        created_at=now,
    )
    session.add(attachment)
    session.flush()
    return attachment


def store_file(
    session: Session,
    *,
    attachment: Attachment,
    content: BinaryIO,
    store: AttachmentStore,
    now: datetime,
    expected_sha256: str | None = None,
) -> Attachment:
    """Store an announced file's bytes: refused, storing nothing, unless size and SHA-256 match the announce."""
    size = content.seek(0, io.SEEK_END)
    content.seek(0)
    if size != attachment.size:
        raise InvalidInput(
            f"Le fichier reçu fait {size} octets, {attachment.size} étaient annoncés pour « {attachment.file_name} ».",
            field="size",
        )
    stored = store.put_stream(content, expected_sha256=expected_sha256)
    attachment.sha256 = stored.sha256
    attachment.status = AttachmentStatus.RECEIVED
    session.flush()
    return attachment


def complete_folder(
    session: Session,
    *,
    folder: Folder,
    operator: Operator,
    recipients: tuple[Recipient, ...],
    now: datetime,
    subject_name: str | None = None,
    partner_attributes: str | None = None,
) -> list[Case]:
    """Deliver a received folder: one case per recipient SI that receives the démarche today."""
    process = session.get(Process, folder.process_id)
    pending = [a.file_name for a in _folder_files(session, folder) if a.status is not AttachmentStatus.RECEIVED]
    if pending:
        raise InvalidInput(f"Pièces jointes pas encore téléversées : {', '.join(pending)}.", field="attachments")
    receivers = [receiving_subscription(session, process, r.siret, now=now) for r in recipients]
    folder.status = FolderStatus.HUBEE_NOTIFIED
    folder.updated_at = now
    subject = subject_name or f"{folder.applicant_first_name} {folder.applicant_last_name}"
    cases = []
    for recipient, (organization, subscription) in zip(recipients, receivers, strict=True):
        attributes = recipient.partner_attributes or partner_attributes
        cases.append(
            _open_case(
                session, folder, process, operator, organization, subscription, recipient, subject, now, attributes
            )
        )
    return cases


def deliver_folder(
    session: Session,
    *,
    operator: Operator,
    incoming: IncomingFolder,
    now: datetime | None = None,
    store: AttachmentStore | None = None,
) -> Folder:
    """Create the folder, its files and one case per recipient, exactly as the hub delivers them."""
    now = now or utcnow()
    store = store or get_store()
    folder = open_folder(session, operator=operator, incoming=incoming, now=now)
    for incoming_file in incoming.files:
        expected = ExpectedFile(
            incoming_file.file_name,
            incoming_file.type,
            incoming_file.mime_type,
            len(incoming_file.content),
            incoming_file.recipients,
        )
        attachment = announce_file(session, folder=folder, expected=expected, now=now)
        store_file(session, attachment=attachment, content=io.BytesIO(incoming_file.content), store=store, now=now)
    complete_folder(
        session,
        folder=folder,
        operator=operator,
        recipients=incoming.recipients,
        now=now,
        subject_name=incoming.subject_name,
        partner_attributes=incoming.partner_attributes,
    )
    return folder


def _folder_files(session: Session, folder: Folder) -> list[Attachment]:
    return list(session.exec(select(Attachment).where(Attachment.folder_id == folder.id)))


def _open_case(
    session, folder, process, operator, organization, subscription, recipient, subject, now, partner_attributes
) -> Case:
    case = Case(
        id=recipient.case_id or uuid.uuid4(),
        folder_id=folder.id,
        organization_id=organization.id,
        process_id=process.id,
        subscription_id=subscription.id,
        external_id=recipient.case_external_id,
        status=CaseStatus.HUBEE_NOTIFIED,
        subject_name=subject,
        subject_search=search_key(subject),
        subject_email=folder.applicant_email,
        transmitted_at=now,
        created_at=now,
        updated_at=now,
        partner_attributes=partner_attributes,
    )
    session.add(case)
    session.flush()
    event = Event(
        case_id=case.id,
        action_type=EventAction.TRANSMISSION,
        transmitter_kind=PartyKind.OSL,
        author=operator.name,
        case_status_after=CaseStatus.HUBEE_NOTIFIED,
        status=EventStatus.RECEIVED,
        created_at=now,
        updated_at=now,
    )
    session.add(event)
    if subscription.access_mode is AccessMode.API:
        session.add(
            Notification(
                recipient_kind=PartyKind.SI,
                subscription_id=subscription.id,
                process_id=process.id,
                case_id=case.id,
                created_at=now,
            )
        )
    session.flush()
    return case
