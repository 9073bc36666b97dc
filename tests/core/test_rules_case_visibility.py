"""`case_visibility_clause` (the SQL used by every list and count) selects exactly what `may_view_case` allows.

Three communes, eight télédossiers delivered the way the hub delivers them (one folder reaching two
communes included), real accounts of every kind, then a sweep of synthetic actors. Isolation between
communes is checked on its own: an account never sees another commune's dossier, whatever its roles.
"""

import itertools
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from core.models import AccessMode, ActorType, Case, CaseStatus, Operator, Role
from core.permissions import Actor, CaseRef, case_ref, case_visibility_clause, may_download_case, may_view_case
from core.services.actors import actor_for
from core.services.cases import count_cases_by_status
from core.services.folders import IncomingFile, IncomingFolder, Recipient, deliver_folder, process_by_code
from tests.factories import make_account, make_organization, subscribe

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

# (folder number, démarche, recipients): the case numbers are <folder number>-01, -02… per recipient.
FOLDERS = [
    ("EC-A1", "EtatCivil", ("A",)),
    ("EC-A2", "EtatCivil", ("A",)),
    ("EC-AB", "EtatCivil", ("A", "B")),
    ("DC-A1", "CERTDC", ("A",)),
    ("RCO-A1", "recensementCitoyen", ("A",)),
    ("EC-B1", "EtatCivil", ("B",)),
    ("QF-B1", "FormulaireQF", ("B",)),
]
A_CASES = {"EC-A1-01", "EC-A2-01", "EC-AB-01", "DC-A1-01", "RCO-A1-01"}
B_CASES = {"EC-AB-02", "EC-B1-01", "QF-B1-01"}


class World:
    """The communes, their dossiers by number, and the ids of the démarches."""

    def __init__(self, session, store):
        self.session = session
        self.orgs = {key: make_organization(session, name=f"Commune {key}") for key in "ABC"}
        for key, codes in {
            "A": ("EtatCivil", "CERTDC", "recensementCitoyen"),
            "B": ("EtatCivil", "FormulaireQF"),
            "C": ("EtatCivil",),
        }.items():
            for code in codes:
                subscribe(session, self.orgs[key], code, access_mode=AccessMode.PORTAIL)
        self.process = {code: process_by_code(session, code).id for _, code, _ in FOLDERS}
        for number, code, recipients in FOLDERS:
            operator = session.get(Operator, process_by_code(session, code).operator_id)
            deliver_folder(
                session,
                operator=operator,
                incoming=IncomingFolder(
                    process_code=code,
                    external_id=number,
                    applicant_first_name="Jeanne",
                    applicant_last_name=f"Usager {number}",
                    recipients=tuple(
                        Recipient(siret=self.orgs[key].siret, case_external_id=f"{number}-{i:02d}")
                        for i, key in enumerate(recipients, start=1)
                    ),
                    files=(IncomingFile(f"{number}.xml", "Document principal", "application/xml", b"<x/>"),),
                ),
                now=NOW,
                store=store,
            )
        self.cases = {c.external_id: c for c in session.exec(select(Case))}
        # Statuses do not change visibility: a closed or refused dossier stays in the inbox.
        self.cases["DC-A1-01"].status = CaseStatus.CLOSED
        self.cases["EC-A2-01"].status = CaseStatus.REFUSED
        self.cases["EC-B1-01"].status = CaseStatus.DONE
        session.flush()

    def visible(self, actor: Actor) -> set[str]:
        """Case numbers selected by the SQL clause."""
        rows = self.session.exec(select(Case.external_id).where(case_visibility_clause(actor, Case)))
        numbers = list(rows)
        assert len(numbers) == len(set(numbers)), "a case is listed twice"
        return set(numbers)

    def allowed(self, actor: Actor) -> set[str]:
        """Case numbers `may_view_case` allows, case by case."""
        return {
            number
            for number, case in self.cases.items()
            if may_view_case(actor, CaseRef(case.organization_id, case.process_id, case.status))
        }


@pytest.fixture
def world(session, store):
    return World(session, store)


def test_delivery_created_one_case_per_recipient(world):
    assert set(world.cases) == A_CASES | B_CASES
    assert {n for n, c in world.cases.items() if c.organization_id == world.orgs["A"].id} == A_CASES
    assert {n for n, c in world.cases.items() if c.organization_id == world.orgs["B"].id} == B_CASES
    assert world.cases["EC-AB-01"].folder_id == world.cases["EC-AB-02"].folder_id


def _real_accounts(world) -> dict[str, tuple[object, set[str]]]:
    """Accounts built by the services, each with the dossiers SPEC §6 lets it see (written out by hand)."""
    s, orgs, p = world.session, world.orgs, world.process
    accounts = {
        "agent A habilitated to EtatCivil": (
            make_account(s, orgs["A"], habilitations=frozenset({p["EtatCivil"]})),
            {"EC-A1-01", "EC-A2-01", "EC-AB-01"},
        ),
        "agent A, Consultation, CERTDC + RCO": (
            make_account(
                s,
                orgs["A"],
                roles=frozenset({Role.DOSSIERS_CONSULTATION}),
                habilitations=frozenset({p["CERTDC"], p["recensementCitoyen"]}),
            ),
            {"DC-A1-01", "RCO-A1-01"},
        ),
        "agent A without dossier role": (
            make_account(
                s,
                orgs["A"],
                roles=frozenset({Role.USERS_GESTION, Role.SUBSCRIPTIONS_GESTION}),
                habilitations=frozenset({p["EtatCivil"]}),
            ),
            set(),
        ),
        "admin local A with the default roles": (make_account(s, orgs["A"], ActorType.ADMIN_LOCAL), set()),
        "admin local A + Gestion des télédossiers": (
            make_account(
                s,
                orgs["A"],
                ActorType.ADMIN_LOCAL,
                roles=frozenset({Role.USERS_GESTION, Role.SUBSCRIPTIONS_GESTION, Role.DOSSIERS_GESTION}),
            ),
            A_CASES,
        ),
        "admin local B + Consultation des télédossiers": (
            make_account(s, orgs["B"], ActorType.ADMIN_LOCAL, roles=frozenset({Role.DOSSIERS_CONSULTATION})),
            B_CASES,
        ),
        "agent B habilitated to EtatCivil": (
            make_account(s, orgs["B"], habilitations=frozenset({p["EtatCivil"]})),
            {"EC-AB-02", "EC-B1-01"},
        ),
        "agent C habilitated to EtatCivil (no dossier yet)": (
            make_account(s, orgs["C"], habilitations=frozenset({p["EtatCivil"]})),
            set(),
        ),
        "délégué technique with every role": (
            make_account(s, None, ActorType.DELEGUE_TECHNIQUE, roles=frozenset(Role)),
            set(),
        ),
        "platform administrator with every role": (
            make_account(s, None, ActorType.PLATFORM_ADMIN, roles=frozenset(Role)),
            set(),
        ),
    }
    deactivated = make_account(s, orgs["A"], ActorType.ADMIN_LOCAL, roles=frozenset(Role))
    deactivated.active = False
    s.flush()
    accounts["deactivated admin local A with every role"] = (deactivated, set())
    return accounts


def test_real_accounts_see_exactly_what_spec_says(world):
    for name, (account, expected) in _real_accounts(world).items():
        actor = actor_for(world.session, account)
        assert world.visible(actor) == expected, name
        assert world.allowed(actor) == expected, name
        counts = count_cases_by_status(world.session, actor=actor)
        assert sum(counts.values()) == len(expected), name


def test_a_case_row_can_be_checked_directly(world):
    agent = actor_for(
        world.session,
        make_account(
            world.session,
            world.orgs["A"],
            roles=frozenset({Role.DOSSIERS_GESTION}),
            habilitations=frozenset({world.process["EtatCivil"]}),
        ),
    )
    for number, case in world.cases.items():
        ref = CaseRef(case.organization_id, case.process_id, case.status)
        assert may_view_case(agent, case) == may_view_case(agent, ref), number


def test_a_case_row_can_be_checked_for_download(world):
    agent = actor_for(
        world.session,
        make_account(
            world.session,
            world.orgs["A"],
            roles=frozenset({Role.DOSSIERS_GESTION}),
            habilitations=frozenset({world.process["EtatCivil"]}),
        ),
    )
    assert may_download_case(agent, case_ref(world.cases["EC-A1-01"]))


SWEEP_ROLE_SETS = [
    frozenset(),
    frozenset({Role.DOSSIERS_CONSULTATION}),
    frozenset({Role.DOSSIERS_GESTION}),
    frozenset({Role.DOSSIERS_CONSULTATION, Role.DOSSIERS_GESTION}),
    frozenset(Role) - {Role.DOSSIERS_CONSULTATION, Role.DOSSIERS_GESTION},
    frozenset(Role),
]


def _sweep(world):
    orgs = {"A": world.orgs["A"].id, "B": world.orgs["B"].id, "C": world.orgs["C"].id, "none": None}
    p = world.process
    habilitation_sets = [
        frozenset(),
        frozenset({p["EtatCivil"]}),
        frozenset({p["CERTDC"], p["recensementCitoyen"]}),
        frozenset({p["FormulaireQF"]}),
        frozenset(p.values()),
    ]
    for actor_type, org, roles, habilitations, active in itertools.product(
        ActorType, orgs, SWEEP_ROLE_SETS, habilitation_sets, (True, False)
    ):
        yield Actor(
            id=10_000,
            actor_type=actor_type,
            organization_id=orgs[org],
            roles=roles,
            habilitations=habilitations,
            active=active,
        )


def test_the_clause_agrees_with_may_view_case_for_every_actor(world):
    checked = 0
    for actor in _sweep(world):
        assert world.visible(actor) == world.allowed(actor), actor
        checked += 1
    assert checked == 4 * 4 * 6 * 5 * 2


def test_no_account_ever_sees_another_communes_dossier(world):
    by_org = {
        world.orgs[k].id: {n for n, c in world.cases.items() if c.organization_id == world.orgs[k].id} for k in "ABC"
    }
    for actor in _sweep(world):
        visible = world.visible(actor)
        assert visible <= by_org.get(actor.organization_id, set()), actor
        if (
            actor.actor_type in (ActorType.DELEGUE_TECHNIQUE, ActorType.PLATFORM_ADMIN)
            and actor.organization_id is None
        ):
            assert visible == set(), actor  # outside every SI: no dossier at all


def test_an_administrateur_local_with_a_dossier_role_sees_every_demarche_of_its_si(world):
    for roles in SWEEP_ROLE_SETS:
        actor = Actor(id=1, actor_type=ActorType.ADMIN_LOCAL, organization_id=world.orgs["A"].id, roles=roles)
        has_dossier_role = bool(roles & {Role.DOSSIERS_CONSULTATION, Role.DOSSIERS_GESTION})
        assert world.visible(actor) == (A_CASES if has_dossier_role else set()), roles
