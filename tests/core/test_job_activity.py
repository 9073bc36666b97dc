"""« Activité des traitements »: the jobs process's state, each job's last run and failures; platform admin only."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from core.errors import Forbidden
from core.models import ActorType, JobOutcome, JobRun
from core.services.job_activity import counts_summary, job_activity_view, job_catalogue
from core.services.job_runs import close_interrupted_runs, finish_job_run, start_job_run
from core.services.scheduler_lock import acquire_scheduler_lock, release_scheduler_lock
from tests.factories import make_account, make_organization

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


@pytest.fixture
def admin(session):
    return make_account(session, None, ActorType.PLATFORM_ADMIN)


def record(session, job_id, started, *, counts=None, error=None, seconds=2):
    run_id = start_job_run(session, job_id=job_id, now=started)
    finish_job_run(session, run_id=run_id, now=started + timedelta(seconds=seconds), counts=counts, error=error)


def test_last_run_last_failure_and_recent_runs(session, admin):
    record(session, "outbox", T0 - timedelta(hours=2), error="SMTPServerDisconnected : connexion perdue")
    record(session, "outbox", T0 - timedelta(minutes=1), counts={"sent": 3, "retried": 1, "failed": 0})
    record(session, "intake", T0 - timedelta(days=2), error="IntakeError : base indisponible")

    view = job_activity_view(session, account_id=admin.id, now=T0)

    jobs = {job.job_id: job for job in view.jobs}
    assert [job.job_id for job in view.jobs] == [info.job_id for info in job_catalogue()]
    outbox = jobs["outbox"]
    assert (outbox.label, outbox.last_run.outcome, outbox.last_run.summary) == (
        "Envoi des courriels",
        "Réussi",
        "3 envoyé(s), 1 à réessayer",
    )
    assert outbox.last_run.duration_seconds == 2
    assert outbox.last_failure.error == "SMTPServerDisconnected : connexion perdue"
    assert (outbox.failures_24h, jobs["intake"].failures_24h) == (1, 0)
    assert jobs["purge"].last_run is None
    assert [run.job for run in view.runs] == [
        "Envoi des courriels",
        "Envoi des courriels",
        "Dépôts du dossier d'entrée",
    ]
    failures = job_activity_view(session, account_id=admin.id, now=T0, failures_only=True).runs
    assert [run.outcome for run in failures] == ["Échec", "Échec"]


def test_only_the_platform_administrator_sees_it(session):
    agent = make_account(session, make_organization(session), ActorType.ADMIN_LOCAL)
    with pytest.raises(Forbidden, match="réservée à l'administrateur de la plateforme"):
        job_activity_view(session, account_id=agent.id, now=T0)


def test_scheduler_state_from_the_lock(session, admin):
    def message(now):
        return job_activity_view(session, account_id=admin.id, now=now).scheduler

    assert message(T0).message == "Le processus des traitements n'a encore jamais démarré sur cette base."
    acquire_scheduler_lock(session, owner="x", host="srv", pid=42, now=T0)
    state = message(T0 + timedelta(seconds=30))
    assert state.running and state.message.startswith("Processus des traitements en marche sur srv (processus 42)")
    stale = message(T0 + timedelta(minutes=10))
    assert not stale.running and "il semble arrêté" in stale.message
    release_scheduler_lock(session, owner="x", now=T0 + timedelta(minutes=1))
    assert message(T0 + timedelta(minutes=2)).message == "Processus des traitements arrêté le 04/05/2026 à 10:01."


def test_runs_cut_by_a_crash_are_marked_failed_at_the_next_start(session):
    start_job_run(session, job_id="intake", now=T0)
    record(session, "outbox", T0)
    assert close_interrupted_runs(session, now=T0 + timedelta(minutes=5)) == 1
    run = session.exec(select(JobRun).where(JobRun.job_id == "intake")).one()
    assert run.outcome is JobOutcome.FAILURE and run.error.startswith("Interrompu")


def test_counts_summary_in_french():
    assert counts_summary({"imported": 2, "quarantined": 0, "waiting": 1}) == "2 importé(s), 1 en attente"
    assert counts_summary({"sent": 0}) == "rien à faire"
    assert counts_summary(None) == "rien à faire"
