"""Télédossiers as the portal shows them; every query goes through the visibility rule."""

from sqlalchemy import func
from sqlmodel import Session, select

from core.models import Case, CaseStatus
from core.permissions import Actor, case_visibility_clause


def count_cases_by_status(session: Session, *, actor: Actor) -> dict[CaseStatus, int]:
    """How many dossiers this person may see, per status (every status present, zero included)."""
    rows = session.exec(
        select(Case.status, func.count()).where(case_visibility_clause(actor, Case)).group_by(Case.status)
    ).all()
    counts = dict.fromkeys(CaseStatus, 0)
    counts.update({status: n for status, n in rows})
    return counts
