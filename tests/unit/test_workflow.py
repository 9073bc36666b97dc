"""The télédossier life cycle (SPEC §6) against a transition table written out by hand from the SPEC.

Every (current status × target status × trigger × démarche allows a complément or not) is compared with
`next_statuses` and `check_transition`, including the error type and its French message.
"""

import itertools

import pytest

from core import catalog
from core.errors import Conflict, InvalidInput
from core.models import CaseStatus as S
from core.workflow import INBOX_TABS, PORTAL_LABELS, Trigger, check_transition, is_new, label, next_statuses
from tests.unit.french import assert_french_sentence

NEW = (S.HUBEE_NOTIFIED, S.SENT)
AGENT_DECISIONS = {S.ADD_AWAITING, S.REFUSED, S.DONE}

# SPEC §6, one line per sentence. ADD_AWAITING is removed below for démarches without complément.
EXPECTED: dict[Trigger, dict[S, set[S]]] = {
    # "Nouveau → Reçu: automatically, the first time someone of the SI opens the dossier."
    Trigger.OPENED: {S.HUBEE_NOTIFIED: {S.SI_RECEIVED}, S.SENT: {S.SI_RECEIVED}},
    # "Nouveau/Reçu → En cours: automatically, the first time someone of the SI downloads its attachments."
    Trigger.DOWNLOADED: {S.HUBEE_NOTIFIED: {S.IN_PROGRESS}, S.SENT: {S.IN_PROGRESS}, S.SI_RECEIVED: {S.IN_PROGRESS}},
    # "Manual, by Gestion des télédossiers: → En attente de compléments, → Refusé, → Traité.
    #  From En attente de compléments: → Traité or Refusé only." (An integration error can be worked by hand.)
    Trigger.AGENT: {
        S.HUBEE_NOTIFIED: AGENT_DECISIONS,
        S.SENT: AGENT_DECISIONS,
        S.SI_RECEIVED: AGENT_DECISIONS,
        S.IN_PROGRESS: AGENT_DECISIONS,
        S.SI_INTG_ERROR: AGENT_DECISIONS,
        S.ADD_AWAITING: {S.DONE, S.REFUSED},
    },
    # Business software through the API: what agents do, plus the integration statuses, always forwards
    # (Nouveau → Reçu → Erreur d'intégration → En cours; "no status ever goes back").
    Trigger.SI_SOFTWARE: {
        S.HUBEE_NOTIFIED: AGENT_DECISIONS | {S.SI_RECEIVED, S.SI_INTG_ERROR, S.IN_PROGRESS},
        S.SENT: AGENT_DECISIONS | {S.SI_RECEIVED, S.SI_INTG_ERROR, S.IN_PROGRESS},
        S.SI_RECEIVED: AGENT_DECISIONS | {S.SI_INTG_ERROR, S.IN_PROGRESS},
        S.SI_INTG_ERROR: AGENT_DECISIONS | {S.IN_PROGRESS},
        S.IN_PROGRESS: AGENT_DECISIONS,
        S.ADD_AWAITING: {S.DONE, S.REFUSED},
    },
    # "…except that a complement or change sent by the usager returns the dossier to Nouveau."
    Trigger.USAGER: {
        S.SI_RECEIVED: {S.HUBEE_NOTIFIED},
        S.IN_PROGRESS: {S.HUBEE_NOTIFIED},
        S.ADD_AWAITING: {S.HUBEE_NOTIFIED},
        S.SI_INTG_ERROR: {S.HUBEE_NOTIFIED},
    },
    # "Only the operator moves a dossier to Clos, after which nothing changes."
    Trigger.OPERATOR_CLOSE: {s: {S.CLOSED} for s in S if s is not S.CLOSED},
}
# Forward order of the life cycle, to check "no status ever goes back" independently of the table above.
RANK = {
    S.HUBEE_NOTIFIED: 0,
    S.SENT: 0,
    S.SI_RECEIVED: 1,
    S.SI_INTG_ERROR: 2,
    S.IN_PROGRESS: 3,
    S.ADD_AWAITING: 4,
    S.REFUSED: 5,
    S.DONE: 5,
    S.CLOSED: 6,
}
NEEDS_MESSAGE = {S.REFUSED, S.ADD_AWAITING}  # a reason for Refusé, a message to the usager for a complément


def expected_targets(current: S, trigger: Trigger, allows_complement: bool) -> set[S]:
    targets = set(EXPECTED[trigger].get(current, set()))
    return targets if allows_complement else targets - {S.ADD_AWAITING}


def expected_error(current: S, target: S, trigger: Trigger, allows_complement: bool, message: str | None):
    if current is S.CLOSED:
        return Conflict  # nothing changes once Clos
    if target is S.ADD_AWAITING and not allows_complement:
        return InvalidInput  # the démarche itself forbids it: a wrong request, not a wrong moment
    if target not in expected_targets(current, trigger, allows_complement):
        return Conflict
    if trigger in (Trigger.AGENT, Trigger.SI_SOFTWARE) and target in NEEDS_MESSAGE and not (message or "").strip():
        return InvalidInput
    return None


@pytest.mark.parametrize("allows_complement", [True, False], ids=["complement", "no-complement"])
@pytest.mark.parametrize("trigger", list(Trigger), ids=lambda t: t.name)
@pytest.mark.parametrize("current", list(S), ids=lambda s: s.name)
def test_every_transition_matches_the_spec(current: S, trigger: Trigger, allows_complement: bool):
    offered = next_statuses(current, trigger, allows_complement=allows_complement)
    assert set(offered) == expected_targets(current, trigger, allows_complement)
    assert offered == [s for s in S if s in offered], "offered in life-cycle order, each once"
    for target, message in itertools.product(S, (None, "", "   ", "Merci de joindre votre justificatif.")):
        expected = expected_error(current, target, trigger, allows_complement, message)
        if expected is None:
            check_transition(current, target, trigger, allows_complement=allows_complement, message=message)
            continue
        with pytest.raises(expected) as raised:
            check_transition(current, target, trigger, allows_complement=allows_complement, message=message)
        assert type(raised.value) is expected, (current, target, trigger, message)
        assert_french_sentence(raised.value.message)


def test_no_status_ever_goes_back_except_for_the_usager():
    for trigger, table in EXPECTED.items():
        for current, targets in table.items():
            for target in targets:
                if trigger is Trigger.USAGER:
                    assert target is S.HUBEE_NOTIFIED and RANK[target] < RANK[current]
                else:
                    assert RANK[target] > RANK[current], (trigger, current, target)


def test_after_closed_nothing_changes():
    for trigger, target in itertools.product(Trigger, S):
        assert next_statuses(S.CLOSED, trigger, allows_complement=True) == []
        with pytest.raises(Conflict) as raised:
            check_transition(S.CLOSED, target, trigger, allows_complement=True, message="motif")
        assert "clos" in raised.value.message


def test_only_the_operator_closes():
    for trigger, current in itertools.product(Trigger, S):
        closes = S.CLOSED in next_statuses(current, trigger, allows_complement=True)
        assert closes is (trigger is Trigger.OPERATOR_CLOSE and current is not S.CLOSED), (trigger, current)


def test_impossible_transition_message_names_both_statuses():
    with pytest.raises(Conflict) as raised:
        check_transition(S.DONE, S.IN_PROGRESS, Trigger.AGENT, allows_complement=True, message="x")
    message = raised.value.message
    assert "« Traité »" in message and "« En cours »" in message
    assert_french_sentence(message)
    with pytest.raises(Conflict) as raised:
        check_transition(S.ADD_AWAITING, S.IN_PROGRESS, Trigger.SI_SOFTWARE, allows_complement=True)
    assert "« En attente de compléments »" in raised.value.message and "« En cours »" in raised.value.message


@pytest.mark.parametrize("trigger", [Trigger.AGENT, Trigger.SI_SOFTWARE], ids=lambda t: t.name)
def test_refusal_needs_a_reason_and_a_complement_request_a_message(trigger: Trigger):
    for blank in (None, "", " \n\t "):
        with pytest.raises(InvalidInput) as raised:
            check_transition(S.IN_PROGRESS, S.REFUSED, trigger, allows_complement=True, message=blank)
        assert raised.value.field == "message"
        assert "motif" in raised.value.message
        with pytest.raises(InvalidInput) as raised:
            check_transition(S.IN_PROGRESS, S.ADD_AWAITING, trigger, allows_complement=True, message=blank)
        assert raised.value.field == "message"
        assert "complément" in raised.value.message
    check_transition(S.IN_PROGRESS, S.REFUSED, trigger, allows_complement=True, message="Pièce illisible.")
    check_transition(S.IN_PROGRESS, S.ADD_AWAITING, trigger, allows_complement=True, message="Joindre le livret.")
    check_transition(S.IN_PROGRESS, S.DONE, trigger, allows_complement=True)  # Traité needs no message


NO_COMPLEMENT = sorted(code for code, _l, _s, _o, complement, _f in catalog.PROCESSES if not complement)


def test_the_catalogue_capabilities_are_those_of_spec_section_2():
    capabilities = {code: (complement, file_out) for code, _l, _s, _o, complement, file_out in catalog.PROCESSES}
    assert capabilities == {
        "CERTDC": (False, False),
        "EtatCivil": (True, True),
        "depotDossierPACS": (True, True),
        "recensementCitoyen": (True, True),
        "JeChangeDeCoordonnees": (True, False),
        "HebergementTourisme": (True, True),
        "FormulaireQF": (False, False),
    }
    assert NO_COMPLEMENT == ["CERTDC", "FormulaireQF"]


@pytest.mark.parametrize("code", NO_COMPLEMENT)
def test_demarches_without_complement_never_offer_it(code: str):
    allows = next(complement for c, _l, _s, _o, complement, _f in catalog.PROCESSES if c == code)
    for current, trigger in itertools.product(S, Trigger):
        assert S.ADD_AWAITING not in next_statuses(current, trigger, allows_complement=allows)
        if current is S.CLOSED:
            continue
        with pytest.raises(InvalidInput) as raised:
            check_transition(current, S.ADD_AWAITING, trigger, allows_complement=allows, message="Un complément.")
        assert raised.value.field == "status"
        assert_french_sentence(raised.value.message)


def test_portal_labels_are_the_spec_names():
    assert PORTAL_LABELS == {
        S.HUBEE_NOTIFIED: "Nouveau",
        S.SENT: "Nouveau",
        S.SI_RECEIVED: "Reçu",
        S.SI_INTG_ERROR: "Erreur d'intégration",
        S.IN_PROGRESS: "En cours",
        S.ADD_AWAITING: "En attente de compléments",
        S.REFUSED: "Refusé",
        S.DONE: "Traité",
        S.CLOSED: "Clos",
    }
    assert all(label(s) == PORTAL_LABELS[s] for s in S)
    assert [s for s in S if is_new(s)] == [S.HUBEE_NOTIFIED, S.SENT]


def test_inbox_tabs_cover_each_status_exactly_once_besides_tous():
    labels = [name for name, _ in INBOX_TABS]
    assert labels == [
        "Tous",
        "Nouveaux",
        "Reçus",
        "En cours",
        "En attente de compléments",
        "Refusés",
        "Traités",
        "Clos",
    ]
    tabs = dict(INBOX_TABS)
    assert tabs["Tous"] == frozenset(S)
    others = [statuses for name, statuses in INBOX_TABS if name != "Tous"]
    seen = [s for statuses in others for s in statuses]
    assert len(seen) == len(set(seen)), "a status in two tabs would be counted twice"
    # SI_INTG_ERROR is an API-only status (DESIGN §3: "(API only) erreur d'intégration"): the SPEC's tabs have
    # no place for it, so such a dossier is listed under "Tous" only.
    assert set(seen) == set(S) - {S.SI_INTG_ERROR}
    assert tabs["Nouveaux"] == frozenset(NEW)
    for name, status in [
        ("Reçus", S.SI_RECEIVED),
        ("En cours", S.IN_PROGRESS),
        ("En attente de compléments", S.ADD_AWAITING),
        ("Refusés", S.REFUSED),
        ("Traités", S.DONE),
        ("Clos", S.CLOSED),
    ]:
        assert tabs[name] == {status}, name
