"""Accounts: creation with the defaults of SPEC §3, and look-ups."""

from datetime import datetime

from sqlmodel import Session, select

from core import audit
from core.clock import utcnow
from core.errors import Conflict, InvalidInput
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
from core.permissions import Actor, is_platform_admin, may_manage_accounts, require
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
