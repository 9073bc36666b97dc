"""Read-only views of the portal shell: who is signed in, what the home page shows, the platform summary.

Every view is a frozen dataclass of plain values, so the portal never holds an ORM object or a Session.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from core.auth import LINK_PURPOSES
from core.errors import NotFound
from core.models import (
    Account,
    ActorType,
    Civility,
    Organization,
    Process,
    RequestStatus,
    Role,
    SecondFactorMethod,
    Subscription,
    SubscriptionRequest,
    SubscriptionStatus,
    TokenPurpose,
)
from core.permissions import (
    DOSSIER_ROLES,
    AccountChange,
    Actor,
    has_role,
    is_platform_admin,
    may_administer_platform,
    may_edit_account,
    require,
    sees_all_processes,
)
from core.second_factor import needs_second_factor
from core.services.actors import actor_for
from core.services.cases import count_cases_by_status
from core.tokens import find_valid_token
from core.workflow import INBOX_TABS

NO_HABILITATION = "Sans habilitations"


@dataclass(frozen=True)
class SignedInUser:
    """The account behind a portal session, as the shell needs it on every run."""

    account_id: int
    display_name: str
    email: str
    actor_type: str
    organization_name: str | None
    actor: Actor


@dataclass(frozen=True)
class OrganizationCard:
    name: str
    siret: str
    branch_code: str


@dataclass(frozen=True)
class StatusCount:
    label: str
    count: int


@dataclass(frozen=True)
class PlatformSummary:
    organizations: int
    active_organizations: int
    accounts: int
    active_accounts: int
    subscriptions: int
    active_subscriptions: int
    pending_requests: int


@dataclass(frozen=True)
class HomeView:
    """What the home page shows: the person, its SI, and its dossiers (or the platform) at a glance."""

    display_name: str
    email: str
    actor_type: str
    roles: tuple[str, ...]
    habilitations: tuple[str, ...]
    organization: OrganizationCard | None
    # None when the account holds no dossier role; one entry per inbox tab but "Tous" otherwise.
    dossier_counts: tuple[StatusCount, ...] | None
    dossier_total: int
    platform: PlatformSummary | None


@dataclass(frozen=True)
class LinkView:
    """Whose password an activation or reset link sets."""

    email: str
    is_reset: bool


def _display_name(account: Account) -> str:
    return f"{account.civility.value} {account.first_name} {account.last_name}"


def _organization_of(session: Session, account: Account) -> Organization | None:
    return session.get(Organization, account.organization_id) if account.organization_id else None


def _active_account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None or not account.active:
        raise NotFound("Ce compte n'existe pas ou a été désactivé.")
    return account


def signed_in_user(session: Session, *, account_id: int) -> SignedInUser | None:
    """The active account behind a portal session; None once it is gone or deactivated."""
    account = session.get(Account, account_id)
    if account is None or not account.active:
        return None
    organization = _organization_of(session, account)
    return SignedInUser(
        account_id=account.id,
        display_name=_display_name(account),
        email=account.email,
        actor_type=account.actor_type.value,
        organization_name=organization.name if organization else None,
        actor=actor_for(session, account),
    )


def _role_labels(actor: Actor) -> tuple[str, ...]:
    return tuple(role.value for role in Role if role in actor.roles)


def _habilitation_labels(session: Session, actor: Actor) -> tuple[str, ...]:
    if sees_all_processes(actor):
        return (NO_HABILITATION,)
    if not actor.habilitations:
        return ()
    return tuple(
        session.exec(select(Process.label).where(Process.id.in_(sorted(actor.habilitations))).order_by(Process.label))
    )


def _dossier_counts(session: Session, actor: Actor) -> tuple[tuple[StatusCount, ...], int]:
    by_status = count_cases_by_status(session, actor=actor)
    tabs = tuple(
        StatusCount(label, sum(by_status[s] for s in statuses)) for label, statuses in INBOX_TABS if label != "Tous"
    )
    return tabs, sum(by_status.values())


def home_view(session: Session, *, account_id: int) -> HomeView:
    """The signed-in person's own account, SI, roles and dossier counts (platform figures for its admin)."""
    account = _active_account(session, account_id)
    actor = actor_for(session, account)
    organization = _organization_of(session, account)
    platform = platform_summary(session, actor=actor) if is_platform_admin(actor) else None
    counts, total = (None, 0)
    if platform is None and any(has_role(actor, role) for role in DOSSIER_ROLES):
        counts, total = _dossier_counts(session, actor)
    return HomeView(
        display_name=_display_name(account),
        email=account.email,
        actor_type=account.actor_type.value,
        roles=_role_labels(actor),
        habilitations=_habilitation_labels(session, actor),
        organization=OrganizationCard(organization.name, organization.siret, organization.branch_code)
        if organization
        else None,
        dossier_counts=counts,
        dossier_total=total,
        platform=platform,
    )


def _count(session: Session, model, *conditions) -> int:
    return session.exec(select(func.count()).select_from(model).where(*conditions)).one()


def platform_summary(session: Session, *, actor: Actor) -> PlatformSummary:
    """How many SIs, accounts, subscriptions and pending requests the box holds."""
    require(may_administer_platform(actor))
    return PlatformSummary(
        organizations=_count(session, Organization),
        active_organizations=_count(session, Organization, Organization.active.is_(True)),
        # The platform administrators themselves are not what this figure is about.
        accounts=_count(session, Account, Account.actor_type != ActorType.PLATFORM_ADMIN),
        active_accounts=_count(
            session, Account, Account.actor_type != ActorType.PLATFORM_ADMIN, Account.active.is_(True)
        ),
        subscriptions=_count(session, Subscription),
        active_subscriptions=_count(session, Subscription, Subscription.status == SubscriptionStatus.ACTIF),
        pending_requests=_count(session, SubscriptionRequest, SubscriptionRequest.status == RequestStatus.EN_ATTENTE),
    )


def password_link_view(session: Session, *, raw_token: str, now: datetime) -> LinkView:
    """Check an activation or reset link before asking for a password; the error says what is wrong with it."""
    token = find_valid_token(session, raw_token, LINK_PURPOSES, now=now)
    account = session.get(Account, token.account_id)
    return LinkView(email=account.email, is_reset=token.purpose is TokenPurpose.PASSWORD_RESET)


@dataclass(frozen=True)
class MyAccountView:
    """What "Mon compte" shows: the identity (read-only), the editable contact details, the security settings."""

    email: str
    civility: Civility
    first_name: str
    last_name: str
    function: str | None
    phone: str
    phone_secondary: str | None
    actor_type: str
    organization_name: str | None
    organization_siret: str | None
    roles: tuple[str, ...]
    habilitations: tuple[str, ...]
    # An administrateur local holding Gestion des utilisateurs may give itself the dossier roles (SPEC §3).
    may_set_dossier_roles: bool
    dossier_roles: frozenset[Role]
    # None when the account passes no second factor at login.
    second_factor_method: SecondFactorMethod | None


def my_account_view(session: Session, *, account_id: int) -> MyAccountView:
    """The signed-in person's own account as "Mon compte" presents it."""
    account = _active_account(session, account_id)
    actor = actor_for(session, account)
    organization = _organization_of(session, account)
    return MyAccountView(
        email=account.email,
        civility=account.civility,
        first_name=account.first_name,
        last_name=account.last_name,
        function=account.function,
        phone=account.phone,
        phone_secondary=account.phone_secondary,
        actor_type=account.actor_type.value,
        organization_name=organization.name if organization else None,
        organization_siret=organization.siret if organization else None,
        roles=_role_labels(actor),
        habilitations=_habilitation_labels(session, actor),
        may_set_dossier_roles=bool(may_edit_account(actor, actor, AccountChange(roles_added=DOSSIER_ROLES))),
        dossier_roles=actor.roles & DOSSIER_ROLES,
        second_factor_method=account.second_factor_method if needs_second_factor(account) else None,
    )
