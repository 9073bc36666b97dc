"""Intake: the packages dropped in the inbound folder become dossiers, or go to quarantine with the reason."""

from datetime import datetime

from core.clock import utcnow
from core.db import get_engine
from core.services.intake import import_inbound_packages
from jobs.runner import run_recorded

JOB_ID = "intake"


def _work(now: datetime):
    # One transaction per package (a bad one never rolls back the good ones), so the service takes the engine;
    # the real clock stamps each package as it is delivered.
    return import_inbound_packages(get_engine(), now=now, clock=utcnow)


def run(now: datetime | None = None) -> None:
    run_recorded(JOB_ID, _work, now)
