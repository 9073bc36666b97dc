"""Gestion des abonnements (SPEC §5): the list and its CSV, one subscription's page, and the dates the
scheduler applies. What the page changes is in core.services.subscription_changes.

Dates are Paris dates. An activation for today takes effect at once; a later one, and a suspension (always
from the next day), are stored for `apply_subscription_dates`, which the scheduler runs.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from core import audit
from core.config import get_settings
from core.csv_export import csv_lines
from core.errors import NotFound
from core.models import (
    AccessMode,
    Account,
    ActorType,
    NotificationFrequency,
    Operator,
    Organization,
    Process,
    Subscription,
    SubscriptionStatus,
)
from core.permissions import (
    Actor,
    SubscriptionRef,
    is_platform_admin,
    may_configure_subscription,
    may_manage_subscription,
    may_view_subscription,
    may_view_subscriptions,
    require,
)
from core.services.accounts import habilitated_account_count
from core.services.forms import paging, search_conditions

SUBSCRIPTION_CSV_HEADER = (
    "Opérateur",
    "Démarche",
    "Service instructeur",
    "N° Datapass",
    "Modalité d'accès",
    "DT",
    "Statut",
    "Date d'activation",
    "Date de suspension",
)
NO_HABILITATED_ACCOUNT = (
    "Aucun compte actif n'est habilité à cette démarche : personne ne pourra consulter ses télédossiers. "
    "Créez ou habilitez les comptes des agents avant la date d'activation."
)


@dataclass(frozen=True)
class SubscriptionQuery:
    organization_id: int | None = None  # the platform administrator's choice; the others see their own
    operator_id: int | None = None
    process_id: int | None = None
    status: SubscriptionStatus | None = None
    search: str = ""  # service instructeur's name or SIRET (platform administrator)


@dataclass(frozen=True)
class SubscriptionRow:
    id: int
    operator: str
    process: str
    organization: str
    datapass: str | None
    access_mode: AccessMode | None
    has_delegate: bool
    status: SubscriptionStatus
    activation_date: date | None
    suspension_date: date | None

    def csv(self) -> tuple:
        return (
            self.operator,
            self.process,
            self.organization,
            self.datapass,
            self.access_mode,
            self.has_delegate,
            self.status,
            self.activation_date,
            self.suspension_date,
        )


@dataclass(frozen=True)
class SubscriptionPage:
    rows: tuple[SubscriptionRow, ...]
    total: int
    page: int
    page_count: int


def paris_today(now: datetime) -> date:
    return now.astimezone(get_settings().zone).date()


def _conditions(session: Session, actor: Actor, query: SubscriptionQuery) -> list:
    if is_platform_admin(actor):
        conditions = []
        if query.search.strip():
            # Matched once per SI in a subquery, not once per subscription of the join.
            matching = select(Organization.id).where(
                *search_conditions(session, query.search, (Organization.name, Organization.siret))
            )
            conditions.append(Subscription.organization_id.in_(matching))
        if query.organization_id is not None:
            conditions.append(Subscription.organization_id == query.organization_id)
    elif actor.active and actor.actor_type is ActorType.DELEGUE_TECHNIQUE:
        conditions = [Subscription.technical_delegate_id == actor.id]
    else:
        require(may_view_subscriptions(actor, actor.organization_id))
        conditions = [Subscription.organization_id == actor.organization_id]
    if query.operator_id is not None:
        conditions.append(Process.operator_id == query.operator_id)
    if query.process_id is not None:
        conditions.append(Subscription.process_id == query.process_id)
    if query.status is not None:
        conditions.append(Subscription.status == query.status)
    return conditions


def _joined(statement):
    return (
        statement.join(Process, Process.id == Subscription.process_id)
        .join(Operator, Operator.id == Process.operator_id)
        .join(Organization, Organization.id == Subscription.organization_id)
    )


_ROW_COLUMNS = (
    Subscription.id,
    Operator.code,
    Process.code,
    Process.label,
    Organization.branch_code,
    Organization.name,
    Subscription.datapass_number,
    Subscription.access_mode,
    Subscription.technical_delegate_id,
    Subscription.status,
    Subscription.activation_date,
    Subscription.suspension_date,
)


def _row(values) -> SubscriptionRow:
    sid, operator, code, label, branch, name, datapass, mode, delegate, status, activation, suspension = values
    return SubscriptionRow(
        sid,
        operator,
        f"{code} - {label}",
        f"{branch} - {name}",
        datapass,
        mode,
        delegate is not None,
        status,
        activation,
        suspension,
    )


def _rows_statement(session: Session, actor: Actor, query: SubscriptionQuery):
    return (
        _joined(select(*_ROW_COLUMNS))
        .where(*_conditions(session, actor, query))
        .order_by(Organization.name, Organization.id, Process.code)
    )


def list_subscriptions(
    session: Session, *, actor: Actor, query: SubscriptionQuery, page: int = 1, page_size: int = 25
) -> SubscriptionPage:
    """One page of the subscriptions this person may see (every SI's for the platform administrator)."""
    conditions = _conditions(session, actor, query)
    total = session.exec(_joined(select(func.count(Subscription.id))).where(*conditions)).one()
    window = paging(total, page, page_size)
    values = session.exec(_rows_statement(session, actor, query).offset(window.offset).limit(window.size)).all()
    return SubscriptionPage(tuple(_row(v) for v in values), total, window.page, window.page_count)


def export_subscriptions_csv(session: Session, *, actor: Actor, query: SubscriptionQuery) -> Iterator[str]:
    """The filtered list as a CSV for French Excel, with exactly the nine columns of SPEC §5, streamed."""
    statement = _rows_statement(session, actor, query).execution_options(yield_per=1000)
    rows = (_row(values).csv() for values in session.exec(statement))
    return csv_lines(SUBSCRIPTION_CSV_HEADER, rows, get_settings().zone)


# --- One subscription -------------------------------------------------------------------------------


def subscription_or_404(session: Session, subscription_id: int) -> Subscription:
    subscription = session.get(Subscription, subscription_id)
    if subscription is None:
        raise NotFound("Cet abonnement n'existe pas.")
    return subscription


def subscription_ref(subscription: Subscription) -> SubscriptionRef:
    return SubscriptionRef(subscription.organization_id, subscription.access_mode, subscription.technical_delegate_id)


def touch_subscription(
    session: Session, subscription: Subscription, actor: Actor | None, action: str, now: datetime, **details
):
    """Every change updates "Mis à jour le" and leaves an audit entry."""
    subscription.updated_at = now
    session.flush()
    audit.record(
        session,
        action,
        account_id=actor.id if actor else None,
        organization_id=subscription.organization_id,
        target_type="subscription",
        target_id=subscription.id,
        details={k: getattr(v, "name", v) for k, v in details.items()} or None,
        now=now,
    )


@dataclass(frozen=True)
class SubscriptionView:
    """A subscription's page: the seeds' fields, and what this person may do on it."""

    id: int
    operator: str
    process_code: str
    process_label: str
    organization_name: str
    organization_siret: str
    responsible_admin: str | None
    datapass: str | None
    status: SubscriptionStatus
    access_mode: AccessMode | None
    editor_name: str | None
    technical_delegate_id: int | None
    technical_delegate: str | None
    validated_at: datetime | None
    updated_at: datetime
    activation_date: date | None
    suspension_date: date | None
    access_mode_changed_at: datetime | None
    notification_frequency: NotificationFrequency
    notification_email: str | None
    api_client_id: str | None
    api_secret_issued_at: datetime | None
    may_manage: bool  # activate, suspend, notifications, API secret
    may_configure: bool  # modality, éditeur, délégué technique
    read_only_reason: str
    delegates: tuple[tuple[int, str], ...]
    warning: str | None
    today: date


def _person(session: Session, account_id: int | None) -> str | None:
    account = session.get(Account, account_id) if account_id else None
    return f"{account.full_name} ({account.email})" if account else None


def _delegates(session: Session) -> tuple[tuple[int, str], ...]:
    rows = session.exec(
        select(Account)
        .where(Account.actor_type == ActorType.DELEGUE_TECHNIQUE, Account.active.is_(True))
        .order_by(Account.last_name, Account.first_name)
    )
    return tuple((a.id, f"{a.full_name} ({a.email})") for a in rows)


def subscription_view(session: Session, *, actor: Actor, subscription_id: int, now: datetime) -> SubscriptionView:
    """Everything the subscription's page shows, with the verdicts that enable its buttons."""
    s = subscription_or_404(session, subscription_id)
    ref = subscription_ref(s)
    require(may_view_subscription(actor, ref))
    process, organization = session.get(Process, s.process_id), session.get(Organization, s.organization_id)
    operator = session.get(Operator, process.operator_id)
    manage, configure = may_manage_subscription(actor, ref), may_configure_subscription(actor, ref)
    open_ = s.status is not SubscriptionStatus.REFUSE
    nobody = open_ and habilitated_account_count(session, s.organization_id, s.process_id) == 0
    return SubscriptionView(
        id=s.id,
        operator=f"{operator.code} - {operator.name}",
        process_code=process.code,
        process_label=process.label,
        organization_name=organization.name,
        organization_siret=organization.siret,
        responsible_admin=_person(session, s.responsible_admin_id),
        datapass=s.datapass_number,
        status=s.status,
        access_mode=s.access_mode,
        editor_name=s.editor_name,
        technical_delegate_id=s.technical_delegate_id,
        technical_delegate=_person(session, s.technical_delegate_id),
        validated_at=s.validated_at,
        updated_at=s.updated_at,
        activation_date=s.activation_date,
        suspension_date=s.suspension_date,
        access_mode_changed_at=s.access_mode_changed_at,
        notification_frequency=s.notification_frequency,
        notification_email=s.notification_email,
        api_client_id=s.api_client_id,
        api_secret_issued_at=s.api_secret_issued_at,
        may_manage=open_ and bool(manage),
        may_configure=open_ and bool(configure),
        read_only_reason=manage.reason if open_ else "Cet abonnement a été refusé : il ne peut pas être modifié.",
        delegates=_delegates(session) if open_ and configure else (),
        warning=NO_HABILITATED_ACCOUNT if nobody else None,
        today=paris_today(now),
    )


def apply_subscription_dates(session: Session, *, now: datetime) -> dict[str, int]:
    """For the scheduler: activate what reached its activation date (modality chosen), suspend what reached its
    suspension date. A suspended subscription is reactivated only once a new activation cleared its suspension."""
    today = paris_today(now)
    due = session.exec(
        select(Subscription).where(
            Subscription.status.in_([SubscriptionStatus.INACTIF, SubscriptionStatus.SUSPENDU]),
            Subscription.access_mode.is_not(None),
            Subscription.activation_date <= today,
            Subscription.suspension_date.is_(None),
        )
    ).all()
    for subscription in due:
        subscription.status = SubscriptionStatus.ACTIF
        subscription.activated_at = now
        touch_subscription(session, subscription, None, "subscription.activated_on_date", now)
    ending = session.exec(
        select(Subscription).where(
            Subscription.status == SubscriptionStatus.ACTIF, Subscription.suspension_date <= today
        )
    ).all()
    for subscription in ending:
        subscription.status = SubscriptionStatus.SUSPENDU
        touch_subscription(session, subscription, None, "subscription.suspended_on_date", now)
    return {"activated": len(due), "suspended": len(ending)}
