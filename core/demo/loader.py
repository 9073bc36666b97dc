"""Loading the demo world into an empty (migrated) database, once."""

import random
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from core.demo import dossiers
from core.demo.api_clients import create_demo_operator_client
from core.demo.subscriptions import (
    DEMO_API_SECRET,
    SUBSCRIPTIONS,
    apply_suspensions,
    create_requests,
    create_subscription,
)
from core.demo.world import (
    ACCOUNTS,
    COMMUNES,
    PLATFORM_ADMIN,
    ROCHEFOURCHAT,
    TECHNICAL_DELEGATE,
    create_communes,
    create_person,
)
from core.models import (
    Account,
    ActorType,
    Attachment,
    Case,
    Event,
    Folder,
    Organization,
    Subscription,
    SubscriptionRequest,
)
from core.passwords import hash_password
from core.storage import get_store

DEMO_PASSWORD = "Mairie@2026"
SEED = 2026
COUNTED = {
    "organizations": Organization,
    "accounts": Account,
    "subscription_requests": SubscriptionRequest,
    "subscriptions": Subscription,
    "folders": Folder,
    "cases": Case,
    "attachments": Attachment,
    "events": Event,
}


def demo_is_loaded(session: Session) -> bool:
    """The demo is there when Rochefourchat (its marker commune) is."""
    return session.exec(select(Organization.id).where(Organization.siret == ROCHEFOURCHAT.siret)).first() is not None


def _row_counts(session: Session) -> dict[str, int]:
    return {name: session.exec(select(func.count()).select_from(model)).one() for name, model in COUNTED.items()}


def load_demo_data(session: Session, *, now: datetime) -> dict[str, int]:
    """Create the demo world relative to `now`; what was created, per kind (all zero when already loaded)."""
    if demo_is_loaded(session):
        return dict.fromkeys(COUNTED, 0)
    before = _row_counts(session)
    rng = random.Random(SEED)
    organizations = create_communes(session, now=now)
    # bcrypt is slow on purpose: every demo account shares one hash of the demo password.
    password_hash = hash_password(DEMO_PASSWORD)
    # Agents can only be habilitated to démarches their commune is subscribed to: they come last.
    first, last = [s for s in ACCOUNTS if not s.habilitations], [s for s in ACCOUNTS if s.habilitations]
    people = _create_people(session, organizations, now=now, specs=first, password_hash=password_hash)
    subscriptions = _create_subscriptions(session, organizations, people, now=now)
    create_demo_operator_client(session, now=now)
    people |= _create_people(session, organizations, now=now, specs=last, password_hash=password_hash)
    session.flush()
    channels = dossiers.build_channels(session, subscriptions, list(people.values()))
    communes = {spec.key: spec for spec in COMMUNES}
    dossiers.deliver_all(session, rng, channels, communes, now=now, store=get_store())
    apply_suspensions(subscriptions, now=now)
    session.flush()
    after = _row_counts(session)
    return {name: after[name] - before[name] for name in COUNTED}


def _create_people(session, organizations, *, now, specs, password_hash: str) -> dict[str, Account]:
    created_at = now - timedelta(days=170)
    return {
        spec.email: create_person(
            session, spec, organizations, password_hash=password_hash, now=now, created_at=created_at
        )
        for spec in specs
    }


def _create_subscriptions(session, organizations, people, *, now) -> dict[tuple[str, str], Subscription]:
    admins = {
        spec.commune: people[spec.email] for spec in reversed(ACCOUNTS) if spec.actor_type is ActorType.ADMIN_LOCAL
    }
    platform_admin, delegate = people[PLATFORM_ADMIN.email], people[TECHNICAL_DELEGATE.email]
    requests = create_requests(session, organizations, admins, platform_admin, now=now)
    secret_hash = hash_password(DEMO_API_SECRET)
    subscriptions = {}
    for spec in SUBSCRIPTIONS:
        subscriptions[spec.commune.key, spec.process_code] = create_subscription(
            session,
            spec,
            organizations[spec.commune.key],
            request=requests[spec.datapass],
            admin=admins[spec.commune.key],
            delegate=delegate,
            secret_hash=secret_hash,
            now=now,
        )
    session.flush()
    return subscriptions
