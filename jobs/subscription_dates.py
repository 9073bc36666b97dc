"""Subscriptions: activation at the chosen date, suspension from the day after it was asked."""

from datetime import datetime

from core.db import session_scope
from core.services.subscriptions import apply_subscription_dates
from jobs.runner import run_recorded

JOB_ID = "subscription_dates"


def _work(now: datetime):
    with session_scope() as s:
        return apply_subscription_dates(s, now=now)


def run(now: datetime | None = None) -> None:
    run_recorded(JOB_ID, _work, now)
