"""One jobs process per database: the lock refuses a second one while the first is alive, and hands over a
stale one."""

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from core.errors import Conflict
from core.models import SchedulerLock
from core.services.scheduler_lock import (
    STALE_AFTER,
    acquire_scheduler_lock,
    beat_scheduler_lock,
    release_scheduler_lock,
    scheduler_lock_holder,
)

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def take(session, owner: str, now: datetime, pid: int = 100) -> None:
    # One machine per owner: on the same machine a dead holder is taken over at once (tested below).
    acquire_scheduler_lock(session, owner=owner, host=f"serveur-{owner}", pid=pid, now=now)


def test_a_second_process_is_refused_with_a_clear_french_message(session):
    take(session, "a", T0)
    with pytest.raises(Conflict) as refused:
        take(session, "b", T0 + timedelta(minutes=1), pid=200)
    assert refused.value.message.startswith(
        "Un autre processus des traitements tourne déjà sur cette base de données "
        "(machine serveur-a, processus 100, dernier signe de vie à 10:00:00 le 04/05/2026)."
    )
    assert "relancez dans 3 minutes" in refused.value.message
    assert scheduler_lock_holder(session).owner == "a"


def test_heartbeats_keep_the_lock_and_a_stale_one_is_taken_over(session):
    take(session, "a", T0)
    assert beat_scheduler_lock(session, owner="a", now=T0 + timedelta(minutes=2))
    with pytest.raises(Conflict):
        take(session, "b", T0 + timedelta(minutes=2) + STALE_AFTER)
    take(session, "b", T0 + timedelta(minutes=2) + STALE_AFTER + timedelta(seconds=1), pid=200)
    holder = scheduler_lock_holder(session)
    assert (holder.owner, holder.pid, holder.released_at) == ("b", 200, None)
    # The old holder learns at its next beat that it must stop.
    assert not beat_scheduler_lock(session, owner="a", now=T0 + timedelta(minutes=6))


def test_a_clean_stop_frees_the_lock_at_once(session):
    take(session, "a", T0)
    release_scheduler_lock(session, owner="b", now=T0)  # not its lock: nothing happens
    assert scheduler_lock_holder(session).released_at is None
    release_scheduler_lock(session, owner="a", now=T0 + timedelta(seconds=5))
    assert scheduler_lock_holder(session).released_at == T0 + timedelta(seconds=5)
    assert not beat_scheduler_lock(session, owner="a", now=T0 + timedelta(seconds=6))
    take(session, "b", T0 + timedelta(seconds=10))
    assert session.get(SchedulerLock, 1).owner == "b"


def test_a_holder_killed_on_this_machine_is_taken_over_without_waiting(session):
    here = socket.gethostname()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)
    acquire_scheduler_lock(session, owner="killed", host=here, pid=dead_pid, now=T0)
    acquire_scheduler_lock(session, owner="new", host=here, pid=os.getppid(), now=T0 + timedelta(seconds=5))
    assert scheduler_lock_holder(session).owner == "new"
    # A live process on this machine, or any process on another one, is not second-guessed.
    with pytest.raises(Conflict):
        acquire_scheduler_lock(session, owner="other", host=here, pid=12, now=T0 + timedelta(seconds=6))
    with pytest.raises(Conflict):
        acquire_scheduler_lock(
            session, owner="elsewhere", host="autre-machine", pid=dead_pid, now=T0 + timedelta(seconds=7)
        )


def test_the_same_process_may_take_its_lock_again(session):
    take(session, "a", T0)
    take(session, "a", T0 + timedelta(seconds=1))
    assert scheduler_lock_holder(session).started_at == T0 + timedelta(seconds=1)
