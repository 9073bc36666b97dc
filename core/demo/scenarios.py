"""What happened to each demo dossier since it arrived: a plan of steps by age, then played with times.

Older dossiers are further along (most are Traité or Clos), the last days' are mostly Nouveau or Reçu,
and a few take a detour through a complément request.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from core.config import get_settings
from core.demo import lifecycle, texts
from core.demo.documents.common import pdf_bytes
from core.demo.lifecycle import Hand
from core.models import Case, CaseStatus, Operator, Process
from core.storage import AttachmentStore

TARGETS = ("new", "received", "in_progress", "add_awaiting", "done", "refused", "closed")
# Weights of TARGETS by the dossier's age in days (up to the bound).
WEIGHTS_BY_AGE = (
    (2, (70, 15, 10, 0, 5, 0, 0)),
    (14, (22, 15, 22, 10, 22, 5, 4)),
    (40, (5, 5, 12, 10, 30, 8, 30)),
    (10_000, (2, 2, 6, 6, 22, 5, 57)),
)
SOFTWARE = {
    "received": ["sw_received"],
    "in_progress": ["sw_received", "sw_progress"],
    "add_awaiting": ["sw_received", "sw_progress", "sw_complement"],
    "done": ["sw_received", "sw_progress", "sw_done"],
    "refused": ["sw_received", "sw_refuse"],
    "error": ["sw_error"],
    "recovered": ["sw_error", "sw_progress", "sw_done"],
}


def pick_target(rng: random.Random, age_days: float, allows_complement: bool) -> str:
    weights = next(w for bound, w in WEIGHTS_BY_AGE if age_days <= bound)
    target = rng.choices(TARGETS, weights=weights)[0]
    return "in_progress" if target == "add_awaiting" and not allows_complement else target


def portal_plan(rng: random.Random, target: str, allows_complement: bool) -> list[str]:
    """The steps agents take in the portal to bring a new dossier to `target`."""
    detour = allows_complement and rng.random() < 0.2
    opening = (["consult"] if rng.random() < 0.85 else []) + ["download"]
    if rng.random() < 0.3:
        opening.append("comment")
    if target == "new":
        return opening + ["complement", "usager"] if detour else []
    if target == "received":
        return ["consult"] + (["consult"] if rng.random() < 0.3 else [])
    if target == "in_progress":
        return opening
    if target == "add_awaiting":
        return opening + ["complement"]
    if target == "closed":
        return portal_plan(rng, rng.choices(("done", "refused"), weights=(85, 15))[0], allows_complement) + ["close"]
    decision = "done" if target == "done" else "refuse"
    if detour:
        return opening + ["complement"] + (["usager", "consult", "download"] if rng.random() < 0.7 else []) + [decision]
    return opening + [decision]


def software_plan(rng: random.Random, target: str) -> list[str]:
    """The statuses the SI's business software sets through the API."""
    if target == "closed":
        return software_plan(rng, rng.choices(("done", "refused"), weights=(85, 15))[0]) + ["close"]
    return list(SOFTWARE.get(target, []))


def step_times(rng: random.Random, start: datetime, end: datetime, count: int) -> list[datetime]:
    """`count` increasing instants in (start, end), early ones soon after start, in office hours when possible."""
    times, previous = [], start
    for left in range(count, 0, -1):
        room = (end - previous).total_seconds()
        candidate = previous + timedelta(seconds=room * rng.uniform(0.05, 0.9) / (left + 0.5))
        times.append(previous := max(_office_hours(candidate, end), previous + timedelta(seconds=1)))
    return times


def _office_hours(moment: datetime, end: datetime) -> datetime:
    """Move `moment` to the next weekday between 8:30 and 17:30 (Paris) unless that passes `end`."""
    zone = get_settings().zone
    local = moment.astimezone(zone)
    if local.weekday() < 5 and (8, 30) <= (local.hour, local.minute) < (17, 30):
        return moment
    shifted = local.replace(hour=8, minute=30 + local.minute % 30, second=local.second)
    if (local.hour, local.minute) >= (8, 30):
        shifted += timedelta(days=1)
    while shifted.weekday() >= 5:
        shifted += timedelta(days=1)
    shifted = shifted.astimezone(moment.tzinfo)
    return shifted if shifted < end else moment


@dataclass(frozen=True)
class Stage:
    """Everything a plan needs to be played on one dossier."""

    case: Case
    process: Process
    operator: Operator
    handler: Hand  # who decides (Gestion des télédossiers), or the business software
    viewer: Hand  # who may also open it (Consultation at least)
    store: AttachmentStore


def play(session: Session, rng: random.Random, stage: Stage, steps: list[str], times: list[datetime]) -> None:
    """Apply the steps at the given times."""
    for step, at in zip(steps, times, strict=True):
        _play_step(session, rng, stage, step, at)


def _play_step(session: Session, rng: random.Random, stage: Stage, step: str, at: datetime) -> None:
    case, process, hand = stage.case, stage.process, stage.handler
    if step == "consult":
        lifecycle.consult(session, case, process, stage.viewer if rng.random() < 0.3 else hand, at)
    elif step == "download":
        lifecycle.download_all(session, case, process, hand, at)
    elif step == "comment":
        lifecycle.add_comment(session, case, hand, at, rng.choice(texts.COMMENTS))
    elif step in DECISIONS:
        target = DECISIONS[step]
        lifecycle.decide(session, case, process, hand, at, target, _message(rng, target, process.code))
    elif step == "usager":
        content = pdf_bytes("Complément envoyé par l'usager", [("Télédossier", case.external_id)], created=at)
        name = f"complement-{case.external_id}.pdf"
        lifecycle.usager_complement(
            session, case, stage.operator, at, file_name=name, content=content, store=stage.store
        )
    elif step == "close":
        lifecycle.close_by_operator(session, case, process, stage.operator, at)
    else:
        target = SOFTWARE_TARGETS[step]
        lifecycle.software_update(session, case, process, hand, at, target, _message(rng, target, process.code))


DECISIONS = {"complement": CaseStatus.ADD_AWAITING, "done": CaseStatus.DONE, "refuse": CaseStatus.REFUSED}
SOFTWARE_TARGETS = {
    "sw_received": CaseStatus.SI_RECEIVED,
    "sw_progress": CaseStatus.IN_PROGRESS,
    "sw_done": CaseStatus.DONE,
    "sw_refuse": CaseStatus.REFUSED,
    "sw_complement": CaseStatus.ADD_AWAITING,
    "sw_error": CaseStatus.SI_INTG_ERROR,
}


def _message(rng: random.Random, target: CaseStatus, code: str) -> str | None:
    """What goes with a status change: required for a refusal or a complément, sometimes given for Traité."""
    if target is CaseStatus.ADD_AWAITING:
        return texts.pick(rng, texts.COMPLEMENT_REQUESTS, code, "Merci de compléter votre dossier.")
    if target is CaseStatus.REFUSED:
        return texts.pick(rng, texts.REFUSAL_REASONS, code, "Demande non recevable.")
    if target is CaseStatus.SI_INTG_ERROR:
        return rng.choice(texts.INTEGRATION_ERRORS)
    if target is CaseStatus.DONE and rng.random() < 0.7:
        return texts.pick(rng, texts.DONE_MESSAGES, code, "Demande traitée.")
    return None
