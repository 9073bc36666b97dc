"""Subscription requests (the DataPass step) and subscriptions (abonnements) of an SI to a démarche."""

from datetime import date, datetime
from enum import Enum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.clock import utcnow
from core.models.types import enum_column, json_column, utc_column


class SubscriptionStatus(str, Enum):
    INACTIF = "Inactif"
    ACTIF = "Actif"
    SUSPENDU = "Suspendu"
    REFUSE = "Refusé"


class AccessMode(str, Enum):
    PORTAIL = "Portail"
    API = "API"


class NotificationFrequency(str, Enum):
    UNITAIRE = "Unitaire"
    QUOTIDIENNE = "Quotidienne"
    BIQUOTIDIENNE = "Biquotidienne"
    AUCUNE = "Aucune"


class RequestStatus(str, Enum):
    EN_ATTENTE = "En attente"
    VALIDEE = "Validée"
    REFUSEE = "Refusée"


class SubscriptionRequest(SQLModel, table=True):
    """An SI's request to subscribe to démarches, validated or refused on the operator's behalf."""

    id: int | None = Field(default=None, primary_key=True)
    status: RequestStatus = Field(default=RequestStatus.EN_ATTENTE, sa_column=enum_column(RequestStatus, index=True))
    datapass_number: str | None = Field(default=None, max_length=30)
    organization_siret: str = Field(max_length=14)
    organization_name: str = Field(max_length=200)
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    process_codes: list[str] = Field(default_factory=list, sa_column=json_column(nullable=False))
    requester_first_name: str = Field(max_length=100)
    requester_last_name: str = Field(max_length=100)
    requester_email: str = Field(max_length=320)
    requester_phone: str = Field(max_length=20)
    requester_position: str | None = Field(default=None, max_length=200)
    business_admin_first_name: str = Field(max_length=100)
    business_admin_last_name: str = Field(max_length=100)
    business_admin_position: str = Field(max_length=200)
    business_admin_email: str = Field(max_length=320)
    business_admin_phone: str = Field(max_length=20)
    # FormulaireQF only (seed 004): the délibération PDF and the DPO.
    deliberation_attachment_id: str | None = Field(default=None, max_length=64)
    dpo_name: str | None = Field(default=None, max_length=200)
    dpo_email: str | None = Field(default=None, max_length=320)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    decided_at: datetime | None = Field(default=None, sa_column=utc_column())
    decided_by_id: int | None = Field(default=None, foreign_key="account.id")
    refusal_reason: str | None = Field(default=None, max_length=1000)


class Subscription(SQLModel, table=True):
    """Abonnement: one per (SI, démarche); decides how and from when the SI receives dossiers."""

    __table_args__ = (sa.UniqueConstraint("organization_id", "process_id", name="uq_subscription_org_process"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    process_id: int = Field(foreign_key="process.id", index=True)
    request_id: int | None = Field(default=None, foreign_key="subscriptionrequest.id")
    datapass_number: str | None = Field(default=None, max_length=30)
    status: SubscriptionStatus = Field(
        default=SubscriptionStatus.INACTIF, sa_column=enum_column(SubscriptionStatus, index=True)
    )
    # Chosen at activation; None until then.
    access_mode: AccessMode | None = Field(default=None, sa_column=enum_column(AccessMode, nullable=True))
    editor_name: str | None = Field(default=None, max_length=100)
    technical_delegate_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    responsible_admin_id: int | None = Field(default=None, foreign_key="account.id")
    validated_at: datetime | None = Field(default=None, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    activation_date: date | None = None
    activated_at: datetime | None = Field(default=None, sa_column=utc_column())
    suspension_date: date | None = None
    # Dossiers received before this instant were delivered under the other modality: read-only.
    access_mode_changed_at: datetime | None = Field(default=None, sa_column=utc_column())
    notification_frequency: NotificationFrequency = Field(
        default=NotificationFrequency.UNITAIRE, sa_column=enum_column(NotificationFrequency)
    )
    notification_email: str | None = Field(default=None, max_length=320)
    # Portal notifications are sent up to this instant: a restart neither repeats nor misses any.
    notified_until: datetime | None = Field(default=None, sa_column=utc_column())
    api_client_id: str | None = Field(default=None, max_length=64, unique=True)
    api_secret_hash: str | None = Field(default=None, max_length=200)
    api_secret_issued_at: datetime | None = Field(default=None, sa_column=utc_column())
