"""Services instructeurs: creation and look-up."""

from datetime import datetime

from sqlmodel import Session, select

from core import audit
from core.clock import utcnow
from core.errors import Conflict, NotFound
from core.models import Organization, OrganizationKind
from core.permissions import Actor, may_administer_platform, require
from core.validation import normalize_insee, normalize_siret, required_text


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
