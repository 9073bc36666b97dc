"""The one wrapper every job runs in: a `JobRun` row around the work; a failure is logged and recorded, never raised.

APScheduler would carry on with the other jobs anyway; catching here also keeps the failure visible in
« Activité des traitements » with its message.
"""

import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import datetime, timedelta

from core.clock import utcnow
from core.db import session_scope
from core.errors import DomainError
from core.services.job_activity import counts_summary
from core.services.job_runs import finish_job_run, start_job_run

log = logging.getLogger("jobs")
TRACEBACK_TAIL = 2500


def as_counts(result: object) -> dict:
    """What a service returned, as the counts kept on the run (a report dataclass, a dict or a number)."""
    if is_dataclass(result) and not isinstance(result, type):
        return {key: value for key, value in asdict(result).items() if isinstance(value, int | float)}
    if isinstance(result, dict):
        return {str(key): value for key, value in result.items() if isinstance(value, int | float)}
    if isinstance(result, int | float) and not isinstance(result, bool):
        return {"changed": result}
    return {}


def describe(error: BaseException) -> str:
    if isinstance(error, DomainError):
        return error.message
    details = "".join(traceback.format_exception(error))[-TRACEBACK_TAIL:]
    return f"{type(error).__name__} : {error}\n\n{details}"


def run_recorded(job_id: str, work: Callable[[datetime], object], now: datetime | None = None) -> dict | None:
    """Run `work(now)` inside a recorded run; its counts, or None when it failed (logged and recorded)."""
    now = now or utcnow()
    started = time.monotonic()
    try:
        with session_scope() as s:
            run_id = start_job_run(s, job_id=job_id, now=now)
    except Exception:
        log.exception("Traitement %s : impossible d'enregistrer son exécution, il n'est pas lancé", job_id)
        return None
    counts, error = None, None
    try:
        counts = as_counts(work(now))
    except Exception as exc:
        log.exception("Traitement %s en échec", job_id)
        error = describe(exc)
    # The duration is measured, not read from the clock: tests freeze `now`, and it stays meaningful.
    finished = now + timedelta(seconds=time.monotonic() - started)
    try:
        with session_scope() as s:
            finish_job_run(s, run_id=run_id, now=finished, counts=counts, error=error)
    except Exception:
        log.exception("Traitement %s : impossible d'enregistrer la fin de son exécution", job_id)
    if counts and any(counts.values()):
        log.info("Traitement %s : %s", job_id, counts_summary(counts))
    return counts
