"""Data retention (RGPD): purge the attachments of dossiers closed for longer than `retention_months`."""

from datetime import datetime

from core.db import session_scope
from core.services.retention import BATCH, RetentionReport, purge_closed_attachments
from jobs.runner import run_recorded

JOB_ID = "retention"


def _work(now: datetime) -> RetentionReport:
    # One transaction per batch: files are removed just before their rows' « purgé » is committed.
    report = RetentionReport()
    while True:
        with session_scope() as s:
            batch = purge_closed_attachments(s, now=now, max_folders=BATCH)
        report += batch
        if batch == RetentionReport():
            return report


def run(now: datetime | None = None) -> None:
    run_recorded(JOB_ID, _work, now)
