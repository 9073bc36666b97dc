"""Turn an account into the `Actor` snapshot that the permission rules read."""

from sqlmodel import Session, select

from core.errors import NotFound
from core.models import Account, AccountRole, Habilitation
from core.permissions import Actor


def actor_for(session: Session, account: Account) -> Actor:
    roles = frozenset(session.exec(select(AccountRole.role).where(AccountRole.account_id == account.id)))
    habilitations = frozenset(
        session.exec(select(Habilitation.process_id).where(Habilitation.account_id == account.id))
    )
    return Actor(
        id=account.id,
        actor_type=account.actor_type,
        organization_id=account.organization_id,
        roles=roles,
        habilitations=habilitations,
        active=account.active,
    )


def load_actor(session: Session, account_id: int) -> Actor:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("Ce compte n'existe pas.")
    return actor_for(session, account)
