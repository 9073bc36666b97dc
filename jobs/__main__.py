"""`python -m jobs`: the box's one scheduler process (APScheduler 3, a BlockingScheduler).

Start: check the schema, take the database's scheduler lock (a second process refuses with a French
message), register every job in the persistent job store, run each once at once to catch up on what an
outage missed (every service is due-based: a late or repeated run does the right thing), then on schedule.
SIGTERM or Ctrl-C: running jobs finish, the lock is released, exit code 0. Other exit codes: 1 another process
holds the lock, 2 the database is not migrated or a digest time is not HH:MM, 3 the lock was taken over.
"""

import contextlib
import logging
import os
import secrets
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.clock import utcnow
from core.config import Settings, get_settings
from core.db import get_engine, session_scope
from core.errors import DomainError
from core.logging_setup import configure_logging
from core.migrate import schema_version
from core.services.job_runs import close_interrupted_runs
from core.services.notifications import SETTLE, digest_times
from core.services.scheduler_lock import (
    HEARTBEAT_EVERY,
    acquire_scheduler_lock,
    beat_scheduler_lock,
    clear_job_store,
    release_scheduler_lock,
)

log = logging.getLogger("jobs")
# A job may start late (busy pool, machine asleep) and still run: the services look at what is due.
GRACE = 3600
LOCK_LOST = 3


@dataclass(frozen=True)
class JobSpec:
    job_id: str
    func: str  # "module:function": the job store keeps references, not objects
    trigger: BaseTrigger


def _digest_trigger(settings: Settings) -> BaseTrigger:
    zone = settings.zone
    # A little after each time: the digest covers up to `now - SETTLE`, which must have passed the slot.
    second = int(SETTLE.total_seconds()) + 15
    times = sorted({t for slots in digest_times(settings).values() for t in slots})
    return OrTrigger([CronTrigger(hour=t.hour, minute=t.minute, second=second, timezone=zone) for t in times])


def job_specs(settings: Settings) -> list[JobSpec]:
    """Every job, its reference and its trigger (the same ids and schedules as core.services.job_activity)."""
    zone = settings.zone
    return [
        JobSpec("outbox", "jobs.outbox:run", IntervalTrigger(seconds=20)),
        JobSpec("notifications_unitaires", "jobs.unit_notifications:run", IntervalTrigger(seconds=20)),
        JobSpec("notifications_resumes", "jobs.digest_notifications:run", _digest_trigger(settings)),
        JobSpec("intake", "jobs.intake:run", IntervalTrigger(minutes=5)),
        JobSpec("subscription_dates", "jobs.subscription_dates:run", CronTrigger(minute=0, second=30, timezone=zone)),
        JobSpec("inactivity", "jobs.inactivity:run", CronTrigger(hour=2, minute=0, timezone=zone)),
        JobSpec("purge", "jobs.purge:run", CronTrigger(minute=15, timezone=zone)),
        JobSpec("orphan_files", "jobs.orphan_files:run", CronTrigger(hour=3, minute=30, timezone=zone)),
        JobSpec("retention", "jobs.retention:run", CronTrigger(hour=4, minute=0, timezone=zone)),
    ]


class Heartbeat:
    """Beats the lock; if another process took it over (this one looked dead), stops this scheduler."""

    def __init__(self, owner: str):
        self.owner = owner
        self.lost = threading.Event()
        self.scheduler: BlockingScheduler | None = None

    def __call__(self) -> None:
        try:
            with session_scope() as s:
                still_ours = beat_scheduler_lock(s, owner=self.owner, now=utcnow())
        except Exception:
            log.warning("Signe de vie non enregistré (base indisponible ?)", exc_info=True)
            return
        if not still_ours:
            log.critical("Le verrou des traitements a été repris par un autre processus : arrêt de celui-ci.")
            self.lost.set()
            self.scheduler.shutdown(wait=False)


def build_scheduler(settings: Settings, heartbeat: Heartbeat) -> BlockingScheduler:
    """The scheduler with every job registered, each due at once (catch-up), then on its trigger."""
    scheduler = BlockingScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=get_engine()), "process": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=10)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": GRACE},
        timezone=settings.zone,
    )
    now = utcnow()
    for spec in job_specs(settings):
        scheduler.add_job(
            spec.func,
            trigger=spec.trigger,
            id=spec.job_id,
            name=spec.job_id,
            replace_existing=True,
            next_run_time=now,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=GRACE,
        )
    # The heartbeat belongs to this process only: kept in memory, not in the shared job store.
    scheduler.add_job(
        heartbeat,
        IntervalTrigger(seconds=HEARTBEAT_EVERY.total_seconds()),
        id="heartbeat",
        jobstore="process",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=int(HEARTBEAT_EVERY.total_seconds()),
    )
    heartbeat.scheduler = scheduler
    return scheduler


def _fail(message: str, code: int) -> int:
    print(f"Erreur : {message}", file=sys.stderr)
    return code


class Stopper:
    """SIGTERM / Ctrl-C handler: stops the scheduler from another thread.

    Raising in the handler is not enough: the signal lands anywhere in the main thread, often inside APScheduler's
    loop, which catches every exception while it submits a job, and would carry on.
    """

    def __init__(self, scheduler: BlockingScheduler):
        self.scheduler = scheduler
        self.thread: threading.Thread | None = None

    def __call__(self, _signum, _frame) -> None:
        if self.thread is None:
            log.info("Arrêt demandé : fin des traitements en cours…")
            self.thread = threading.Thread(target=self._stop, name="arret-des-traitements", daemon=True)
            self.thread.start()

    def _stop(self) -> None:
        # The signal may come while the scheduler is still starting: wait for it to run, then stop it.
        for _ in range(600):
            if self.scheduler.running:
                with contextlib.suppress(SchedulerNotRunningError):  # the heartbeat stopped it meanwhile
                    self.scheduler.shutdown(wait=True)
                return
            time.sleep(0.05)

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join()


def _take_lock(owner: str) -> None:
    now = utcnow()
    with session_scope() as s:
        acquire_scheduler_lock(s, owner=owner, host=socket.gethostname(), pid=os.getpid(), now=now)
        interrupted = close_interrupted_runs(s, now=now)
        clear_job_store(s)
    if interrupted:
        log.warning("%d exécution(s) interrompue(s) par l'arrêt précédent marquée(s) en échec.", interrupted)


def main() -> int:
    configure_logging("jobs")
    settings = get_settings()
    current, head = schema_version()
    if current != head:
        return _fail("la base n'est pas à jour : lancez `python -m core.cli migrate`.", 2)
    owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
    heartbeat = Heartbeat(owner)
    try:
        scheduler = build_scheduler(settings, heartbeat)
    except DomainError as error:  # e.g. digest times that are not HH:MM
        return _fail(error.message, 2)
    # From here on, SIGTERM and Ctrl-C stop the scheduler cleanly, even before it runs.
    stopper = Stopper(scheduler)
    signal.signal(signal.SIGTERM, stopper)
    signal.signal(signal.SIGINT, stopper)
    try:
        _take_lock(owner)
    except DomainError as error:
        return _fail(error.message, 1)
    log.info("Processus des traitements démarré (%s).", owner)
    try:
        scheduler.start()  # blocks until the scheduler is shut down
        # The loop ends as soon as shutdown begins; running jobs are done only when the stopper is.
        stopper.join()
    finally:
        if not heartbeat.lost.is_set():
            with session_scope() as s:
                release_scheduler_lock(s, owner=owner, now=utcnow())
    log.info("Processus des traitements arrêté.")
    return LOCK_LOST if heartbeat.lost.is_set() else 0


if __name__ == "__main__":
    sys.exit(main())
