"""Every table of the box; importing this package registers them all on SQLModel.metadata."""

from core.models.accounts import (
    Account,
    AccountRole,
    AccountToken,
    ActorType,
    Civility,
    Habilitation,
    PortalSession,
    Role,
    SecondFactorMethod,
    SessionStage,
    TokenPurpose,
)
from core.models.catalog import Operator, Process
from core.models.exchange import (
    ApiClientKind,
    ApiToken,
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
    OperatorClient,
    PartyKind,
)
from core.models.ops import AuditEntry, JobOutcome, JobRun, OutboxEmail, OutboxStatus, SchedulerLock
from core.models.orgs import Organization, OrganizationKind
from core.models.subscriptions import (
    AccessMode,
    NotificationFrequency,
    RequestStatus,
    Subscription,
    SubscriptionRequest,
    SubscriptionStatus,
)

__all__ = [name for name in dir() if not name.startswith("_")]
