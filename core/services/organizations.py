"""Services instructeurs: creation, look-up, and the platform administrator's list and changes."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from core import audit
from core.clock import utcnow
from core.errors import Conflict, NotFound
from core.models import Account, Organization, OrganizationKind, Subscription
from core.permissions import Actor, may_administer_platform, require
from core.services.forms import FieldChecks, paging, search_conditions
from core.validation import normalize_email, normalize_insee, normalize_siret, required_text


def create_organization(
    session: Session,
    *,
    actor: Actor | None,
    siret: str,
    name: str,
    branch_code: str,
    kind: OrganizationKind = OrganizationKind.COMMUNE,
    email: str | None = None,
    now: datetime | None = None,
) -> Organization:
    """Create an SI; `actor=None` is the shell operator of the box (core.cli)."""
    if actor is not None:
        require(may_administer_platform(actor))
    siret = normalize_siret(siret)
    name = required_text(name, "Nom", "name")
    branch_code = normalize_insee(branch_code)
    if session.exec(select(Organization).where(Organization.siret == siret)).first():
        raise Conflict(f"Un service instructeur existe déjà avec le SIRET {siret}.", field="siret")
    organization = Organization(
        siret=siret, name=name, branch_code=branch_code, kind=kind, email=email, created_at=now or utcnow()
    )
    session.add(organization)
    session.flush()
    audit.record(
        session,
        "organization.create",
        account_id=actor.id if actor else None,
        organization_id=organization.id,
        target_type="organization",
        target_id=organization.id,
        details={"siret": siret, "name": name},
        now=now,
    )
    return organization


def organization_by_siret(session: Session, siret: str) -> Organization:
    organization = session.exec(select(Organization).where(Organization.siret == siret)).first()
    if organization is None:
        raise NotFound(f"Aucun service instructeur n'a le SIRET {siret}.")
    return organization


# --- The platform administrator's list and changes ----------------------------------------------------


@dataclass(frozen=True)
class OrganizationRow:
    id: int
    siret: str
    name: str
    branch_code: str
    kind: OrganizationKind
    email: str | None
    active: bool
    accounts: int
    subscriptions: int


@dataclass(frozen=True)
class OrganizationPage:
    rows: tuple[OrganizationRow, ...]
    total: int
    page: int
    page_count: int


def _count_by_organization(session: Session, model, ids: list[int]) -> dict[int, int]:
    rows = session.exec(
        select(model.organization_id, func.count())
        .where(model.organization_id.in_(ids))
        .group_by(model.organization_id)
    )
    return dict(rows.all())


def list_organizations(
    session: Session, *, actor: Actor, search: str = "", page: int = 1, page_size: int = 25
) -> OrganizationPage:
    """Every SI, searched by name, SIRET or INSEE code, with its number of accounts and subscriptions."""
    require(may_administer_platform(actor))
    conditions = search_conditions(session, search, (Organization.name, Organization.siret, Organization.branch_code))
    total = session.exec(select(func.count()).select_from(Organization).where(*conditions)).one()
    window = paging(total, page, page_size)
    organizations = session.exec(
        select(Organization)
        .where(*conditions)
        .order_by(Organization.name, Organization.id)
        .offset(window.offset)
        .limit(window.size)
    ).all()
    ids = [o.id for o in organizations]
    accounts = _count_by_organization(session, Account, ids)
    subscriptions = _count_by_organization(session, Subscription, ids)
    rows = tuple(
        OrganizationRow(
            o.id,
            o.siret,
            o.name,
            o.branch_code,
            o.kind,
            o.email,
            o.active,
            accounts.get(o.id, 0),
            subscriptions.get(o.id, 0),
        )
        for o in organizations
    )
    return OrganizationPage(rows, total, window.page, window.page_count)


def organization_choices(session: Session, *, actor: Actor) -> tuple[tuple[int, str], ...]:
    """(id, "Name (SIRET)") of every SI, for the platform administrator's pickers."""
    require(may_administer_platform(actor))
    rows = session.exec(select(Organization.id, Organization.name, Organization.siret).order_by(Organization.name))
    return tuple((i, f"{name} ({siret})") for i, name, siret in rows)


def _organization(session: Session, organization_id: int) -> Organization:
    organization = session.get(Organization, organization_id)
    if organization is None:
        raise NotFound("Ce service instructeur n'existe pas.")
    return organization


def update_organization(
    session: Session,
    *,
    actor: Actor,
    organization_id: int,
    name: str,
    branch_code: str,
    kind: OrganizationKind,
    email: str | None,
    now: datetime,
) -> Organization:
    """Name, INSEE code, kind and contact address; the SIRET identifies the SI and does not change."""
    require(may_administer_platform(actor))
    organization = _organization(session, organization_id)
    checks = FieldChecks()
    name = checks.run(required_text, name, "Nom", "name")
    branch_code = checks.run(normalize_insee, branch_code)
    email = checks.run(normalize_email, email, "email") if (email or "").strip() else None
    checks.raise_if_any()
    organization.name, organization.branch_code, organization.kind, organization.email = name, branch_code, kind, email
    session.flush()
    audit.record(
        session,
        "organization.update",
        account_id=actor.id,
        organization_id=organization.id,
        target_type="organization",
        target_id=organization.id,
        details={"name": name, "branch_code": branch_code, "kind": kind.name, "email": email},
        now=now,
    )
    return organization


def set_organization_active(
    session: Session, *, actor: Actor, organization_id: int, active: bool, now: datetime
) -> Organization:
    """Deactivate an SI (it receives no dossier any more; nothing is deleted) or reactivate it."""
    require(may_administer_platform(actor))
    organization = _organization(session, organization_id)
    if organization.active == active:
        raise Conflict(
            "Ce service instructeur est déjà actif." if active else "Ce service instructeur est déjà désactivé."
        )
    organization.active = active
    session.flush()
    audit.record(
        session,
        "organization.reactivate" if active else "organization.deactivate",
        account_id=actor.id,
        organization_id=organization.id,
        target_type="organization",
        target_id=organization.id,
        now=now,
    )
    return organization
