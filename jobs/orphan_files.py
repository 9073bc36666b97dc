"""Orphan files: stored attachments that nothing references (a rolled-back delivery), after a grace period."""

from datetime import datetime

from core.db import session_scope
from core.services.maintenance import remove_orphan_files
from jobs.runner import run_recorded

JOB_ID = "orphan_files"


def _work(now: datetime):
    with session_scope() as s:
        return remove_orphan_files(s, now=now)


def run(now: datetime | None = None) -> None:
    run_recorded(JOB_ID, _work, now)
