"""The record of every scheduled job's run (`JobRun`), written by the jobs process around each run."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from core.models import JobOutcome, JobRun

INTERRUPTED = "Interrompu : le processus des traitements s'est arrêté pendant l'exécution."
MAX_ERROR = 4000


def start_job_run(session: Session, *, job_id: str, now: datetime) -> int:
    """Open the run of `job_id` (outcome « En cours ») and return its id."""
    run = JobRun(job_id=job_id, started_at=now, outcome=JobOutcome.RUNNING)
    session.add(run)
    session.flush()
    return run.id


def finish_job_run(
    session: Session, *, run_id: int, now: datetime, counts: dict | None = None, error: str | None = None
) -> None:
    """Close a run: « Réussi » with its counts, or « Échec » with the error."""
    run = session.get(JobRun, run_id)
    run.finished_at = now
    run.outcome = JobOutcome.FAILURE if error is not None else JobOutcome.SUCCESS
    run.counts = dict(counts) if counts else None
    run.error = error[:MAX_ERROR] if error is not None else None
    session.flush()


def close_interrupted_runs(session: Session, *, now: datetime) -> int:
    """Runs still « En cours » when a jobs process starts were cut by a crash or a kill: mark them failed."""
    result = session.exec(
        sa.update(JobRun)
        .where(JobRun.outcome == JobOutcome.RUNNING)
        .values(outcome=JobOutcome.FAILURE, finished_at=now, error=INTERRUPTED)
    )
    return result.rowcount
