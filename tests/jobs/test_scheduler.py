"""How `python -m jobs` builds its scheduler: every job registered once, by reference, with coalescing, one
instance, a generous misfire grace, due at once (catch-up), then on its Paris-time schedule."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.util import ref_to_obj

from core.clock import utcnow
from core.config import get_settings
from core.db import session_scope
from core.services.job_activity import job_catalogue
from core.services.scheduler_lock import acquire_scheduler_lock
from jobs.__main__ import GRACE, Heartbeat, build_scheduler, job_specs

PARIS = ZoneInfo("Europe/Paris")


def paris(day, hour, minute=0, second=0):
    return datetime(2026, 5, day, hour, minute, second, tzinfo=PARIS)


def next_fire(spec, after):
    return spec.trigger.get_next_fire_time(None, after).astimezone(PARIS)


def test_every_job_is_in_the_activity_page_and_its_function_resolves():
    specs = job_specs(get_settings())
    assert [s.job_id for s in specs] == [info.job_id for info in job_catalogue()]
    for spec in specs:
        assert callable(ref_to_obj(spec.func)), spec.func


def test_schedules_in_paris_time():
    specs = {s.job_id: s for s in job_specs(get_settings())}
    digest = specs["notifications_resumes"]
    assert next_fire(digest, paris(5, 7)) == paris(5, 8, 0, 30)
    assert next_fire(digest, paris(5, 8, 1)) == paris(5, 13, 0, 30)
    assert next_fire(digest, paris(5, 14)) == paris(6, 8, 0, 30)
    assert next_fire(specs["inactivity"], paris(5, 14)) == paris(6, 2)
    assert next_fire(specs["orphan_files"], paris(5, 14)) == paris(6, 3, 30)
    assert next_fire(specs["subscription_dates"], paris(5, 23, 59)) == paris(6, 0, 0, 30)
    assert specs["outbox"].trigger.interval == timedelta(seconds=20)
    assert specs["intake"].trigger.interval == timedelta(minutes=5)


def test_digest_times_follow_the_settings():
    settings = get_settings().model_copy(
        update={"notification_daily_time": "07:15", "notification_twice_daily_times": "09:00,17:45"}
    )
    digest = {s.job_id: s for s in job_specs(settings)}["notifications_resumes"]
    fires, moment = [], paris(5, 0)
    for _ in range(3):
        moment = next_fire(digest, moment + timedelta(seconds=1))
        fires.append(moment.strftime("%H:%M:%S"))
    assert fires == ["07:15:30", "09:00:30", "17:45:30"]


def test_jobs_are_registered_with_the_design_options_and_due_at_once(db):
    heartbeat = Heartbeat("test-owner")
    before = utcnow()
    scheduler = build_scheduler(get_settings(), heartbeat)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {info.job_id for info in job_catalogue()} | {"heartbeat"}
    for job_id, job in jobs.items():
        assert (job.coalesce, job.max_instances) == (True, 1), job_id
        if job_id != "heartbeat":
            assert job.misfire_grace_time == GRACE
            assert job.func_ref.startswith("jobs.") and job.func_ref.endswith(":run")
            assert before <= job.next_run_time.astimezone(UTC) <= utcnow()
    assert heartbeat.scheduler is scheduler


def test_a_heartbeat_that_finds_its_lock_taken_over_stops_the_scheduler(db):
    class FakeScheduler:
        stopped_with = None

        def shutdown(self, wait=True):
            self.stopped_with = wait

    with session_scope(db) as s:
        acquire_scheduler_lock(s, owner="other", host="b", pid=2, now=utcnow())
    heartbeat = Heartbeat("me")
    heartbeat.scheduler = FakeScheduler()
    heartbeat()
    assert heartbeat.lost.is_set() and heartbeat.scheduler.stopped_with is False
