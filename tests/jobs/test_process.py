"""`python -m jobs` as a real process on its own database: it starts, runs its jobs (a failing one recorded
without stopping the others), refuses a second scheduler, stops cleanly on SIGTERM; `serve` starts it too."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlmodel import select

from core.db import make_engine, session_scope
from core.migrate import upgrade_to_head
from core.models import JobOutcome, JobRun, SchedulerLock
from core.services.job_activity import job_catalogue
from tests.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]
ALL_JOBS = {info.job_id for info in job_catalogue()}
WAIT = 60


@pytest.fixture
def box(tmp_path):
    """A migrated SQLite database and data directory of its own, and the environment that points at them."""
    data = tmp_path / "data"
    url = f"sqlite:///{data / 'box.db'}"
    upgrade_to_head(url)
    env = {
        **os.environ,
        "HUBEE_DATA_DIR": str(data),
        "DATABASE_URL": url,
        "HUBEE_SMTP_PORT": str(free_port()),
        "PYTHONUNBUFFERED": "1",
    }
    engine = make_engine(url)
    started: list[subprocess.Popen] = []

    def start(*args: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(process)
        return process

    yield SimpleNamespace(env=env, engine=engine, data=data, start=start)
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    engine.dispose()


def finished_runs(engine) -> dict[str, set[JobOutcome]]:
    with session_scope(engine) as s:
        runs = s.exec(select(JobRun).where(JobRun.finished_at.is_not(None))).all()
    outcomes: dict[str, set[JobOutcome]] = {}
    for run in runs:
        outcomes.setdefault(run.job_id, set()).add(run.outcome)
    return outcomes


def wait_for(condition, process: subprocess.Popen, what: str):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if process.poll() is not None:
            pytest.fail(f"process stopped before {what}:\n{process.stdout.read()}")
        time.sleep(0.2)
    pytest.fail(f"no {what} within {WAIT} s")


def stop(process: subprocess.Popen) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=WAIT)
    return process.returncode, output


def test_starts_runs_every_job_refuses_a_second_one_and_stops_on_sigterm(box):
    # The inbound "folder" is a file: intake fails at each run, and must not stop the other jobs.
    blocker = box.data / "not-a-folder"
    blocker.write_text("x")
    box.env["HUBEE_INBOUND_DIR"] = str(blocker)
    first = box.start("jobs")

    outcomes = wait_for(lambda: (o := finished_runs(box.engine)).keys() >= ALL_JOBS and o, first, "run of every job")

    assert outcomes["intake"] == {JobOutcome.FAILURE}
    assert all(outcomes[job] == {JobOutcome.SUCCESS} for job in ALL_JOBS - {"intake"}), outcomes
    second = subprocess.run(
        [sys.executable, "-m", "jobs"], cwd=ROOT, env=box.env, capture_output=True, text=True, timeout=WAIT
    )
    assert second.returncode == 1
    assert "Erreur : Un autre processus des traitements tourne déjà sur cette base de données" in second.stderr
    code, output = stop(first)
    assert code == 0, output
    assert "Processus des traitements arrêté." in output
    with session_scope(box.engine) as s:
        assert s.get(SchedulerLock, 1).released_at is not None

    # Released cleanly: the next one starts at once.
    again = box.start("jobs")
    wait_for(lambda: _holder_pid(box.engine) == again.pid, again, "lock taken by the restarted process")
    assert stop(again)[0] == 0


def _holder_pid(engine) -> int | None:
    with session_scope(engine) as s:
        lock = s.get(SchedulerLock, 1)
        return lock.pid if lock is not None and lock.released_at is None else None


def test_refuses_to_start_on_a_database_that_is_not_migrated(tmp_path):
    env = {**os.environ, "HUBEE_DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    result = subprocess.run(
        [sys.executable, "-m", "jobs"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=WAIT
    )
    assert result.returncode == 2
    assert "la base n'est pas à jour : lancez `python -m core.cli migrate`" in result.stderr


def test_serve_starts_the_jobs_process_beside_the_portal(box):
    box.env["HUBEE_PORTAL_PORT"] = str(free_port())
    serve = box.start("core.cli", "serve")
    wait_for(lambda: "outbox" in finished_runs(box.engine), serve, "run of the outbox job")
    code, output = stop(serve)
    assert code == 0, output
    with session_scope(box.engine) as s:
        assert s.get(SchedulerLock, 1).released_at is not None, output
