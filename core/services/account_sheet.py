"""One account's sheet in "Gestion des comptes": identity, rights, and what this person may change on it."""

from dataclasses import dataclass

from sqlmodel import Session

from core.models import ActorType, Organization, Role
from core.permissions import (
    DOSSIER_ROLES,
    AccountChange,
    Actor,
    may_edit_account,
    may_set_active,
    may_view_accounts,
    require,
)
from core.services.account_admin import process_choices
from core.services.accounts import account_or_404, subscribed_process_ids
from core.services.actors import actor_for

EMAIL_IS_LOGIN = (
    "L'adresse électronique sert d'identifiant et ne peut pas être modifiée. Si elle est erronée, "
    "désactivez ce compte et créez-en un nouveau avec la bonne adresse."
)


@dataclass(frozen=True)
class AccountSheet:
    """One account as its edit page shows it, with what this person may change on it and why not."""

    id: int
    email: str
    civility: str
    first_name: str
    last_name: str
    function: str | None
    phone: str
    phone_secondary: str | None
    organization_name: str | None
    active: bool
    actor_type: ActorType
    roles: frozenset[Role]
    habilitations: frozenset[int]
    processes: tuple[tuple[int, str], ...]  # grantable démarches, plus those already held
    actor_types: tuple[ActorType, ...]
    is_self: bool
    rights_editable: bool  # actor type, roles and habilitations
    own_dossier_roles: bool  # an administrateur local on its own account: the dossier roles only
    rights_note: str
    may_set_active: bool
    active_note: str


def _own_rights_note(own_dossier_roles: bool) -> str:
    note = (
        "Vous ne pouvez modifier ni votre type d'acteur, ni vos habilitations, ni vous attribuer "
        "la gestion des comptes ou des abonnements."
    )
    return note + (" Vous pouvez vous attribuer les rôles sur les télédossiers." if own_dossier_roles else "")


def account_sheet(session: Session, *, actor: Actor, account_id: int) -> AccountSheet:
    """The account's identity and rights, and the verdicts that enable or explain each action."""
    account = account_or_404(session, account_id)
    # Accounts of no SI (délégués techniques): the platform administrator only, whom this rule lets through.
    require(may_view_accounts(actor, account.organization_id))
    target = actor_for(session, account)
    is_self = actor.id == account.id
    if is_self:
        own = bool(may_edit_account(actor, target, AccountChange(roles_added=DOSSIER_ROLES)))
        editable, note = False, _own_rights_note(own)
    else:
        own = False
        verdict = may_edit_account(actor, target, AccountChange(habilitations_changed=True))
        editable, note = bool(verdict), verdict.reason
    grantable = subscribed_process_ids(session, account.organization_id) if account.organization_id else frozenset()
    active_verdict = may_set_active(actor, target)
    organization = session.get(Organization, account.organization_id) if account.organization_id else None
    return AccountSheet(
        id=account.id,
        email=account.email,
        civility=account.civility.value,
        first_name=account.first_name,
        last_name=account.last_name,
        function=account.function,
        phone=account.phone,
        phone_secondary=account.phone_secondary,
        organization_name=organization.name if organization else None,
        active=account.active,
        actor_type=account.actor_type,
        roles=target.roles,
        habilitations=target.habilitations,
        processes=process_choices(session, grantable | target.habilitations),
        actor_types=(ActorType.AGENT, ActorType.ADMIN_LOCAL) if organization else (account.actor_type,),
        is_self=is_self,
        rights_editable=editable,
        own_dossier_roles=own,
        rights_note=note,
        may_set_active=bool(active_verdict),
        active_note=active_verdict.reason,
    )
