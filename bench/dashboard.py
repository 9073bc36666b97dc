"""Benchmark of the Tableau de bord at a million dossiers (reuses the database of bench/inbox.py).

    .venv/bin/python bench/dashboard.py                 # SQLite file of bench/inbox.py (built if missing)
    .venv/bin/python bench/dashboard.py --cases 50000
    DATABASE_URL=postgresql://user@host:port/db .venv/bin/python bench/dashboard.py

The inbox bench writes cases only; this one adds, once, the "Traité" STATUS_UPDATE event of every dossier
that reached Traité or Clos (1 to 30 days after its transmission), which the processing-time figures read.
Timings are printed, never asserted.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from bench.inbox import NOW, build, default_url, ready, reset  # noqa: E402
from core.db import make_engine  # noqa: E402
from core.models import Account, ActorType, Civility, Event  # noqa: E402
from core.services.accounts import create_account  # noqa: E402
from core.services.actors import actor_for  # noqa: E402
from core.services.dashboard import dashboard  # noqa: E402

PLATFORM_EMAIL = "plateforme@bench.test"


def add_done_events(engine: sa.Engine) -> int:
    """One STATUS_UPDATE → DONE per Traité or Clos dossier, written in SQL (INSERT … SELECT)."""
    with Session(engine) as session:
        if session.exec(select(sa.func.count()).select_from(Event)).one():
            return 0
    sqlite = engine.dialect.name == "sqlite"
    new_id = "lower(hex(randomblob(16)))" if sqlite else "gen_random_uuid()"
    done_at = (
        "datetime(transmitted_at, '+' || (1 + abs(random()) % 30) || ' days')"
        if sqlite
        else "transmitted_at + (1 + floor(random() * 30)) * interval '1 day'"
    )
    statement = f"""
        INSERT INTO event (id, case_id, action_type, transmitter_kind, author, case_status_before,
                           case_status_after, status, notify, created_at, updated_at)
        SELECT {new_id}, id, 'STATUS_UPDATE', 'SI', 'Banc d''essai', 'IN_PROGRESS', 'DONE', 'SENT', false,
               {done_at}, {done_at}
        FROM "case" WHERE status IN ('DONE', 'CLOSED')
    """
    with engine.begin() as conn:
        return conn.execute(sa.text(statement)).rowcount


def platform_admin(engine: sa.Engine):
    with Session(engine) as session:
        account = session.exec(select(Account).where(Account.email == PLATFORM_EMAIL)).first()
        if account is None:
            account = create_account(session, actor=None, email=PLATFORM_EMAIL, civility=Civility.MADAME,
                                     first_name="Claire", last_name="Plateforme", phone="0123456789",
                                     actor_type=ActorType.PLATFORM_ADMIN, organization_id=None, now=NOW)  # fmt: skip
            session.commit()
        return actor_for(session, account)


def measure(engine: sa.Engine, runs: int) -> None:
    with Session(engine) as session:
        people = {a.email: actor_for(session, a) for a in session.exec(select(Account)) if a.email != PLATFORM_EMAIL}
    people[PLATFORM_EMAIL] = platform_admin(engine)
    print(f"{'compte':<16} {'médiane ms':>10} {'p95 ms':>8} {'CPU ms':>7} {'stock':>9} {'délais':>7}")
    for email, actor in sorted(people.items()):
        wall, cpu = [], []
        for _ in range(runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            with Session(engine) as session:
                board = dashboard(session, actor=actor, now=NOW)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        stock = sum(n for _, n in board.backlog)
        p95 = sorted(wall)[max(int(len(wall) * 0.95) - 1, 0)]
        print(f"{email.split('@')[0]:<16} {statistics.median(wall):>10.1f} {p95:>8.1f} {statistics.median(cpu):>7.1f} "
              f"{stock:>9,} {len(board.processing):>7}", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--communes", type=int, default=500)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or default_url(args.cases)
    engine = make_engine(url)
    print(f"database: {engine.url.render_as_string(hide_password=True)}")
    if not ready(engine, args.cases):
        reset(url, engine)
        engine = make_engine(url)
        build(engine, args.cases, args.communes)
    from core.migrate import upgrade_to_head

    upgrade_to_head(url)
    started = time.perf_counter()
    added = add_done_events(engine)
    if added:
        print(f"added {added:,} « Traité » events in {time.perf_counter() - started:.0f} s")
    measure(engine, args.runs)


if __name__ == "__main__":
    main()
