"""HubEE's transport model: folders sent by operators, one case per recipient SI, files, events.

A `Case` is what the portal calls a télédossier. Names and enums follow the Folder API 1.2.7 so that the
API speaks the contract without translation.
"""

import uuid
from datetime import datetime
from enum import Enum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.clock import utcnow
from core.models.types import enum_column, json_column, utc_column


class FolderStatus(str, Enum):
    HUBEE_RECEIVED = "HUBEE_RECEIVED"
    HUBEE_COMPLETED = "HUBEE_COMPLETED"
    HUBEE_NOTIFIED = "HUBEE_NOTIFIED"
    CLOSED = "CLOSED"


class CaseStatus(str, Enum):
    HUBEE_NOTIFIED = "HUBEE_NOTIFIED"
    SENT = "SENT"
    SI_RECEIVED = "SI_RECEIVED"
    SI_INTG_ERROR = "SI_INTG_ERROR"
    IN_PROGRESS = "IN_PROGRESS"
    ADD_AWAITING = "ADD_AWAITING"
    REFUSED = "REFUSED"
    DONE = "DONE"
    CLOSED = "CLOSED"


class AttachmentStatus(str, Enum):
    PENDING = "PENDING"
    RECEIVED = "RECEIVED"
    CORRUPTED = "CORRUPTED"
    REJECTED = "REJECTED"


class EventAction(str, Enum):
    # The contract's action types…
    STATUS_UPDATE = "STATUS_UPDATE"
    ATTACH_DEPOSIT = "ATTACH_DEPOSIT"
    ATTACH_DL = "ATTACH_DL"
    ATTACH_DL_ALL = "ATTACH_DL_ALL"
    COM_ADD = "COM_ADD"
    SENDING_MESSAGE = "SENDING_MESSAGE"
    # …and what the portal's history also shows.
    TRANSMISSION = "TRANSMISSION"
    CONSULTATION = "CONSULTATION"
    ATTACH_PURGE = "ATTACH_PURGE"


class EventStatus(str, Enum):
    SENT = "SENT"
    RECEIVED = "RECEIVED"


class PartyKind(str, Enum):
    """Who is on each side of an exchange (OrganizationIdentifier.type)."""

    SI = "SI"
    OSL = "OSL"


class Folder(SQLModel, table=True):
    """What an operator sends: one usager's request, possibly to several SIs."""

    __table_args__ = (sa.UniqueConstraint("operator_id", "external_id", name="uq_folder_operator_external"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    process_id: int = Field(foreign_key="process.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    external_id: str = Field(max_length=30)
    status: FolderStatus = Field(default=FolderStatus.HUBEE_RECEIVED, sa_column=enum_column(FolderStatus))
    applicant_first_name: str = Field(max_length=255)
    applicant_last_name: str = Field(max_length=255)
    applicant_email: str | None = Field(default=None, max_length=320)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    updated_at: datetime | None = Field(default=None, sa_column=utc_column())
    closed_at: datetime | None = Field(default=None, sa_column=utc_column())
    partner_info: dict | None = Field(default=None, sa_column=json_column())


class Case(SQLModel, table=True):
    """Télédossier: a folder as one SI receives it."""

    __table_args__ = (
        # The inbox: one commune's dossiers by status (tab counts), démarche and transmission date.
        sa.Index("ix_case_inbox_status", "organization_id", "status", "transmitted_at"),
        sa.Index("ix_case_inbox_process", "organization_id", "process_id", "status", "transmitted_at"),
        sa.Index("ix_case_inbox_date", "organization_id", "transmitted_at"),
        sa.Index("ix_case_subject", "organization_id", "subject_search"),
        sa.UniqueConstraint("folder_id", "organization_id", name="uq_case_folder_org"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    folder_id: uuid.UUID = Field(foreign_key="folder.id", index=True)
    organization_id: int = Field(foreign_key="organization.id")
    process_id: int = Field(foreign_key="process.id")
    subscription_id: int | None = Field(default=None, foreign_key="subscription.id", index=True)
    # The dossier number shown to agents, e.g. 34CDDA4FEB82E1-01.
    external_id: str = Field(max_length=100, index=True)
    status: CaseStatus = Field(default=CaseStatus.HUBEE_NOTIFIED, sa_column=enum_column(CaseStatus))
    # Personne concernée (the deceased for CERTDC); `subject_search` is lower-case without accents.
    subject_name: str = Field(max_length=255)
    subject_search: str = Field(max_length=255)
    subject_email: str | None = Field(default=None, max_length=320)
    transmitted_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    updated_at: datetime | None = Field(default=None, sa_column=utc_column())
    closed_at: datetime | None = Field(default=None, sa_column=utc_column())
    partner_attributes: str | None = Field(default=None, max_length=1024)


class Attachment(SQLModel, table=True):
    """A file of a folder (sent by the operator) or of an event (complement, file to the usager)."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    folder_id: uuid.UUID | None = Field(default=None, foreign_key="folder.id", index=True)
    event_id: uuid.UUID | None = Field(default=None, foreign_key="event.id", index=True)
    file_name: str = Field(max_length=255)
    type: str = Field(max_length=100)
    mime_type: str = Field(max_length=255)
    size: int = Field(sa_type=sa.BigInteger)
    # Set once the binary is stored and its hash checked; the storage key is the SHA-256.
    sha256: str | None = Field(default=None, max_length=64, index=True)
    status: AttachmentStatus = Field(default=AttachmentStatus.PENDING, sa_column=enum_column(AttachmentStatus))
    # External ids of the cases that receive this folder file; None means every case of the folder.
    recipients: list[str] | None = Field(default=None, sa_column=json_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    purged_at: datetime | None = Field(default=None, sa_column=utc_column())


class Event(SQLModel, table=True):
    """Everything that happens to a case, in order: the case's history and the API's events."""

    __table_args__ = (
        sa.Index("ix_event_case_created", "case_id", "created_at"),
        # Notifications: the operator events of the last minute.
        sa.Index("ix_event_transmitter_created", "transmitter_kind", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="case.id")
    action_type: EventAction = Field(sa_column=enum_column(EventAction))
    transmitter_kind: PartyKind = Field(sa_column=enum_column(PartyKind))
    author: str | None = Field(default=None, max_length=255)
    author_account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    message: str | None = Field(default=None, max_length=1000)
    comment: str | None = Field(default=None, max_length=1000)
    case_status_before: CaseStatus | None = Field(default=None, sa_column=enum_column(CaseStatus, nullable=True))
    case_status_after: CaseStatus | None = Field(default=None, sa_column=enum_column(CaseStatus, nullable=True))
    status: EventStatus = Field(default=EventStatus.SENT, sa_column=enum_column(EventStatus))
    notify: bool = False
    partner_attributes: str | None = Field(default=None, max_length=1024)
    partner_info: dict | None = Field(default=None, sa_column=json_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))


class Notification(SQLModel, table=True):
    """A queue entry for one API client: an SI subscription or an operator, about a case or an event."""

    __table_args__ = (
        sa.Index("ix_notification_si_queue", "subscription_id", "created_at"),
        sa.Index("ix_notification_osl_queue", "operator_id", "process_id", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    recipient_kind: PartyKind = Field(sa_column=enum_column(PartyKind))
    subscription_id: int | None = Field(default=None, foreign_key="subscription.id")
    operator_id: int | None = Field(default=None, foreign_key="operator.id")
    process_id: int = Field(foreign_key="process.id")
    case_id: uuid.UUID | None = Field(default=None, foreign_key="case.id", index=True)
    event_id: uuid.UUID | None = Field(default=None, foreign_key="event.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))


class ApiClientKind(str, Enum):
    SI = "SI"
    OSL = "OSL"


class OperatorClient(SQLModel, table=True):
    """OAuth2 credentials of an operator (OSL scope); SI credentials live on the subscription."""

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    client_id: str = Field(max_length=64, unique=True)
    secret_hash: str = Field(max_length=200)
    label: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=utc_column())


class ApiToken(SQLModel, table=True):
    """A bearer token issued by the token endpoint; only its hash is kept."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=128, unique=True)
    kind: ApiClientKind = Field(sa_column=enum_column(ApiClientKind))
    subscription_id: int | None = Field(default=None, foreign_key="subscription.id", index=True)
    operator_client_id: int | None = Field(default=None, foreign_key="operatorclient.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    expires_at: datetime = Field(sa_column=utc_column(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=utc_column())
