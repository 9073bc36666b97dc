"""The télédossier life cycle of SPEC §6: one transition table for the portal, the API and the jobs.

Pure: no database, no clock. Services call `check_transition` before changing a case's status.
"""

from enum import Enum

from core.errors import Conflict, InvalidInput
from core.models.exchange import CaseStatus as S

PORTAL_LABELS: dict[S, str] = {
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

NEW = frozenset({S.HUBEE_NOTIFIED, S.SENT})
# Statuses from which an agent can still work the dossier.
WORKABLE = NEW | {S.SI_RECEIVED, S.SI_INTG_ERROR, S.IN_PROGRESS}
# Reported to the operator: the commune is done with it, only the operator may close it.
FINAL_FOR_SI = frozenset({S.DONE, S.REFUSED})

# Inbox tabs: (label, statuses). "Tous" is every status.
INBOX_TABS: list[tuple[str, frozenset[S]]] = [
    ("Tous", frozenset(S)),
    ("Nouveaux", NEW),
    ("Reçus", frozenset({S.SI_RECEIVED})),
    ("En cours", frozenset({S.IN_PROGRESS})),
    ("En attente de compléments", frozenset({S.ADD_AWAITING})),
    ("Refusés", frozenset({S.REFUSED})),
    ("Traités", frozenset({S.DONE})),
    ("Clos", frozenset({S.CLOSED})),
]


class Trigger(str, Enum):
    """What moves a case."""

    OPENED = "première consultation"
    DOWNLOADED = "premier téléchargement"
    AGENT = "décision d'un agent"
    SI_SOFTWARE = "logiciel métier (API)"
    USAGER = "complément ou modification de l'usager"
    OPERATOR_CLOSE = "clôture par l'opérateur"


def _table() -> dict[Trigger, dict[S, frozenset[S]]]:
    agent: dict[S, frozenset[S]] = {s: frozenset({S.ADD_AWAITING, S.REFUSED, S.DONE}) for s in WORKABLE}
    agent[S.ADD_AWAITING] = frozenset({S.DONE, S.REFUSED})
    software = {s: set(targets) for s, targets in agent.items()}
    for s in NEW:
        software[s] |= {S.SI_RECEIVED, S.IN_PROGRESS, S.SI_INTG_ERROR}
    software[S.SI_RECEIVED] |= {S.IN_PROGRESS, S.SI_INTG_ERROR}
    software[S.SI_INTG_ERROR] |= {S.IN_PROGRESS}
    return {
        Trigger.OPENED: {s: frozenset({S.SI_RECEIVED}) for s in NEW},
        Trigger.DOWNLOADED: {s: frozenset({S.IN_PROGRESS}) for s in NEW | {S.SI_RECEIVED}},
        Trigger.AGENT: agent,
        Trigger.SI_SOFTWARE: {s: frozenset(t) for s, t in software.items()},
        Trigger.USAGER: {
            s: frozenset({S.HUBEE_NOTIFIED}) for s in (S.SI_RECEIVED, S.SI_INTG_ERROR, S.IN_PROGRESS, S.ADD_AWAITING)
        },
        Trigger.OPERATOR_CLOSE: {s: frozenset({S.CLOSED}) for s in S if s is not S.CLOSED},
    }


TRANSITIONS = _table()


def is_new(status: S) -> bool:
    return status in NEW


def label(status: S) -> str:
    return PORTAL_LABELS[status]


def next_statuses(current: S, trigger: Trigger, *, allows_complement: bool) -> list[S]:
    """The statuses `trigger` may move a case to from `current`, in life-cycle order."""
    targets = TRANSITIONS[trigger].get(current, frozenset())
    if not allows_complement:
        targets = targets - {S.ADD_AWAITING}
    return [s for s in S if s in targets]


def check_transition(
    current: S, target: S, trigger: Trigger, *, allows_complement: bool, message: str | None = None
) -> None:
    """Raise a French error unless `trigger` may move a case from `current` to `target` with this message."""
    if current is S.CLOSED:
        raise Conflict("Ce télédossier est clos : plus aucune modification n'est possible.")
    if target is S.ADD_AWAITING and not allows_complement:
        raise InvalidInput("Cette démarche ne permet pas de demander un complément à l'usager.", field="status")
    if target not in next_statuses(current, trigger, allows_complement=allows_complement):
        raise Conflict(
            f"Passage impossible du statut « {label(current)} » au statut « {label(target)} » ({trigger.value})."
        )
    if trigger in (Trigger.AGENT, Trigger.SI_SOFTWARE):
        has_message = bool(message and message.strip())
        if target is S.REFUSED and not has_message:
            raise InvalidInput("Le motif du refus est obligatoire.", field="message")
        if target is S.ADD_AWAITING and not has_message:
            raise InvalidInput(
                "Le message à l'usager précisant le complément attendu est obligatoire.", field="message"
            )
