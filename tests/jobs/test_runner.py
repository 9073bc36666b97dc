"""The wrapper every job runs in: each run recorded with its counts; a failure logged and recorded, never raised,
and never in the way of the other jobs."""

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import select

from core.db import session_scope
from core.errors import InvalidInput
from core.models import JobOutcome, JobRun
from jobs.runner import as_counts, run_recorded

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Report:
    sent: int = 2
    failed: int = 1


def all_runs(db) -> list[JobRun]:
    with session_scope(db) as s:
        return list(s.exec(select(JobRun).order_by(JobRun.id)))


def test_a_successful_run_is_recorded_with_its_counts(db):
    assert run_recorded("outbox", lambda now: Report(), T0) == {"sent": 2, "failed": 1}
    (run,) = all_runs(db)
    assert (run.job_id, run.outcome, run.counts, run.error) == (
        "outbox",
        JobOutcome.SUCCESS,
        {"sent": 2, "failed": 1},
        None,
    )
    assert run.started_at == T0 and T0 <= run.finished_at < T0 + timedelta(seconds=5)


def test_a_failing_run_is_logged_and_recorded_and_does_not_raise(db, caplog):
    def broken(now):
        raise ZeroDivisionError("division par zéro")

    with caplog.at_level(logging.ERROR, logger="jobs"):
        assert run_recorded("intake", broken, T0) is None
    (run,) = all_runs(db)
    assert run.outcome is JobOutcome.FAILURE and run.counts is None
    assert run.error.startswith("ZeroDivisionError : division par zéro") and "Traceback" in run.error
    assert "Traitement intake en échec" in caplog.text


def test_a_domain_error_is_recorded_with_its_french_message(db):
    def refused(now):
        raise InvalidInput("Le réglage X est invalide.")

    run_recorded("notifications_resumes", refused, T0)
    assert all_runs(db)[0].error == "Le réglage X est invalide."


def test_counts_from_what_services_return():
    assert as_counts({"activated": 1, "note": "texte"}) == {"activated": 1}
    assert as_counts(3) == {"changed": 3}
    assert as_counts(None) == {} and as_counts(True) == {}


def test_in_a_real_scheduler_a_failing_job_does_not_stop_the_others(db):
    done = threading.Event()

    def good():
        run_recorded("outbox", lambda now: {"sent": 1})
        if len([r for r in all_runs(db) if r.job_id == "outbox"]) >= 2:
            done.set()

    def bad():
        run_recorded("intake", lambda now: 1 / 0)

    scheduler = BackgroundScheduler(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60})
    scheduler.add_job(bad, "interval", seconds=0.2, id="bad", next_run_time=datetime.now(UTC))
    scheduler.add_job(good, "interval", seconds=0.3, id="good", next_run_time=datetime.now(UTC))
    scheduler.start()
    try:
        assert done.wait(timeout=10), "the good job stopped running"
    finally:
        scheduler.shutdown(wait=True)
    outcomes = {(r.job_id, r.outcome) for r in all_runs(db)}
    assert ("intake", JobOutcome.FAILURE) in outcomes and ("outbox", JobOutcome.SUCCESS) in outcomes
