"""Gestion des comptes (SPEC §3): the list with its filters and CSV, and account creation."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from core.auth import send_activation_email
from core.config import get_settings
from core.csv_export import csv_lines
from core.errors import InvalidInput
from core.models import Account, AccountRole, ActorType, Civility, Habilitation, Organization, Process, Role
from core.permissions import SI_ACTOR_TYPES, Actor, is_platform_admin, may_manage_accounts, may_view_accounts, require
from core.services.accounts import account_by_email, active_local_admin_count, create_account, subscribed_process_ids
from core.services.forms import FieldChecks, paging, search_conditions
from core.validation import normalize_email, normalize_phone, required_text

NO_HABILITATION = "Sans habilitations"
ACCOUNT_CSV_HEADER = (
    "Actif",
    "Nom",
    "Prénom",
    "Adresse électronique",
    "Type d'acteur",
    "Rôles",
    "Habilitations démarches",
    "Service instructeur",
)
FEW_ADMINS = (
    "Votre service instructeur a moins de deux administrateurs locaux actifs : créez-en un second, "
    "pour que la gestion des comptes et des abonnements ne dépende pas d'une seule personne."
)


@dataclass(frozen=True)
class AccountQuery:
    organization_id: int | None = None  # the platform administrator's choice; None: every account
    actor_type: ActorType | None = None
    role: Role | None = None
    process_id: int | None = None
    active: bool | None = None
    search: str = ""


@dataclass(frozen=True)
class AccountRow:
    id: int
    active: bool
    last_name: str
    first_name: str
    email: str
    actor_type: str
    roles: tuple[str, ...]
    habilitations: tuple[str, ...]
    organization_name: str | None


@dataclass(frozen=True)
class AccountPage:
    rows: tuple[AccountRow, ...]
    total: int
    page: int
    page_count: int
    may_manage: bool
    # Set when the SI has fewer than two active administrateurs locaux.
    warning: str | None


def _scope(actor: Actor, query: AccountQuery) -> int | None:
    """The SI whose accounts are listed (None: all of them, for the platform administrator only)."""
    if is_platform_admin(actor):
        return query.organization_id
    require(may_view_accounts(actor, actor.organization_id))
    return actor.organization_id


def _statement(session: Session, actor: Actor, query: AccountQuery):
    organization_id = _scope(actor, query)
    conditions = search_conditions(session, query.search, (Account.first_name, Account.last_name, Account.email))
    if organization_id is not None:
        conditions.append(Account.organization_id == organization_id)
    if query.actor_type is not None:
        conditions.append(Account.actor_type == query.actor_type)
    if query.active is not None:
        conditions.append(Account.active.is_(query.active))
    if query.role is not None:
        conditions.append(Account.id.in_(select(AccountRole.account_id).where(AccountRole.role == query.role)))
    if query.process_id is not None:
        habilitated = select(Habilitation.account_id).where(Habilitation.process_id == query.process_id)
        conditions.append(Account.id.in_(habilitated))
    return organization_id, conditions


def _rows(session: Session, accounts: Sequence[Account]) -> list[AccountRow]:
    ids = [a.id for a in accounts]
    roles: dict[int, list[str]] = {i: [] for i in ids}
    for account_id, role in session.exec(
        select(AccountRole.account_id, AccountRole.role).where(AccountRole.account_id.in_(ids))
    ):
        roles[account_id].append(role)
    processes: dict[int, list[str]] = {i: [] for i in ids}
    for account_id, label in session.exec(
        select(Habilitation.account_id, Process.label)
        .join(Process, Process.id == Habilitation.process_id)
        .where(Habilitation.account_id.in_(ids))
        .order_by(Process.label)
    ):
        processes[account_id].append(label)
    org_ids = {a.organization_id for a in accounts if a.organization_id}
    names = (
        dict(session.exec(select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))).all())
        if org_ids
        else {}
    )
    return [
        AccountRow(
            id=a.id,
            active=a.active,
            last_name=a.last_name,
            first_name=a.first_name,
            email=a.email,
            actor_type=a.actor_type.value,
            roles=tuple(r.value for r in Role if r in roles[a.id]),
            habilitations=(NO_HABILITATION,) if a.actor_type is ActorType.ADMIN_LOCAL else tuple(processes[a.id]),
            organization_name=names.get(a.organization_id),
        )
        for a in accounts
    ]


def list_accounts(
    session: Session, *, actor: Actor, query: AccountQuery, page: int = 1, page_size: int = 25
) -> AccountPage:
    """One page of the accounts this person may see, filtered and searched, with the two-administrators warning."""
    organization_id, conditions = _statement(session, actor, query)
    total = session.exec(select(func.count()).select_from(Account).where(*conditions)).one()
    window = paging(total, page, page_size)
    accounts = session.exec(
        select(Account)
        .where(*conditions)
        .order_by(func.lower(Account.last_name), func.lower(Account.first_name), Account.id)
        .offset(window.offset)
        .limit(window.size)
    ).all()
    few = organization_id is not None and active_local_admin_count(session, organization_id) < 2
    return AccountPage(
        rows=tuple(_rows(session, accounts)),
        total=total,
        page=window.page,
        page_count=window.page_count,
        may_manage=organization_id is not None and bool(may_manage_accounts(actor, organization_id)),
        warning=FEW_ADMINS if few else None,
    )


def export_accounts_csv(session: Session, *, actor: Actor, query: AccountQuery) -> Iterator[str]:
    """The filtered list as a CSV for French Excel, streamed in batches."""
    _, conditions = _statement(session, actor, query)
    statement = select(Account).where(*conditions).order_by(func.lower(Account.last_name), Account.id)

    def rows():
        for batch in session.exec(statement.execution_options(yield_per=500)).partitions():
            for r in _rows(session, batch):
                yield (
                    r.active,
                    r.last_name,
                    r.first_name,
                    r.email,
                    r.actor_type,
                    ", ".join(r.roles),
                    ", ".join(r.habilitations),
                    r.organization_name,
                )

    return csv_lines(ACCOUNT_CSV_HEADER, rows(), get_settings().zone)


# --- Creation ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountFormOptions:
    """What the creation form offers: the SI's subscribed démarches and the actor types this person may give."""

    organization_id: int | None
    organization_name: str | None
    processes: tuple[tuple[int, str], ...]
    actor_types: tuple[ActorType, ...]


def process_choices(session: Session, process_ids) -> tuple[tuple[int, str], ...]:
    if not process_ids:
        return ()
    return tuple(
        session.exec(
            select(Process.id, Process.label).where(Process.id.in_(sorted(process_ids))).order_by(Process.label)
        )
    )


def account_form_options(session: Session, *, actor: Actor, organization_id: int | None = None) -> AccountFormOptions:
    """The choices of "Ajouter un utilisateur" for this person (the platform administrator picks the SI)."""
    if is_platform_admin(actor):
        types = (ActorType.AGENT, ActorType.ADMIN_LOCAL) if organization_id else (ActorType.DELEGUE_TECHNIQUE,)
    else:
        organization_id = actor.organization_id
        require(may_manage_accounts(actor, organization_id))
        types = (ActorType.AGENT, ActorType.ADMIN_LOCAL)
    organization = session.get(Organization, organization_id) if organization_id else None
    processes = subscribed_process_ids(session, organization_id) if organization_id else frozenset()
    return AccountFormOptions(
        organization_id=organization_id,
        organization_name=organization.name if organization else None,
        processes=process_choices(session, processes),
        actor_types=types,
    )


@dataclass(frozen=True)
class NewAccount:
    actor_type: ActorType
    email: str
    civility: Civility | None
    first_name: str
    last_name: str
    phone: str
    function: str = ""
    phone_secondary: str = ""
    habilitations: frozenset[int] = frozenset()
    organization_id: int | None = None  # the platform administrator's choice; others create in their own SI


def _check_new_account(session: Session, form: NewAccount, organization_id: int | None) -> None:
    checks = FieldChecks()
    email = checks.run(normalize_email, form.email)
    if email and account_by_email(session, email):
        checks.fail("email", f"Un compte existe déjà avec l'adresse {email}.")
    if form.civility is None:
        checks.fail("civility", "Le champ « Civilité » est obligatoire.")
    checks.run(required_text, form.first_name, "Prénom", "first_name", 100)
    checks.run(required_text, form.last_name, "Nom", "last_name", 100)
    checks.run(normalize_phone, form.phone)
    if (form.phone_secondary or "").strip():
        checks.run(normalize_phone, form.phone_secondary, "phone_secondary")
    if form.actor_type is ActorType.AGENT:
        if not form.habilitations:
            checks.fail("habilitations", "Un agent doit être habilité à au moins une démarche.")
        elif form.habilitations - subscribed_process_ids(session, organization_id):
            checks.fail(
                "habilitations",
                "Seules les démarches auxquelles le service instructeur est abonné peuvent être attribuées.",
            )
    checks.raise_if_any()


def add_account(session: Session, *, actor: Actor, form: NewAccount, now: datetime) -> Account:
    """Create an account with its actor type's default roles, then queue its activation email (48-hour link)."""
    organization_id = form.organization_id if is_platform_admin(actor) else actor.organization_id
    if form.actor_type in SI_ACTOR_TYPES:
        if organization_id is None:
            raise InvalidInput("Choisissez le service instructeur du compte.", field="organization")
        require(may_manage_accounts(actor, organization_id))
    else:
        organization_id = None
    _check_new_account(session, form, organization_id)
    account = create_account(
        session,
        actor=actor,
        email=form.email,
        civility=form.civility,
        first_name=form.first_name,
        last_name=form.last_name,
        phone=form.phone,
        function=form.function,
        phone_secondary=form.phone_secondary or None,
        actor_type=form.actor_type,
        organization_id=organization_id,
        habilitations=form.habilitations if form.actor_type is ActorType.AGENT else frozenset(),
        now=now,
    )
    organization = session.get(Organization, organization_id) if organization_id else None
    send_activation_email(session, account, organization.name if organization else form.actor_type.value, now=now)
    return account
