"""Purge: spent activation/reset links and login codes, abandoned and old portal sessions, old job runs."""

from datetime import datetime

from core.db import session_scope
from core.services.maintenance import purge_expired_records
from jobs.runner import run_recorded

JOB_ID = "purge"


def _work(now: datetime):
    with session_scope() as s:
        return purge_expired_records(s, now=now)


def run(now: datetime | None = None) -> None:
    run_recorded(JOB_ID, _work, now)
