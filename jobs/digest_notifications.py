"""Quotidienne and Biquotidienne digests, at the configured Paris times (core/services/notifications.py)."""

from datetime import datetime

from core.db import session_scope
from core.services.notifications import send_digests
from jobs.runner import run_recorded

JOB_ID = "notifications_resumes"


def _work(now: datetime):
    with session_scope() as s:
        return send_digests(s, now=now)


def run(now: datetime | None = None) -> None:
    run_recorded(JOB_ID, _work, now)
