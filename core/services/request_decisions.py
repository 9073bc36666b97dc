"""The decision on a subscription request, taken by the platform administrator for the operator (seeds 001, 003).

Validation creates the SI if needed, its subscriptions as Inactif, and the administrateur métier's account as
administrateur local with the default roles (for FormulaireQF, the demandeur's too, who sees the dossiers:
seed 004), then queues their password-creation emails.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session, select

from core import audit
from core.auth import send_activation_email
from core.errors import Conflict, InvalidInput, NotFound
from core.models import (
    Account,
    ActorType,
    Civility,
    Organization,
    Process,
    RequestStatus,
    Role,
    Subscription,
    SubscriptionRequest,
    SubscriptionStatus,
)
from core.permissions import Actor, is_platform_admin, may_administer_platform, may_request_subscription, require
from core.services.accounts import DEFAULT_ROLES, account_by_email, create_account
from core.services.folders import process_by_code
from core.services.organizations import create_organization
from core.services.subscription_requests import QF_CODE
from core.validation import required_text

ADMIN_ROLES = DEFAULT_ROLES[ActorType.ADMIN_LOCAL]


@dataclass(frozen=True)
class FutureAdmin:
    email: str
    first_name: str
    last_name: str
    position: str
    phone: str
    roles: frozenset[Role]


@dataclass(frozen=True)
class RequestSummary:
    id: int
    datapass: str | None
    status: RequestStatus
    created_at: datetime
    decided_at: datetime | None
    organization_siret: str
    organization_name: str
    organization_exists: bool
    processes: tuple[str, ...]
    requester: str
    business_admin: str
    dpo: str | None
    has_deliberation: bool
    refusal_reason: str | None
    # Who gets a new administrateur local account on validation: (email, "Prénom Nom").
    new_admins: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RequestDecision:
    organization_id: int
    subscription_ids: tuple[int, ...]
    new_accounts: tuple[str, ...]


def future_admins(request: SubscriptionRequest) -> list[FutureAdmin]:
    """The administrateur métier, and for FormulaireQF the demandeur, who processes the QF dossiers."""
    admin = FutureAdmin(
        request.business_admin_email,
        request.business_admin_first_name,
        request.business_admin_last_name,
        request.business_admin_position,
        request.business_admin_phone,
        ADMIN_ROLES,
    )
    if QF_CODE not in request.process_codes:
        return [admin]
    qf_roles = ADMIN_ROLES | {Role.DOSSIERS_GESTION}
    if request.requester_email == admin.email:
        return [replace(admin, roles=qf_roles)]
    requester = FutureAdmin(
        request.requester_email,
        request.requester_first_name,
        request.requester_last_name,
        request.requester_position or "",
        request.requester_phone,
        qf_roles,
    )
    return [admin, requester]


def _person(first: str, last: str, position: str | None, email: str, phone: str) -> str:
    return f"{first} {last}, {position or '—'} ({email}, {phone})"


def _summary(session: Session, r: SubscriptionRequest, existing: set[str]) -> RequestSummary:
    labels = dict(session.exec(select(Process.code, Process.label).where(Process.code.in_(r.process_codes))).all())
    return RequestSummary(
        id=r.id,
        datapass=r.datapass_number,
        status=r.status,
        created_at=r.created_at,
        decided_at=r.decided_at,
        organization_siret=r.organization_siret,
        organization_name=r.organization_name,
        organization_exists=r.organization_siret in existing,
        processes=tuple(labels.get(code, code) for code in r.process_codes),
        requester=_person(
            r.requester_first_name, r.requester_last_name, r.requester_position, r.requester_email, r.requester_phone
        ),
        business_admin=_person(
            r.business_admin_first_name,
            r.business_admin_last_name,
            r.business_admin_position,
            r.business_admin_email,
            r.business_admin_phone,
        ),
        dpo=f"{r.dpo_name} ({r.dpo_email})" if r.dpo_name else None,
        has_deliberation=bool(r.deliberation_attachment_id),
        refusal_reason=r.refusal_reason,
        new_admins=tuple(
            (p.email, f"{p.first_name} {p.last_name}")
            for p in future_admins(r)
            if account_by_email(session, p.email) is None
        ),
    )


def list_subscription_requests(session: Session, *, actor: Actor, pending_only: bool = False) -> list[RequestSummary]:
    """Requests, newest first: every SI's for the platform administrator, its own for an SI."""
    statement = select(SubscriptionRequest).order_by(SubscriptionRequest.created_at.desc(), SubscriptionRequest.id)
    if not is_platform_admin(actor):
        require(may_request_subscription(actor, actor.organization_id))
        organization = session.get(Organization, actor.organization_id)
        statement = statement.where(SubscriptionRequest.organization_siret == organization.siret)
    if pending_only:
        statement = statement.where(SubscriptionRequest.status == RequestStatus.EN_ATTENTE)
    requests = session.exec(statement).all()
    sirets = {r.organization_siret for r in requests}
    existing = set(session.exec(select(Organization.siret).where(Organization.siret.in_(sirets)))) if sirets else set()
    return [_summary(session, r, existing) for r in requests]


def _pending(session: Session, actor: Actor, request_id: int) -> SubscriptionRequest:
    require(may_administer_platform(actor))
    request = session.get(SubscriptionRequest, request_id)
    if request is None:
        raise NotFound("Cette demande d'abonnement n'existe pas.")
    if request.status is not RequestStatus.EN_ATTENTE:
        raise Conflict(f"Cette demande a déjà été traitée ({request.status.value.lower()}).")
    return request


def _organization(session: Session, actor: Actor, request: SubscriptionRequest, branch_code: str, now) -> Organization:
    organization = session.exec(select(Organization).where(Organization.siret == request.organization_siret)).first()
    if organization is None:
        return create_organization(
            session,
            actor=actor,
            siret=request.organization_siret,
            name=request.organization_name,
            branch_code=branch_code,
            now=now,
        )
    if not organization.active:
        raise Conflict(f"Le service instructeur {organization.name} est désactivé : réactivez-le d'abord.")
    return organization


def _subscribe(session: Session, organization: Organization, request: SubscriptionRequest, admin: Account, now):
    """One Inactif subscription per démarche; a refused one is given a new chance rather than duplicated."""
    ids = []
    for code in request.process_codes:
        process = process_by_code(session, code)
        subscription = session.exec(
            select(Subscription).where(
                Subscription.organization_id == organization.id, Subscription.process_id == process.id
            )
        ).first()
        if subscription is not None and subscription.status is not SubscriptionStatus.REFUSE:
            raise Conflict(f"{organization.name} est déjà abonné à la démarche « {process.label} ».")
        if subscription is None:
            subscription = Subscription(organization_id=organization.id, process_id=process.id)
            session.add(subscription)
        subscription.status, subscription.access_mode = SubscriptionStatus.INACTIF, None
        subscription.activation_date = subscription.suspension_date = None
        subscription.request_id, subscription.datapass_number = request.id, request.datapass_number
        subscription.responsible_admin_id, subscription.validated_at, subscription.updated_at = admin.id, now, now
        session.flush()
        ids.append(subscription.id)
    return tuple(ids)


def _admin_account(session: Session, actor, organization, person: FutureAdmin, civilities, now) -> tuple[Account, bool]:
    account = account_by_email(session, person.email)
    if account is not None:
        if account.organization_id != organization.id or account.actor_type is not ActorType.ADMIN_LOCAL:
            raise Conflict(
                f"L'adresse {person.email} est déjà l'identifiant d'un compte qui n'est pas administrateur local "
                f"de {organization.name} : refusez la demande en indiquant d'utiliser une autre adresse.",
                field="business_admin_email",
            )
        return account, False
    civility = civilities.get(person.email)
    if civility is None:
        raise InvalidInput(f"Choisissez la civilité de {person.first_name} {person.last_name}.", field="civility")
    account = create_account(
        session,
        actor=actor,
        email=person.email,
        civility=civility,
        first_name=person.first_name,
        last_name=person.last_name,
        phone=person.phone,
        function=person.position,
        actor_type=ActorType.ADMIN_LOCAL,
        organization_id=organization.id,
        roles=person.roles,
        now=now,
    )
    return account, True


def validate_subscription_request(
    session: Session,
    *,
    actor: Actor,
    request_id: int,
    civilities: Mapping[str, Civility],
    now: datetime,
    branch_code: str = "",
) -> RequestDecision:
    """Validate for the operator: SI (its INSEE code if new), Inactif subscriptions, administrateurs locaux, emails."""
    request = _pending(session, actor, request_id)
    organization = _organization(session, actor, request, branch_code, now)
    admins = [_admin_account(session, actor, organization, p, civilities, now) for p in future_admins(request)]
    ids = _subscribe(session, organization, request, admins[0][0], now)
    for account, created in admins:
        if created:
            send_activation_email(session, account, organization.name, now=now)
    request.status, request.decided_at, request.decided_by_id = RequestStatus.VALIDEE, now, actor.id
    request.organization_id = organization.id
    session.flush()
    new_accounts = tuple(a.email for a, created in admins if created)
    audit.record(
        session,
        "subscription_request.validate",
        account_id=actor.id,
        organization_id=organization.id,
        target_type="subscription_request",
        target_id=request.id,
        details={"subscriptions": list(ids), "new_accounts": list(new_accounts)},
        now=now,
    )
    return RequestDecision(organization.id, ids, new_accounts)


def refuse_subscription_request(
    session: Session, *, actor: Actor, request_id: int, reason: str, now: datetime
) -> SubscriptionRequest:
    """Refuse with a reason the SI will read; nothing is created."""
    request = _pending(session, actor, request_id)
    request.refusal_reason = required_text(reason, "Motif du refus", "refusal_reason", 1000)
    request.status, request.decided_at, request.decided_by_id = RequestStatus.REFUSEE, now, actor.id
    session.flush()
    audit.record(
        session,
        "subscription_request.refuse",
        account_id=actor.id,
        organization_id=request.organization_id,
        target_type="subscription_request",
        target_id=request.id,
        details={"reason": request.refusal_reason},
        now=now,
    )
    return request
