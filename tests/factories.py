"""Small builders for tests: organizations, accounts and subscriptions with believable defaults."""

import itertools
from datetime import date, datetime

from sqlmodel import Session

from core.models import (
    AccessMode,
    Account,
    ActorType,
    Civility,
    Organization,
    Role,
    Subscription,
    SubscriptionStatus,
)
from core.services.accounts import create_account
from core.services.folders import process_by_code
from core.services.organizations import create_organization
from core.validation import luhn_valid

_seq = itertools.count(1)


def valid_siret(prefix: str) -> str:
    """A Luhn-valid 14-digit SIRET starting with `prefix` (13 digits at most)."""
    base = (prefix + "0" * 13)[:13]
    return next(base + str(d) for d in range(10) if luhn_valid(base + str(d)))


def make_organization(session: Session, name: str | None = None) -> Organization:
    n = next(_seq)
    return create_organization(
        session, actor=None, siret=valid_siret(f"2177{n:05d}"), name=name or f"Commune {n}", branch_code=f"{77000 + n}"
    )


def subscribe(
    session: Session,
    organization: Organization,
    process_code: str,
    *,
    status: SubscriptionStatus = SubscriptionStatus.ACTIF,
    access_mode: AccessMode | None = AccessMode.PORTAIL,
    activation_date: date | None = date(2020, 1, 1),
) -> Subscription:
    subscription = Subscription(
        organization_id=organization.id,
        process_id=process_by_code(session, process_code).id,
        status=status,
        access_mode=access_mode,
        activation_date=activation_date,
    )
    session.add(subscription)
    session.flush()
    return subscription


def make_account(
    session: Session,
    organization: Organization | None,
    actor_type: ActorType = ActorType.AGENT,
    *,
    roles: frozenset[Role] | None = None,
    habilitations: frozenset[int] = frozenset(),
    email: str | None = None,
    now: datetime | None = None,
) -> Account:
    n = next(_seq)
    return create_account(
        session,
        actor=None,
        email=email or f"personne{n}@mairie.test",
        civility=Civility.MADAME,
        first_name="Camille",
        last_name=f"Test{n}",
        phone="0123456789",
        actor_type=actor_type,
        organization_id=organization.id if organization else None,
        roles=roles,
        habilitations=habilitations,
        now=now,
    )
