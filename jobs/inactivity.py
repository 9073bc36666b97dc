"""Inactivity rules: reminders at 60 and 90 days without login, deactivation at day 120 (core/services/inactivity.py)."""

from datetime import datetime

from core.db import session_scope
from core.services.inactivity import apply_inactivity_rules
from jobs.runner import run_recorded

JOB_ID = "inactivity"


def _work(now: datetime):
    with session_scope() as s:
        return apply_inactivity_rules(s, now=now)


def run(now: datetime | None = None) -> None:
    run_recorded(JOB_ID, _work, now)
