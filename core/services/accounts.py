"""Accounts: creation with the defaults of SPEC §3, rights and activity changes, and look-ups."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from core import audit
from core.clock import utcnow
from core.errors import Conflict, InvalidInput, NotFound
from core.models import (
    Account,
    AccountRole,
    ActorType,
    Civility,
    Habilitation,
    Role,
    Subscription,
    SubscriptionStatus,
)
from core.permissions import (
    DOSSIER_ROLES,
    SI_ACTOR_TYPES,
    AccountChange,
    Actor,
    is_platform_admin,
    may_edit_account,
    may_grant_habilitation,
    may_manage_accounts,
    may_set_active,
    require,
)
from core.services.actors import actor_for
from core.sessions import end_all_sessions
from core.validation import normalize_email, normalize_phone, required_text

DEFAULT_ROLES = {
    ActorType.ADMIN_LOCAL: frozenset({Role.USERS_GESTION, Role.SUBSCRIPTIONS_GESTION}),
    ActorType.AGENT: frozenset({Role.DOSSIERS_GESTION}),
    ActorType.DELEGUE_TECHNIQUE: frozenset({Role.SUBSCRIPTIONS_GESTION}),
    ActorType.PLATFORM_ADMIN: frozenset(),
}


def subscribed_process_ids(session: Session, organization_id: int) -> frozenset[int]:
    """Démarches the SI is subscribed to (any subscription not refused): the grantable habilitations."""
    return frozenset(
        session.exec(
            select(Subscription.process_id).where(
                Subscription.organization_id == organization_id, Subscription.status != SubscriptionStatus.REFUSE
            )
        )
    )


def account_by_email(session: Session, email: str) -> Account | None:
    return session.exec(select(Account).where(Account.email == (email or "").strip().lower())).first()


def _check_creator(actor: Actor | None, actor_type: ActorType, organization_id: int | None) -> None:
    if actor is None:  # the shell operator of the box (core.cli, demo data)
        return
    if actor_type in (ActorType.PLATFORM_ADMIN, ActorType.DELEGUE_TECHNIQUE) or organization_id is None:
        if not is_platform_admin(actor):
            raise InvalidInput(
                "Seul l'administrateur de la plateforme peut créer ce type de compte.", field="actor_type"
            )
        return
    require(may_manage_accounts(actor, organization_id))


def create_account(
    session: Session,
    *,
    actor: Actor | None,
    email: str,
    civility: Civility,
    first_name: str,
    last_name: str,
    phone: str,
    actor_type: ActorType,
    organization_id: int | None,
    roles: frozenset[Role] | None = None,
    habilitations: frozenset[int] = frozenset(),
    function: str | None = None,
    phone_secondary: str | None = None,
    now: datetime | None = None,
) -> Account:
    """Create an account with the defaults of its actor type; each invalid field gets its own message."""
    now = now or utcnow()
    _check_creator(actor, actor_type, organization_id)
    email = normalize_email(email)
    first_name = required_text(first_name, "Prénom", "first_name", 100)
    last_name = required_text(last_name, "Nom", "last_name", 100)
    phone = normalize_phone(phone)
    phone_secondary = normalize_phone(phone_secondary, "phone_secondary") if phone_secondary else None
    if actor_type in (ActorType.AGENT, ActorType.ADMIN_LOCAL) and organization_id is None:
        raise InvalidInput(
            "Un agent ou un administrateur local appartient à un service instructeur.", field="organization"
        )
    if actor_type in (ActorType.DELEGUE_TECHNIQUE, ActorType.PLATFORM_ADMIN) and organization_id is not None:
        raise InvalidInput(
            "Un délégué technique ou un administrateur de la plateforme n'appartient à aucun service instructeur.",
            field="organization",
        )
    if account_by_email(session, email):
        raise Conflict(f"Un compte existe déjà avec l'adresse {email}.", field="email")
    roles = DEFAULT_ROLES[actor_type] if roles is None else frozenset(roles)
    if actor_type is ActorType.ADMIN_LOCAL:
        habilitations = frozenset()  # "Sans habilitations": it sees every démarche of its SI
    elif actor_type is ActorType.AGENT:
        if not habilitations:
            raise InvalidInput("Un agent doit être habilité à au moins une démarche.", field="habilitations")
        if habilitations - subscribed_process_ids(session, organization_id):
            raise InvalidInput(
                "Seules les démarches auxquelles le service instructeur est abonné peuvent être attribuées.",
                field="habilitations",
            )
    account = Account(
        email=email,
        civility=civility,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        phone_secondary=phone_secondary,
        function=(function or "").strip() or None,
        actor_type=actor_type,
        organization_id=organization_id,
        created_at=now,
    )
    session.add(account)
    session.flush()
    session.add_all([AccountRole(account_id=account.id, role=r) for r in sorted(roles, key=lambda r: r.name)])
    session.add_all([Habilitation(account_id=account.id, process_id=p) for p in sorted(habilitations)])
    session.flush()
    audit.record(
        session,
        "account.create",
        account_id=actor.id if actor else None,
        organization_id=organization_id,
        target_type="account",
        target_id=account.id,
        details={"email": email, "actor_type": actor_type.name, "roles": sorted(r.name for r in roles)},
        now=now,
    )
    return account


# --- Rights and activity of an existing account ---------------------------------------------------


@dataclass(frozen=True)
class AccountRights:
    """What "Rôles et droits d'accès" sets on an account."""

    actor_type: ActorType
    roles: frozenset[Role]
    habilitations: frozenset[int] = frozenset()


def account_or_404(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("Ce compte n'existe pas.")
    return account


def _check_rights(account: Account, rights: AccountRights) -> None:
    in_si = account.organization_id is not None
    if in_si != (rights.actor_type in SI_ACTOR_TYPES):
        raise InvalidInput(
            "Ce type d'acteur n'est pas possible pour ce compte : un agent ou un administrateur local appartient à "
            "un service instructeur, un délégué technique à aucun.",
            field="actor_type",
        )
    if not rights.roles:
        raise InvalidInput("Le compte doit avoir au moins un rôle.", field="roles")
    if rights.actor_type is ActorType.AGENT and not rights.habilitations:
        raise InvalidInput("Un agent doit rester habilité à au moins une démarche.", field="habilitations")


def _replace_rows(session: Session, model, account_id: int, column: str, removed, added) -> None:
    for value in removed:
        row = session.exec(select(model).where(model.account_id == account_id, getattr(model, column) == value)).one()
        session.delete(row)
    session.add_all([model(account_id=account_id, **{column: value}) for value in added])


def update_account_rights(
    session: Session, *, actor: Actor, account_id: int, rights: AccountRights, now: datetime
) -> Account:
    """Actor type, roles and habilitations (SPEC §3: never one's own but the dossier roles; subscribed démarches only)."""
    account = account_or_404(session, account_id)
    target = actor_for(session, account)
    if rights.actor_type is not ActorType.AGENT:
        # An administrateur local sees every démarche ("Sans habilitations"); the others see no dossier.
        rights = AccountRights(rights.actor_type, rights.roles, frozenset())
    change = AccountChange(
        roles_added=rights.roles - target.roles,
        roles_removed=target.roles - rights.roles,
        habilitations_changed=rights.habilitations != target.habilitations,
        actor_type=rights.actor_type if rights.actor_type is not account.actor_type else None,
    )
    require(may_edit_account(actor, target, change))
    _check_rights(account, rights)
    added = rights.habilitations - target.habilitations
    if added:
        subscribed = subscribed_process_ids(session, account.organization_id)
        for process_id in sorted(added):
            require(may_grant_habilitation(actor, target, process_id, subscribed))
    _replace_rows(session, AccountRole, account.id, "role", change.roles_removed, change.roles_added)
    _replace_rows(session, Habilitation, account.id, "process_id", target.habilitations - rights.habilitations, added)
    account.actor_type = rights.actor_type
    session.flush()
    audit.record(
        session,
        "account.rights",
        account_id=actor.id,
        organization_id=account.organization_id,
        target_type="account",
        target_id=account.id,
        details={
            "actor_type": rights.actor_type.name,
            "roles_added": sorted(r.name for r in change.roles_added),
            "roles_removed": sorted(r.name for r in change.roles_removed),
            "habilitations": sorted(rights.habilitations),
        },
        now=now,
    )
    return account


def set_account_active(session: Session, *, actor: Actor, account_id: int, active: bool, now: datetime) -> Account:
    """Deactivate (its sessions end at once) or reactivate an account; accounts are never deleted."""
    account = account_or_404(session, account_id)
    require(may_set_active(actor, actor_for(session, account)))
    if account.active == active:
        raise Conflict("Ce compte est déjà actif." if active else "Ce compte est déjà désactivé.")
    account.active = active
    account.deactivated_at = None if active else now
    if active:
        # A fresh start for the inactivity reminders (60 and 90 days).
        account.inactivity_reminder_days = 0
    else:
        end_all_sessions(session, account.id, "compte désactivé", now=now)
    session.flush()
    audit.record(
        session,
        "account.reactivate" if active else "account.deactivate",
        account_id=actor.id,
        organization_id=account.organization_id,
        target_type="account",
        target_id=account.id,
        details={"email": account.email},
        now=now,
    )
    return account


def active_local_admin_count(session: Session, organization_id: int) -> int:
    """How many active administrateurs locaux the SI has (it should keep at least two)."""
    return session.exec(
        select(func.count()).where(
            Account.organization_id == organization_id,
            Account.actor_type == ActorType.ADMIN_LOCAL,
            Account.active.is_(True),
        )
    ).one()


def habilitated_account_count(session: Session, organization_id: int, process_id: int) -> int:
    """Active accounts of the SI that would see the démarche's dossiers (a dossier role, and a habilitation
    unless administrateur local)."""
    with_dossier_role = select(AccountRole.account_id).where(AccountRole.role.in_(sorted(DOSSIER_ROLES)))
    habilitated = select(Habilitation.account_id).where(Habilitation.process_id == process_id)
    return session.exec(
        select(func.count()).where(
            Account.organization_id == organization_id,
            Account.active.is_(True),
            Account.id.in_(with_dossier_role),
            (Account.actor_type == ActorType.ADMIN_LOCAL) | Account.id.in_(habilitated),
        )
    ).one()
