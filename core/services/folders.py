"""Delivery of an operator's folder: one case per recipient SI, files stored, history and queues fed.

The API (create → upload → complete), the intake of dropped packages, the quotient-familial form and the
demo data all end here, so a dossier is created the same way whatever its way in.
"""

from dataclasses import dataclass, field
from datetime import datetime

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
class Recipient:
    siret: str
    case_external_id: str


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
    )
    if not receiving:
        raise InvalidInput(
            f"{organization.name} (SIRET {siret}) n'a pas d'abonnement actif à la démarche « {process.label} ».",
            field="recipient",
        )
    return organization, subscription


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
    process = process_by_code(session, incoming.process_code)
    if process.operator_id != operator.id:
        raise InvalidInput(f"La démarche « {process.code} » n'est pas opérée par {operator.code}.", field="processCode")
    if not incoming.recipients:
        raise InvalidInput("Le télédossier doit avoir au moins un destinataire.", field="cases")
    if session.exec(
        select(Folder).where(Folder.operator_id == operator.id, Folder.external_id == incoming.external_id)
    ).first():
        raise Conflict(f"Un télédossier de numéro {incoming.external_id} a déjà été reçu.", field="externalId")
    receivers = [receiving_subscription(session, process, r.siret, now=now) for r in incoming.recipients]
    folder = Folder(
        process_id=process.id,
        operator_id=operator.id,
        external_id=incoming.external_id,
        status=FolderStatus.HUBEE_NOTIFIED,
        applicant_first_name=incoming.applicant_first_name,
        applicant_last_name=incoming.applicant_last_name,
        applicant_email=incoming.applicant_email,
        created_at=now,
        updated_at=now,
        partner_info=incoming.partner_info,
    )
    session.add(folder)
    session.flush()
    _store_files(session, folder, incoming.files, store, now)
    subject = incoming.subject_name or f"{incoming.applicant_first_name} {incoming.applicant_last_name}"
    for recipient, (organization, subscription) in zip(incoming.recipients, receivers, strict=True):
        _open_case(session, folder, process, operator, organization, subscription, recipient, subject, incoming, now)
    return folder


def _store_files(session: Session, folder: Folder, files, store: AttachmentStore, now: datetime) -> None:
    for incoming_file in files:
        stored = store.put_bytes(incoming_file.content)
        session.add(
            Attachment(
                folder_id=folder.id,
                file_name=safe_file_name(incoming_file.file_name),
                type=incoming_file.type,
                mime_type=incoming_file.mime_type,
                size=stored.size,
                sha256=stored.sha256,
                status=AttachmentStatus.RECEIVED,
                recipients=list(incoming_file.recipients) if incoming_file.recipients else None,
                created_at=now,
            )
        )
    session.flush()


def _open_case(
    session, folder, process, operator, organization, subscription, recipient, subject, incoming, now
) -> Case:
    case = Case(
        folder_id=folder.id,
        organization_id=organization.id,
        process_id=process.id,
        subscription_id=subscription.id,
        external_id=recipient.case_external_id,
        status=CaseStatus.HUBEE_NOTIFIED,
        subject_name=subject,
        subject_search=search_key(subject),
        subject_email=incoming.applicant_email,
        transmitted_at=now,
        created_at=now,
        updated_at=now,
        partner_attributes=incoming.partner_attributes,
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
