"""Every "may this person do that" rule of SPEC §3, §5 and §6, in one place.

Rules are plain functions over an `Actor` (a frozen snapshot of an account: type, organization, roles,
habilitations) and a target. They return a `Verdict` whose reason is French, ready to show. Services call
`require(...)`; pages may call the same functions to hide what would be refused anyway.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa

from core.errors import Forbidden
from core.models.accounts import ActorType, Role
from core.models.exchange import CaseStatus
from core.models.subscriptions import AccessMode

DOSSIER_ROLES = frozenset({Role.DOSSIERS_CONSULTATION, Role.DOSSIERS_GESTION})
MANAGEMENT_ROLES = frozenset(
    {Role.USERS_CONSULTATION, Role.USERS_GESTION, Role.SUBSCRIPTIONS_CONSULTATION, Role.SUBSCRIPTIONS_GESTION}
)
# "Gestion" implies "Consultation".
IMPLIED_BY = {
    Role.DOSSIERS_CONSULTATION: Role.DOSSIERS_GESTION,
    Role.USERS_CONSULTATION: Role.USERS_GESTION,
    Role.SUBSCRIPTIONS_CONSULTATION: Role.SUBSCRIPTIONS_GESTION,
}
# Identity fields a person may edit on their own account; the email (login) is never editable.
SELF_EDITABLE_FIELDS = frozenset({"civility", "function", "phone", "phone_secondary"})
IDENTITY_FIELDS = SELF_EDITABLE_FIELDS | {"first_name", "last_name"}
NO_DOWNLOAD_STATUSES = frozenset({CaseStatus.CLOSED, CaseStatus.REFUSED})
READ_ONLY_REASON = (
    "Ce télédossier a été reçu avant le changement de modalité d'accès de l'abonnement : "
    "il est en lecture seule dans le portail."
)


@dataclass(frozen=True)
class Actor:
    """What the rules need to know about an account."""

    id: int
    actor_type: ActorType
    organization_id: int | None
    roles: frozenset[Role] = frozenset()
    habilitations: frozenset[int] = frozenset()  # process ids
    active: bool = True


@dataclass(frozen=True)
class CaseRef:
    """What the rules need to know about a télédossier; build it from a Case row with `case_ref`."""

    organization_id: int
    process_id: int
    status: CaseStatus
    read_only: bool = False


def case_ref(case, subscription=None) -> CaseRef:
    """A case is read-only in the portal when it was received before its subscription's modality switch."""
    switched_at = getattr(subscription, "access_mode_changed_at", None)
    read_only = switched_at is not None and case.transmitted_at < switched_at
    return CaseRef(case.organization_id, case.process_id, case.status, read_only)


@dataclass(frozen=True)
class SubscriptionRef:
    organization_id: int
    access_mode: AccessMode | None = None
    technical_delegate_id: int | None = None


@dataclass(frozen=True)
class AccountChange:
    """A requested change to an account: identity fields, roles, habilitations, actor type, activity."""

    fields: frozenset[str] = frozenset()
    roles_added: frozenset[Role] = frozenset()
    roles_removed: frozenset[Role] = frozenset()
    habilitations_changed: bool = False
    actor_type: ActorType | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Verdict(True)


def deny(reason: str) -> Verdict:
    return Verdict(False, reason)


def require(verdict: Verdict) -> None:
    """Raise Forbidden with the verdict's reason unless it allows."""
    if not verdict:
        raise Forbidden(verdict.reason)


def has_role(actor: Actor, role: Role) -> bool:
    return role in actor.roles or IMPLIED_BY.get(role) in actor.roles


def is_platform_admin(actor: Actor) -> bool:
    return actor.active and actor.actor_type is ActorType.PLATFORM_ADMIN


# Only these belong to a service instructeur; the others act across SIs and never as a member of one.
SI_ACTOR_TYPES = frozenset({ActorType.AGENT, ActorType.ADMIN_LOCAL})


def _member_of(actor: Actor, organization_id: int | None) -> bool:
    return (
        actor.active
        and actor.actor_type in SI_ACTOR_TYPES
        and actor.organization_id is not None
        and actor.organization_id == organization_id
    )


# --- Télédossiers (SPEC §6) -------------------------------------------------------------------------


def sees_all_processes(actor: Actor) -> bool:
    """An administrateur local holding a dossier role sees every démarche of its SI ("Sans habilitations")."""
    return actor.actor_type is ActorType.ADMIN_LOCAL


def may_view_case(actor: Actor, case: CaseRef) -> Verdict:
    if not _member_of(actor, case.organization_id):
        return deny("Ce télédossier n'existe pas ou vous n'y avez pas accès.")
    if not has_role(actor, Role.DOSSIERS_CONSULTATION):
        return deny("Votre compte n'a pas le rôle « Consultation des télédossiers ».")
    if not sees_all_processes(actor) and case.process_id not in actor.habilitations:
        return deny("Ce télédossier n'existe pas ou vous n'y avez pas accès.")
    return ALLOWED


def _may_manage_case(actor: Actor, case: CaseRef) -> Verdict:
    seen = may_view_case(actor, case)
    if not seen:
        return seen
    if not has_role(actor, Role.DOSSIERS_GESTION):
        return deny("Cette action demande le rôle « Gestion des télédossiers ».")
    if case.read_only:
        return deny(READ_ONLY_REASON)
    return ALLOWED


def may_download_case(actor: Actor, case: CaseRef) -> Verdict:
    verdict = _may_manage_case(actor, case)
    if not verdict:
        return verdict
    if case.status in NO_DOWNLOAD_STATUSES:
        which = "clos" if case.status is CaseStatus.CLOSED else "refusé"
        return deny(f"Les pièces jointes d'un télédossier {which} ne peuvent plus être téléchargées.")
    return ALLOWED


def may_change_case_status(actor: Actor, case: CaseRef) -> Verdict:
    verdict = _may_manage_case(actor, case)
    if verdict and case.status is CaseStatus.CLOSED:
        return deny("Ce télédossier est clos : plus aucune modification n'est possible.")
    return verdict


def may_message_usager(actor: Actor, case: CaseRef) -> Verdict:
    return may_change_case_status(actor, case)


def may_comment_case(actor: Actor, case: CaseRef) -> Verdict:
    """Internal comments: editable until the dossier is Clos, by Gestion des télédossiers."""
    return may_change_case_status(actor, case)


def may_edit_comment(actor: Actor, case: CaseRef, comment_author_id: int | None) -> Verdict:
    """Only its author edits an internal comment (the history names who wrote what), until Clos."""
    verdict = may_comment_case(actor, case)
    if verdict and comment_author_id != actor.id:
        return deny("Seul l'auteur d'un commentaire peut le modifier.")
    return verdict


def may_write_to_usager(actor: Actor, case: CaseRef, *, demarche_allows: bool) -> Verdict:
    """Messages reach the usager through the operator, only for démarches with complément requests (SPEC §2)."""
    verdict = may_message_usager(actor, case)
    if verdict and not demarche_allows:
        return deny("Cette démarche ne permet pas d'envoyer de message à l'usager.")
    return verdict


def may_send_file_to_usager(actor: Actor, case: CaseRef, *, demarche_allows: bool) -> Verdict:
    verdict = may_message_usager(actor, case)
    if verdict and not demarche_allows:
        return deny("Cette démarche ne permet pas d'envoyer un fichier à l'usager.")
    return verdict


def case_visibility_clause(actor: Actor, case_table) -> sa.ColumnElement[bool]:
    """The SQL condition selecting exactly the cases `may_view_case` allows, for lists and counts."""
    if not _member_of(actor, actor.organization_id) or not has_role(actor, Role.DOSSIERS_CONSULTATION):
        return sa.false()
    clause = case_table.organization_id == actor.organization_id
    if not sees_all_processes(actor):
        if not actor.habilitations:
            return sa.false()
        clause = sa.and_(clause, case_table.process_id.in_(sorted(actor.habilitations)))
    return clause


# --- Accounts (SPEC §3) -----------------------------------------------------------------------------


def may_view_accounts(actor: Actor, organization_id: int) -> Verdict:
    if is_platform_admin(actor):
        return ALLOWED
    if _member_of(actor, organization_id) and has_role(actor, Role.USERS_CONSULTATION):
        return ALLOWED
    return deny("Vous n'avez pas accès aux comptes de ce service instructeur.")


def may_manage_accounts(actor: Actor, organization_id: int) -> Verdict:
    if is_platform_admin(actor):
        return ALLOWED
    if _member_of(actor, organization_id) and has_role(actor, Role.USERS_GESTION):
        return ALLOWED
    return deny("Cette action demande le rôle « Gestion des utilisateurs » dans ce service instructeur.")


def _may_change_own_account(actor: Actor, change: AccountChange) -> Verdict:
    if "email" in change.fields:
        return deny("L'adresse électronique sert d'identifiant et ne peut pas être modifiée.")
    if change.actor_type is not None and change.actor_type is not actor.actor_type:
        return deny("Vous ne pouvez pas modifier votre propre type d'acteur.")
    if change.habilitations_changed:
        return deny("Vous ne pouvez pas modifier vos propres habilitations.")
    if change.fields - SELF_EDITABLE_FIELDS:
        return deny("Sur votre propre compte, seuls la civilité, la fonction et les téléphones sont modifiables.")
    role_changes = change.roles_added | change.roles_removed
    if role_changes:
        # Seed 000, Action 2: an administrateur local may give itself the dossier roles, nothing more.
        if actor.actor_type is not ActorType.ADMIN_LOCAL or not has_role(actor, Role.USERS_GESTION):
            return deny("Vous ne pouvez pas modifier vos propres rôles.")
        if role_changes - DOSSIER_ROLES:
            return deny("Vous ne pouvez pas vous attribuer ni vous retirer la gestion des comptes ou des abonnements.")
    return ALLOWED


def may_edit_account(actor: Actor, target: Actor, change: AccountChange) -> Verdict:
    """May `actor` apply `change` to `target` (possibly itself)?"""
    if not actor.active:
        return deny("Votre compte est désactivé.")
    if "email" in change.fields:
        return deny(
            "L'adresse électronique sert d'identifiant et ne peut pas être modifiée : "
            "désactivez ce compte et créez-en un nouveau."
        )
    if actor.id == target.id:
        return _may_change_own_account(actor, change)
    if target.actor_type is ActorType.PLATFORM_ADMIN and not is_platform_admin(actor):
        return deny("Ce compte ne peut être modifié que par l'administrateur de la plateforme.")
    if target.actor_type is ActorType.DELEGUE_TECHNIQUE and not is_platform_admin(actor):
        return deny("Un délégué technique ne peut pas être modifié par un service instructeur.")
    if change.actor_type in (ActorType.PLATFORM_ADMIN, ActorType.DELEGUE_TECHNIQUE) and not is_platform_admin(actor):
        return deny("Seul l'administrateur de la plateforme peut attribuer ce type d'acteur.")
    if is_platform_admin(actor):
        return ALLOWED
    if target.organization_id is None:
        return deny("Ce compte ne relève d'aucun service instructeur que vous administrez.")
    return may_manage_accounts(actor, target.organization_id)


def may_set_active(actor: Actor, target: Actor) -> Verdict:
    """Deactivate or reactivate an account (accounts are never deleted)."""
    if actor.id == target.id:
        return deny("Vous ne pouvez pas désactiver ni réactiver votre propre compte.")
    if target.actor_type is ActorType.DELEGUE_TECHNIQUE and not is_platform_admin(actor):
        return deny("Un délégué technique ne peut pas être désactivé par un service instructeur.")
    return may_edit_account(actor, target, AccountChange(extra={"active": True}))


def may_grant_habilitation(actor: Actor, target: Actor, process_id: int, subscribed: frozenset[int]) -> Verdict:
    """Habilitations: only démarches the SI is subscribed to, never on one's own account."""
    verdict = may_edit_account(actor, target, AccountChange(habilitations_changed=True))
    if not verdict:
        return verdict
    if process_id not in subscribed:
        return deny("Seules les démarches auxquelles le service instructeur est abonné peuvent être attribuées.")
    return ALLOWED


# --- Subscriptions (SPEC §5) ------------------------------------------------------------------------


def _delegate_of(actor: Actor, subscription: SubscriptionRef) -> bool:
    return (
        actor.active
        and actor.actor_type is ActorType.DELEGUE_TECHNIQUE
        and subscription.technical_delegate_id == actor.id
    )


def may_view_subscriptions(actor: Actor, organization_id: int) -> Verdict:
    if is_platform_admin(actor):
        return ALLOWED
    if _member_of(actor, organization_id) and has_role(actor, Role.SUBSCRIPTIONS_CONSULTATION):
        return ALLOWED
    return deny("Vous n'avez pas accès aux abonnements de ce service instructeur.")


def may_view_subscription(actor: Actor, subscription: SubscriptionRef) -> Verdict:
    if _delegate_of(actor, subscription):
        return ALLOWED
    return may_view_subscriptions(actor, subscription.organization_id)


def may_manage_subscription(actor: Actor, subscription: SubscriptionRef) -> Verdict:
    """Activate, suspend, change modality or notifications, issue API secrets."""
    if _member_of(actor, subscription.organization_id) and has_role(actor, Role.SUBSCRIPTIONS_GESTION):
        return ALLOWED
    if _delegate_of(actor, subscription) and subscription.access_mode is AccessMode.API:
        return ALLOWED
    return deny("Cette action demande le rôle « Gestion des abonnements » dans ce service instructeur.")


def may_configure_subscription(actor: Actor, subscription: SubscriptionRef) -> Verdict:
    """Modalité d'accès, éditeur, délégué technique: the SI's own choice, never its delegate's (seed 001)."""
    if _member_of(actor, subscription.organization_id) and has_role(actor, Role.SUBSCRIPTIONS_GESTION):
        return ALLOWED
    return deny("Seul un membre du service instructeur ayant le rôle « Gestion des abonnements » peut faire ce choix.")


def may_request_subscription(actor: Actor, organization_id: int | None) -> Verdict:
    """File a DataPass-like request: for one's own SI (Gestion des abonnements), or any SI for the platform."""
    if is_platform_admin(actor):
        return ALLOWED
    if _member_of(actor, organization_id) and has_role(actor, Role.SUBSCRIPTIONS_GESTION):
        return ALLOWED
    return deny("Une demande d'abonnement demande le rôle « Gestion des abonnements » dans ce service instructeur.")


# --- The platform -----------------------------------------------------------------------------------


def may_administer_platform(actor: Actor) -> Verdict:
    """Organizations, catalogue, subscription requests, operator API clients, job activity."""
    if is_platform_admin(actor):
        return ALLOWED
    return deny("Cette page est réservée à l'administrateur de la plateforme.")
