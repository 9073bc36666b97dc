"""Who may change which account (SPEC §3): `may_edit_account`, `may_set_active`, `may_grant_habilitation`.

The SPEC rules, restated by the oracle below:
- nobody changes their own actor type or habilitations, nor their own management roles (users, subscriptions);
- an administrateur local holding Gestion des utilisateurs may add or remove the dossier roles on its own
  account (seed 000, Action 2: the later document wins over the older FAQ);
- on one's own account only civilité, fonction and the phone numbers are editable (not the names);
- the email (login) never changes: for someone else, deactivate and create a new account;
- a délégué technique is modified and deactivated by the platform administrator only, never by an SI;
- nobody deactivates (or reactivates) themselves;
- habilitations are granted only for démarches the SI is subscribed to;
- another SI's accounts are out of reach; an inactive account can do nothing.
"""

import itertools

import pytest

from core import permissions as P
from core.models import ActorType, Role
from core.permissions import AccountChange, Actor
from tests.unit.french import assert_french_sentence

ORG_A, ORG_B = 11, 22
EC, CERTDC, QF = 2, 1, 7  # démarche ids
SUBSCRIBED_A = frozenset({EC, CERTDC})
ALL_ROLE_SUBSETS = [frozenset(c) for n in range(len(Role) + 1) for c in itertools.combinations(Role, n)]
DOSSIER_ROLES = {Role.DOSSIERS_CONSULTATION, Role.DOSSIERS_GESTION}
MANAGEMENT_ROLES = set(Role) - DOSSIER_ROLES
SELF_EDITABLE = {"civility", "function", "phone", "phone_secondary"}
SI_TYPES = {ActorType.AGENT, ActorType.ADMIN_LOCAL}
ORGLESS_TYPES = {ActorType.DELEGUE_TECHNIQUE, ActorType.PLATFORM_ADMIN}


def account(
    actor_type=ActorType.AGENT, organization_id=ORG_A, roles=(), habilitations=(), *, id=1, active=True
) -> Actor:
    return Actor(
        id=id,
        actor_type=actor_type,
        organization_id=organization_id if actor_type in SI_TYPES else None,
        roles=frozenset(roles),
        habilitations=frozenset(habilitations),
        active=active,
    )


def home_of(actor_type: ActorType) -> int | None:
    return ORG_A if actor_type in SI_TYPES else None


ADMIN_A = account(ActorType.ADMIN_LOCAL, roles={Role.USERS_GESTION, Role.SUBSCRIPTIONS_GESTION}, id=1)
AGENT_A = account(ActorType.AGENT, roles={Role.DOSSIERS_GESTION}, habilitations={EC}, id=2)
ADMIN_B = account(ActorType.ADMIN_LOCAL, ORG_B, roles={Role.USERS_GESTION, Role.SUBSCRIPTIONS_GESTION}, id=3)
DELEGATE = account(ActorType.DELEGUE_TECHNIQUE, roles={Role.SUBSCRIPTIONS_GESTION}, id=4)
PLATFORM = account(ActorType.PLATFORM_ADMIN, id=5)
OTHER_PLATFORM = account(ActorType.PLATFORM_ADMIN, id=6)


def assert_refused(verdict: P.Verdict, *fragments: str) -> None:
    assert not verdict.allowed
    assert not verdict
    assert_french_sentence(verdict.reason)
    for fragment in fragments:
        assert fragment in verdict.reason, (fragment, verdict.reason)


# --- One's own account ------------------------------------------------------------------------------------------

SELF_CHANGES = {
    **{f"field {f}": AccountChange(fields=frozenset({f})) for f in sorted(SELF_EDITABLE)},
    "all self-editable fields": AccountChange(fields=frozenset(SELF_EDITABLE)),
    "field first_name": AccountChange(fields=frozenset({"first_name"})),
    "field last_name": AccountChange(fields=frozenset({"last_name"})),
    "field email": AccountChange(fields=frozenset({"email"})),
    "field organization_id": AccountChange(fields=frozenset({"organization_id"})),
    "phone and first_name": AccountChange(fields=frozenset({"phone", "first_name"})),
    **{f"add {r.name}": AccountChange(roles_added=frozenset({r})) for r in Role},
    **{f"remove {r.name}": AccountChange(roles_removed=frozenset({r})) for r in Role},
    "add both dossier roles": AccountChange(roles_added=frozenset(DOSSIER_ROLES)),
    "add DOSSIERS_GESTION, remove USERS_GESTION": AccountChange(
        roles_added=frozenset({Role.DOSSIERS_GESTION}), roles_removed=frozenset({Role.USERS_GESTION})
    ),
    "phone and add DOSSIERS_GESTION": AccountChange(
        fields=frozenset({"phone"}), roles_added=frozenset({Role.DOSSIERS_GESTION})
    ),
    "habilitations": AccountChange(habilitations_changed=True),
    **{f"actor type {t.name}": AccountChange(actor_type=t) for t in ActorType},
}


def expect_self_change(actor: Actor, change: AccountChange) -> bool:
    if not actor.active:
        return False
    if change.actor_type is not None and change.actor_type is not actor.actor_type:
        return False  # nobody changes their own actor type
    if change.habilitations_changed:
        return False  # …nor their own habilitations
    if not change.fields <= SELF_EDITABLE:
        return False  # only civilité, fonction, téléphones (the email never)
    roles = change.roles_added | change.roles_removed
    if roles:
        return (
            actor.actor_type is ActorType.ADMIN_LOCAL and Role.USERS_GESTION in actor.roles and roles <= DOSSIER_ROLES
        )
    return True


@pytest.mark.parametrize("actor_type", list(ActorType), ids=lambda t: t.name)
@pytest.mark.parametrize("active", [True, False], ids=["active", "inactive"])
def test_changes_to_ones_own_account(actor_type: ActorType, active: bool):
    mismatches = []
    for roles, (name, change) in itertools.product(ALL_ROLE_SUBSETS, SELF_CHANGES.items()):
        me = account(actor_type, home_of(actor_type), roles, {EC}, id=42, active=active)
        verdict = P.may_edit_account(me, me, change)
        if verdict.allowed != expect_self_change(me, change):
            mismatches.append(f"{name} with roles {sorted(r.name for r in roles)}: {verdict}")
        if not verdict:
            assert_french_sentence(verdict.reason)
    assert not mismatches, f"{len(mismatches)} differ from SPEC:\n" + "\n".join(mismatches[:8])


def test_admin_local_adds_and_removes_the_dossier_roles_on_its_own_account():
    # Seed 000, Action 2: « Ajouter le rôle "Gestion des télé dossiers" à mon compte Administrateur local ».
    for role in DOSSIER_ROLES:
        assert P.may_edit_account(ADMIN_A, ADMIN_A, AccountChange(roles_added=frozenset({role})))
        with_role = account(ActorType.ADMIN_LOCAL, roles=ADMIN_A.roles | {role}, id=ADMIN_A.id)
        assert P.may_edit_account(with_role, with_role, AccountChange(roles_removed=frozenset({role})))


def test_nobody_grants_themselves_account_or_subscription_management():
    for role in MANAGEMENT_ROLES:
        for me in (ADMIN_A, AGENT_A, DELEGATE, PLATFORM):
            assert_refused(P.may_edit_account(me, me, AccountChange(roles_added=frozenset({role}))))


def test_an_agent_cannot_give_itself_a_dossier_role_even_with_user_management():
    agent = account(ActorType.AGENT, roles={Role.USERS_GESTION, Role.DOSSIERS_CONSULTATION}, habilitations={EC})
    assert_refused(P.may_edit_account(agent, agent, AccountChange(roles_added=frozenset({Role.DOSSIERS_GESTION}))))


def test_nobody_changes_their_own_actor_type_or_habilitations():
    for me in (ADMIN_A, AGENT_A, DELEGATE, PLATFORM):
        for actor_type in set(ActorType) - {me.actor_type}:
            assert_refused(P.may_edit_account(me, me, AccountChange(actor_type=actor_type)), "type d'acteur")
        assert_refused(P.may_edit_account(me, me, AccountChange(habilitations_changed=True)), "habilitations")
        assert_refused(P.may_grant_habilitation(me, me, EC, SUBSCRIBED_A))


def test_own_names_are_not_editable_only_civility_function_and_phones():
    for me in (ADMIN_A, AGENT_A, DELEGATE, PLATFORM):
        assert P.may_edit_account(me, me, AccountChange(fields=frozenset(SELF_EDITABLE)))
        for name_field in ("first_name", "last_name"):
            assert_refused(
                P.may_edit_account(me, me, AccountChange(fields=frozenset({name_field}))),
                "civilité",
                "fonction",
                "téléphones",
            )


# --- The email (login) ------------------------------------------------------------------------------------------


def test_the_email_never_changes_for_anyone():
    email = AccountChange(fields=frozenset({"email", "phone"}))
    for me in (ADMIN_A, AGENT_A, DELEGATE, PLATFORM):
        assert_refused(P.may_edit_account(me, me, email), "identifiant")
    for actor, target in [(ADMIN_A, AGENT_A), (PLATFORM, AGENT_A), (PLATFORM, ADMIN_B), (PLATFORM, DELEGATE)]:
        # For someone else, the message says what to do instead.
        assert_refused(P.may_edit_account(actor, target, email), "désactivez ce compte et créez-en un nouveau")


# --- Other people's accounts ------------------------------------------------------------------------------------

TARGETS = {
    "agent of SI A": AGENT_A,
    "admin local of SI A": account(ActorType.ADMIN_LOCAL, roles={Role.USERS_GESTION}, id=9),
    "agent of SI B": account(ActorType.AGENT, ORG_B, roles={Role.DOSSIERS_GESTION}, habilitations={EC}, id=10),
    "délégué technique": DELEGATE,
    "another platform admin": OTHER_PLATFORM,
}
OTHER_CHANGES = {
    "names": AccountChange(fields=frozenset({"first_name", "last_name"})),
    "phone": AccountChange(fields=frozenset({"phone"})),
    "grant USERS_GESTION": AccountChange(roles_added=frozenset({Role.USERS_GESTION})),
    "remove DOSSIERS_GESTION": AccountChange(roles_removed=frozenset({Role.DOSSIERS_GESTION})),
    "habilitations": AccountChange(habilitations_changed=True),
    **{f"actor type {t.name}": AccountChange(actor_type=t) for t in ActorType},
    "email": AccountChange(fields=frozenset({"email"})),
}


def manages_accounts_of(actor: Actor, organization_id: int | None) -> bool:
    """SPEC §3: Gestion des utilisateurs in that SI (an account belongs to one SI), or the platform admin."""
    if not actor.active:
        return False
    if actor.actor_type is ActorType.PLATFORM_ADMIN:
        return True
    return (
        actor.actor_type in SI_TYPES
        and organization_id is not None
        and actor.organization_id == organization_id
        and Role.USERS_GESTION in actor.roles
    )


def expect_edit_other(actor: Actor, target: Actor, change: AccountChange) -> bool:
    if not actor.active or "email" in change.fields:
        return False
    platform = actor.actor_type is ActorType.PLATFORM_ADMIN
    if target.actor_type in ORGLESS_TYPES or change.actor_type in ORGLESS_TYPES:
        return platform  # outside every SI: the platform administrator's business only
    return manages_accounts_of(actor, target.organization_id)


def expect_set_active(actor: Actor, target: Actor) -> bool:
    return actor.id != target.id and expect_edit_other(actor, target, AccountChange())


def expect_grant(actor: Actor, target: Actor, process_id: int, subscribed: frozenset[int]) -> bool:
    return (
        actor.id != target.id
        and expect_edit_other(actor, target, AccountChange(habilitations_changed=True))
        and process_id in subscribed
    )


def _other_params():
    for actor_type, target_name in itertools.product(ActorType, TARGETS):
        yield pytest.param(actor_type, target_name, id=f"{actor_type.name}-edits-{target_name}")


def _actors_of_type(actor_type: ActorType):
    organizations = (ORG_A, ORG_B) if actor_type in SI_TYPES else (None,)
    for roles, organization_id, active in itertools.product(ALL_ROLE_SUBSETS, organizations, (True, False)):
        yield Actor(
            id=100,
            actor_type=actor_type,
            organization_id=organization_id,
            roles=roles,
            habilitations=frozenset({EC}),
            active=active,
        )


@pytest.mark.parametrize(("actor_type", "target_name"), list(_other_params()))
def test_changes_to_someone_elses_account(actor_type: ActorType, target_name: str):
    target = TARGETS[target_name]
    mismatches = []
    for actor in _actors_of_type(actor_type):
        outcomes = [
            *(
                (name, P.may_edit_account(actor, target, change), expect_edit_other(actor, target, change))
                for name, change in OTHER_CHANGES.items()
            ),
            ("set active", P.may_set_active(actor, target), expect_set_active(actor, target)),
        ]
        if target.actor_type in SI_TYPES:
            outcomes += [
                (
                    f"grant {p}",
                    P.may_grant_habilitation(actor, target, p, SUBSCRIBED_A),
                    expect_grant(actor, target, p, SUBSCRIBED_A),
                )
                for p in (EC, QF)
            ]
        for name, verdict, expected in outcomes:
            if verdict.allowed != expected:
                roles = sorted(r.name for r in actor.roles)
                mismatches.append(f"{name} by org={actor.organization_id} active={actor.active} {roles}: {verdict}")
            if not verdict:
                assert_french_sentence(verdict.reason)
    assert not mismatches, f"{len(mismatches)} differ from SPEC:\n" + "\n".join(mismatches[:8])


def test_an_si_never_modifies_nor_deactivates_a_delegue_technique():
    super_admin_a = account(ActorType.ADMIN_LOCAL, roles=set(Role), id=30)
    assert_refused(
        P.may_edit_account(super_admin_a, DELEGATE, AccountChange(fields=frozenset({"phone"}))), "délégué technique"
    )
    assert_refused(P.may_set_active(super_admin_a, DELEGATE), "délégué technique")


def test_the_platform_admin_modifies_and_deactivates_a_delegue_technique():
    assert P.may_edit_account(PLATFORM, DELEGATE, AccountChange(fields=frozenset({"phone"})))
    assert P.may_set_active(PLATFORM, DELEGATE)


def test_the_platform_admin_manages_the_accounts_of_every_si():
    for target in (AGENT_A, TARGETS["agent of SI B"], TARGETS["admin local of SI A"]):
        assert P.may_edit_account(PLATFORM, target, AccountChange(fields=frozenset({"first_name"})))
        assert P.may_set_active(PLATFORM, target)
    assert P.may_grant_habilitation(PLATFORM, AGENT_A, EC, SUBSCRIBED_A)


def test_an_si_cannot_make_anyone_a_delegue_technique_or_platform_admin():
    for actor_type in ORGLESS_TYPES:
        assert_refused(P.may_edit_account(ADMIN_A, AGENT_A, AccountChange(actor_type=actor_type)))
    assert P.may_edit_account(ADMIN_A, AGENT_A, AccountChange(actor_type=ActorType.ADMIN_LOCAL))


def test_nobody_deactivates_or_reactivates_themselves():
    for actor_type in ActorType:
        for roles in ALL_ROLE_SUBSETS:
            me = account(actor_type, home_of(actor_type), roles, id=77)
            assert_refused(P.may_set_active(me, me))


def test_habilitations_only_for_subscribed_demarches():
    assert P.may_grant_habilitation(ADMIN_A, AGENT_A, EC, SUBSCRIBED_A)
    assert P.may_grant_habilitation(ADMIN_A, AGENT_A, CERTDC, SUBSCRIBED_A)
    assert_refused(P.may_grant_habilitation(ADMIN_A, AGENT_A, QF, SUBSCRIBED_A), "abonné")
    assert_refused(P.may_grant_habilitation(ADMIN_A, AGENT_A, EC, frozenset()), "abonné")


def test_another_sis_accounts_are_out_of_reach():
    agent_b = TARGETS["agent of SI B"]
    assert_refused(P.may_edit_account(ADMIN_A, agent_b, AccountChange(fields=frozenset({"phone"}))))
    assert_refused(P.may_set_active(ADMIN_A, agent_b))
    assert_refused(P.may_grant_habilitation(ADMIN_A, agent_b, EC, SUBSCRIBED_A))
    assert_refused(P.may_edit_account(ADMIN_B, AGENT_A, AccountChange(roles_added=frozenset({Role.USERS_GESTION}))))


def test_consultation_des_utilisateurs_is_not_enough_to_change_an_account():
    reader = account(ActorType.ADMIN_LOCAL, roles={Role.USERS_CONSULTATION}, id=31)
    assert_refused(
        P.may_edit_account(reader, AGENT_A, AccountChange(fields=frozenset({"phone"}))), "Gestion des utilisateurs"
    )
    assert_refused(P.may_set_active(reader, AGENT_A))


def test_an_inactive_account_changes_nothing():
    inactive_admin = account(ActorType.ADMIN_LOCAL, roles=set(Role), id=32, active=False)
    assert_refused(P.may_edit_account(inactive_admin, AGENT_A, AccountChange(fields=frozenset({"phone"}))), "désactivé")
    assert_refused(P.may_edit_account(inactive_admin, inactive_admin, AccountChange(fields=frozenset({"phone"}))))
    assert_refused(P.may_set_active(inactive_admin, AGENT_A))
    assert_refused(P.may_grant_habilitation(inactive_admin, AGENT_A, EC, SUBSCRIBED_A))
