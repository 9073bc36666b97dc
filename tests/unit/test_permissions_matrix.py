"""The permission matrix of SPEC §3, §5 and §6, tested exhaustively against an oracle written from the SPEC.

Every rule of `core.permissions` is called for every actor type × every subset of the six roles ×
habilitation (none / another démarche only / the case's démarche) × organization (the target's SI / another
SI / none) × active or not, and for each target variant (case status × read-only, subscription access mode ×
délégué technique). The expected verdict comes from the small functions below, which restate the SPEC in
plain words and never call the code under test. The loops run inside each test, so the whole matrix
(about 500 000 verdicts) takes about a second.
"""

import functools
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pytest

from core import permissions as P
from core.errors import Forbidden
from core.models import AccessMode, ActorType, CaseStatus, Role
from core.permissions import Actor, CaseRef, SubscriptionRef
from tests.unit.french import assert_french_sentence, is_french_sentence

ORG_A, ORG_B = 101, 202  # the target's SI, another SI
PROC, OTHER_PROC = 1, 2  # the case's démarche, another démarche
ACTOR_ID, OTHER_ACCOUNT_ID = 7, 8

ALL_ROLE_SUBSETS = [frozenset(c) for n in range(len(Role) + 1) for c in itertools.combinations(Role, n)]
ORGANIZATIONS = {"same-SI": ORG_A, "other-SI": ORG_B, "no-SI": None}
HABILITATIONS = {
    "no-habilitation": frozenset(),
    "other-demarche-only": frozenset({OTHER_PROC}),
    "habilitated": frozenset({PROC, OTHER_PROC}),
}


def test_the_matrix_dimensions_are_complete():
    assert len(ActorType) == 4
    assert len(Role) == 6
    assert len(ALL_ROLE_SUBSETS) == 64 == len(set(ALL_ROLE_SUBSETS))


@functools.cache
def actors(actor_type: ActorType, organization: str) -> tuple[Actor, ...]:
    """Every role subset × habilitation × active/inactive for one actor type and organization (384 actors)."""
    return tuple(
        Actor(
            id=ACTOR_ID,
            actor_type=actor_type,
            organization_id=ORGANIZATIONS[organization],
            roles=roles,
            habilitations=habilitations,
            active=active,
        )
        for roles, habilitations, active in itertools.product(ALL_ROLE_SUBSETS, HABILITATIONS.values(), (True, False))
    )


# --- The oracle: SPEC in plain words ------------------------------------------------------------------------

SI_ACCOUNT_TYPES = {ActorType.AGENT, ActorType.ADMIN_LOCAL}


def works_in(actor: Actor, organization_id: int) -> bool:
    """SPEC §3: an account belongs to exactly one SI; the délégué technique and the platform administrator
    belong to none (they are outside every SI). An inactive account can do nothing."""
    return actor.active and actor.actor_type in SI_ACCOUNT_TYPES and actor.organization_id == organization_id


def holds(actor: Actor, *, consultation: Role | None, gestion: Role) -> bool:
    """'Gestion' implies 'Consultation': asking for consultation is satisfied by either role."""
    return gestion in actor.roles or (consultation is not None and consultation in actor.roles)


def expect_view_case(actor: Actor, case: CaseRef) -> bool:
    # SPEC §6 Visibility: its SI received it, a dossier role, habilitated to its démarche (Admin local: all).
    return (
        works_in(actor, case.organization_id)
        and holds(actor, consultation=Role.DOSSIERS_CONSULTATION, gestion=Role.DOSSIERS_GESTION)
        and (actor.actor_type is ActorType.ADMIN_LOCAL or case.process_id in actor.habilitations)
    )


def expect_download_case(actor: Actor, case: CaseRef) -> bool:
    # SPEC §6 Attachments: Gestion des télédossiers; not once Clos or Refusé; read-only cases: viewing only.
    return (
        expect_view_case(actor, case)
        and Role.DOSSIERS_GESTION in actor.roles
        and not case.read_only
        and case.status not in (CaseStatus.CLOSED, CaseStatus.REFUSED)
    )


def expect_change_case(actor: Actor, case: CaseRef) -> bool:
    # Status changes, messages to the usager and internal comments: Gestion, never once Clos, not read-only.
    return (
        expect_view_case(actor, case)
        and Role.DOSSIERS_GESTION in actor.roles
        and not case.read_only
        and case.status is not CaseStatus.CLOSED
    )


def is_active_platform_admin(actor: Actor) -> bool:
    return actor.active and actor.actor_type is ActorType.PLATFORM_ADMIN


def expect_view_accounts(actor: Actor, organization_id: int) -> bool:
    return is_active_platform_admin(actor) or (
        works_in(actor, organization_id)
        and holds(actor, consultation=Role.USERS_CONSULTATION, gestion=Role.USERS_GESTION)
    )


def expect_manage_accounts(actor: Actor, organization_id: int) -> bool:
    return is_active_platform_admin(actor) or (works_in(actor, organization_id) and Role.USERS_GESTION in actor.roles)


def expect_view_subscriptions(actor: Actor, organization_id: int) -> bool:
    # SPEC §5: "The platform administrator sees every SI's subscriptions."
    return is_active_platform_admin(actor) or (
        works_in(actor, organization_id)
        and holds(actor, consultation=Role.SUBSCRIPTIONS_CONSULTATION, gestion=Role.SUBSCRIPTIONS_GESTION)
    )


def is_its_delegate(actor: Actor, subscription: SubscriptionRef) -> bool:
    return (
        actor.active
        and actor.actor_type is ActorType.DELEGUE_TECHNIQUE
        and subscription.technical_delegate_id == actor.id
    )


def expect_view_subscription(actor: Actor, subscription: SubscriptionRef) -> bool:
    # The délégué technique of a subscription sees it whatever its modality (it may have been switched back
    # to Portail, which it then can no longer manage).
    return expect_view_subscriptions(actor, subscription.organization_id) or is_its_delegate(actor, subscription)


def expect_manage_subscription(actor: Actor, subscription: SubscriptionRef) -> bool:
    # Gestion des abonnements in the same SI, or the subscription's délégué technique in API mode. The platform
    # administrator validates requests (may_administer_platform) but does not run an SI's subscriptions.
    return (works_in(actor, subscription.organization_id) and Role.SUBSCRIPTIONS_GESTION in actor.roles) or (
        is_its_delegate(actor, subscription) and subscription.access_mode is AccessMode.API
    )


def expect_administer_platform(actor: Actor, _target: None) -> bool:
    return is_active_platform_admin(actor)


# --- The rules and their targets ----------------------------------------------------------------------------

CASES = tuple(
    CaseRef(organization_id=ORG_A, process_id=PROC, status=status, read_only=read_only)
    for status, read_only in itertools.product(CaseStatus, (False, True))
)
SUBSCRIPTIONS = tuple(
    SubscriptionRef(organization_id=ORG_A, access_mode=mode, technical_delegate_id=delegate)
    for mode, delegate in itertools.product(
        (AccessMode.API, AccessMode.PORTAIL, None), (ACTOR_ID, OTHER_ACCOUNT_ID, None)
    )
)


@dataclass(frozen=True)
class Rule:
    name: str
    call: Callable[[Actor, object], P.Verdict]
    targets: tuple
    oracle: Callable[[Actor, object], bool]

    def __repr__(self) -> str:
        return self.name


RULES = [
    Rule("may_view_case", P.may_view_case, CASES, expect_view_case),
    Rule("may_download_case", P.may_download_case, CASES, expect_download_case),
    Rule("may_change_case_status", P.may_change_case_status, CASES, expect_change_case),
    Rule("may_comment_case", P.may_comment_case, CASES, expect_change_case),
    Rule("may_message_usager", P.may_message_usager, CASES, expect_change_case),
    Rule("may_view_accounts", P.may_view_accounts, (ORG_A,), expect_view_accounts),
    Rule("may_manage_accounts", P.may_manage_accounts, (ORG_A,), expect_manage_accounts),
    Rule("may_view_subscriptions", P.may_view_subscriptions, (ORG_A,), expect_view_subscriptions),
    Rule("may_view_subscription", P.may_view_subscription, SUBSCRIPTIONS, expect_view_subscription),
    Rule("may_manage_subscription", P.may_manage_subscription, SUBSCRIPTIONS, expect_manage_subscription),
    Rule(
        "may_administer_platform",
        lambda actor, _: P.may_administer_platform(actor),
        (None,),
        expect_administer_platform,
    ),
]


def _matrix_params() -> Iterable:
    for rule, actor_type, organization in itertools.product(RULES, ActorType, ORGANIZATIONS):
        yield pytest.param(rule, actor_type, organization, id=f"{rule.name}-{actor_type.name}-{organization}")


# Refusal reasons are a handful of fixed sentences: check each distinct one once.
_french_reason = functools.lru_cache(maxsize=None)(is_french_sentence)


def _describe(actor: Actor, target) -> str:
    roles = sorted(r.name for r in actor.roles)
    return (
        f"{actor.actor_type.name} org={actor.organization_id} active={actor.active} roles={roles} "
        f"habilitations={sorted(actor.habilitations)} target={target}"
    )


@pytest.mark.parametrize(("rule", "actor_type", "organization"), list(_matrix_params()))
def test_rule_matches_the_spec_for_every_combination(rule: Rule, actor_type: ActorType, organization: str):
    mismatches, malformed, checked = [], [], 0
    for actor in actors(actor_type, organization):
        for target in rule.targets:
            verdict = rule.call(actor, target)
            checked += 1
            if verdict.allowed != rule.oracle(actor, target):
                mismatches.append((actor, target, verdict))
            if bool(verdict) is not verdict.allowed or (
                verdict.reason != "" if verdict.allowed else not _french_reason(verdict.reason)
            ):
                malformed.append((actor, target, verdict))
    assert checked == 64 * 3 * 2 * len(rule.targets)
    assert not mismatches, f"{len(mismatches)}/{checked} verdicts differ from SPEC, e.g.:\n" + "\n".join(
        f"got {v!r} for {_describe(a, t)}" for a, t, v in mismatches[:5]
    )
    assert not malformed, "refusals need a French reason, approvals none:\n" + "\n".join(
        f"{v!r} for {_describe(a, t)}" for a, t, v in malformed[:5]
    )


def test_the_matrix_allows_and_refuses_something_for_every_rule():
    """Guards the oracle against being trivially always-false (or always-true) for a rule."""
    for rule in RULES:
        outcomes = {
            rule.oracle(actor, target)
            for actor_type, organization in itertools.product(ActorType, ORGANIZATIONS)
            for actor in actors(actor_type, organization)
            for target in rule.targets
        }
        assert outcomes == {True, False}, rule.name


# --- Rules stated once, by name --------------------------------------------------------------------------------

GESTION_OF = {
    Role.DOSSIERS_CONSULTATION: Role.DOSSIERS_GESTION,
    Role.USERS_CONSULTATION: Role.USERS_GESTION,
    Role.SUBSCRIPTIONS_CONSULTATION: Role.SUBSCRIPTIONS_GESTION,
}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.name)
def test_gestion_implies_consultation_and_nothing_else(role: Role):
    for roles in ALL_ROLE_SUBSETS:
        actor = Actor(id=1, actor_type=ActorType.AGENT, organization_id=ORG_A, roles=roles)
        expected = role in roles or (role in GESTION_OF and GESTION_OF[role] in roles)
        assert P.has_role(actor, role) is expected, (role, roles)


def _actor(actor_type=ActorType.AGENT, organization_id=ORG_A, roles=(), habilitations=(), active=True, id=ACTOR_ID):
    return Actor(
        id=id,
        actor_type=actor_type,
        organization_id=organization_id,
        roles=frozenset(roles),
        habilitations=frozenset(habilitations),
        active=active,
    )


NEW_CASE = CaseRef(organization_id=ORG_A, process_id=PROC, status=CaseStatus.HUBEE_NOTIFIED)


def test_administrateur_local_sees_every_demarche_only_with_a_dossier_role():
    # Seed 000, Action 2: by default (Gestion des utilisateurs + des abonnements) it sees no dossier at all.
    default_admin = _actor(ActorType.ADMIN_LOCAL, roles={Role.USERS_GESTION, Role.SUBSCRIPTIONS_GESTION})
    assert not P.may_view_case(default_admin, NEW_CASE)
    assert_french_sentence(P.may_view_case(default_admin, NEW_CASE).reason)
    assert "Consultation des télédossiers" in P.may_view_case(default_admin, NEW_CASE).reason
    with_role = _actor(ActorType.ADMIN_LOCAL, roles={Role.USERS_GESTION, Role.DOSSIERS_GESTION})
    for process_id in (PROC, OTHER_PROC, 999):
        assert P.may_view_case(with_role, CaseRef(organization_id=ORG_A, process_id=process_id, status=NEW_CASE.status))


def test_agent_needs_the_habilitation_of_the_demarche():
    agent = _actor(roles={Role.DOSSIERS_GESTION}, habilitations={OTHER_PROC})
    assert not P.may_view_case(agent, NEW_CASE)
    assert P.may_view_case(_actor(roles={Role.DOSSIERS_GESTION}, habilitations={PROC}), NEW_CASE)


def test_a_case_of_another_si_is_refused_without_revealing_that_it_exists():
    admin_b = _actor(ActorType.ADMIN_LOCAL, organization_id=ORG_B, roles=set(Role))
    verdict = P.may_view_case(admin_b, NEW_CASE)
    assert not verdict
    assert "n'existe pas" in verdict.reason
    # Same answer as for a démarche the agent is not habilitated to: nobody learns the dossier exists.
    unhabilitated = P.may_view_case(_actor(roles={Role.DOSSIERS_GESTION}), NEW_CASE)
    assert verdict.reason == unhabilitated.reason


@pytest.mark.parametrize(("status", "word"), [(CaseStatus.CLOSED, "clos"), (CaseStatus.REFUSED, "refusé")])
def test_download_refusal_names_the_status(status: CaseStatus, word: str):
    agent = _actor(roles={Role.DOSSIERS_GESTION}, habilitations={PROC})
    verdict = P.may_download_case(agent, CaseRef(organization_id=ORG_A, process_id=PROC, status=status))
    assert not verdict
    assert word in verdict.reason
    assert_french_sentence(verdict.reason)


def test_read_only_case_can_be_viewed_but_nothing_else():
    agent = _actor(roles=set(Role), habilitations={PROC})
    case = CaseRef(organization_id=ORG_A, process_id=PROC, status=CaseStatus.IN_PROGRESS, read_only=True)
    assert P.may_view_case(agent, case)
    for rule in (P.may_download_case, P.may_change_case_status, P.may_comment_case, P.may_message_usager):
        verdict = rule(agent, case)
        assert not verdict, rule.__name__
        assert "lecture seule" in verdict.reason


def test_inactive_accounts_can_do_nothing():
    for actor_type in ActorType:
        organization_id = ORG_A if actor_type in SI_ACCOUNT_TYPES else None
        actor = _actor(actor_type, organization_id, roles=set(Role), habilitations={PROC}, active=False)
        subscription = SubscriptionRef(ORG_A, AccessMode.API, technical_delegate_id=actor.id)
        verdicts = [
            *(rule(actor, case) for rule in (P.may_view_case, P.may_download_case) for case in CASES),
            P.may_view_accounts(actor, ORG_A),
            P.may_manage_accounts(actor, ORG_A),
            P.may_view_subscriptions(actor, ORG_A),
            P.may_view_subscription(actor, subscription),
            P.may_manage_subscription(actor, subscription),
            P.may_administer_platform(actor),
        ]
        assert not any(verdicts), actor_type


def test_platform_admin_sees_accounts_and_subscriptions_of_every_si_but_no_dossier():
    admin = _actor(ActorType.PLATFORM_ADMIN, None, roles=set(Role), habilitations={PROC})
    for organization_id in (ORG_A, ORG_B):
        assert P.may_view_accounts(admin, organization_id)
        assert P.may_manage_accounts(admin, organization_id)
        assert P.may_view_subscriptions(admin, organization_id)
        assert P.may_view_subscription(admin, SubscriptionRef(organization_id, AccessMode.PORTAIL))
    assert P.may_administer_platform(admin)
    assert not any(rule(admin, case) for rule in (P.may_view_case, P.may_download_case) for case in CASES)


def test_delegue_technique_manages_only_its_api_subscriptions():
    delegate = _actor(ActorType.DELEGUE_TECHNIQUE, None, roles={Role.SUBSCRIPTIONS_GESTION})
    own_api = SubscriptionRef(ORG_A, AccessMode.API, technical_delegate_id=delegate.id)
    own_portal = SubscriptionRef(ORG_A, AccessMode.PORTAIL, technical_delegate_id=delegate.id)
    someone_elses = SubscriptionRef(ORG_A, AccessMode.API, technical_delegate_id=OTHER_ACCOUNT_ID)
    assert P.may_manage_subscription(delegate, own_api)
    assert P.may_view_subscription(delegate, own_portal)
    assert not P.may_manage_subscription(delegate, own_portal)
    assert not P.may_view_subscription(delegate, someone_elses)
    assert not P.may_manage_subscription(delegate, someone_elses)
    assert not P.may_view_subscriptions(delegate, ORG_A)
    assert not P.may_view_accounts(delegate, ORG_A)
    assert not P.may_administer_platform(delegate)
    # An agent whose id happens to be the subscription's délégué is not a délégué technique.
    agent = _actor(ActorType.AGENT, ORG_B, id=delegate.id)
    assert not P.may_manage_subscription(agent, own_api)


def test_require_raises_forbidden_with_the_reason():
    assert P.require(P.ALLOWED) is None
    verdict = P.may_administer_platform(_actor())
    with pytest.raises(Forbidden) as raised:
        P.require(verdict)
    assert raised.value.message == verdict.reason
    assert_french_sentence(raised.value.message)
