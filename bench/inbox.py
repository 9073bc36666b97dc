"""Benchmark of the inbox: a million dossiers over 500 communes, timed through the services and as bare SQL.

    .venv/bin/python bench/inbox.py                    # SQLite file /tmp/hubee-bench/inbox-1000000.db
    .venv/bin/python bench/inbox.py --cases 50000      # a smaller run
    DATABASE_URL=postgresql://user@host:port/db .venv/bin/python bench/inbox.py
    .venv/bin/python bench/inbox.py --explain          # also print the query plans

The database is built once (fast bulk inserts: executemany on SQLite, COPY on PostgreSQL) and reused while
it holds the same number of dossiers. Communes have very unequal sizes (the largest receives about 8 % of all
dossiers); each subscribes to a realistic set of démarches; statuses follow the dossier's age as in the demo
(core.demo.scenarios). Timings are printed, never asserted; docs/performance.md keeps the figures.
"""

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from core.db import make_engine  # noqa: E402
from core.demo.people import FIRST_NAMES_F, FIRST_NAMES_M, LAST_NAMES  # noqa: E402
from core.demo.scenarios import TARGETS, WEIGHTS_BY_AGE  # noqa: E402
from core.migrate import upgrade_to_head  # noqa: E402
from core.models import Account, ActorType, Case, Civility, Organization, Process, Role, Subscription  # noqa: E402
from core.models import SubscriptionStatus as SubStatus  # noqa: E402
from core.services.accounts import create_account  # noqa: E402
from core.services.actors import actor_for  # noqa: E402
from core.services.inbox import InboxQuery, inbox_page  # noqa: E402
from core.text import search_key  # noqa: E402
from core.validation import luhn_valid  # noqa: E402

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
HISTORY_DAYS = 3 * 365
SEED = 4
# Share of the dossiers per démarche, and how likely a commune is to subscribe to it.
DEMARCHES = {
    "EtatCivil": (40, 1.0),
    "JeChangeDeCoordonnees": (18, 0.8),
    "recensementCitoyen": (15, 1.0),
    "CERTDC": (10, 0.5),
    "depotDossierPACS": (6, 0.6),
    "FormulaireQF": (6, 0.1),
    "HebergementTourisme": (5, 0.2),
}
AGENT_DEMARCHES = ("EtatCivil", "depotDossierPACS", "recensementCitoyen")
STATUSES = ("HUBEE_NOTIFIED", "SI_RECEIVED", "IN_PROGRESS", "ADD_AWAITING", "DONE", "REFUSED", "CLOSED")
STATUS_OF_TARGET = dict(zip(TARGETS, STATUSES, strict=True))
CHUNK = 50_000
FOLDER_COLUMNS = "id, process_id, operator_id, external_id, status, applicant_first_name, applicant_last_name, applicant_email, created_at, updated_at"  # noqa: E501
CASE_COLUMNS = "id, folder_id, organization_id, process_id, subscription_id, external_id, status, subject_name, subject_search, subject_email, transmitted_at, created_at, updated_at, closed_at"  # noqa: E501


def default_url(cases: int) -> str:
    folder = Path("/tmp/hubee-bench")
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / f'inbox-{cases}.db'}"


def commune_sizes(cases: int, communes: int) -> list[int]:
    """Zipf-like sizes (exponent 0.8): a few towns, many villages; the total is exactly `cases`."""
    weights = [1 / (rank**0.8) for rank in range(1, communes + 1)]
    sizes = [int(cases * w / sum(weights)) for w in weights]
    sizes[0] += cases - sum(sizes)
    return sizes


def siret(n: int) -> str:
    base = f"21{n:011d}"
    return next(base + str(d) for d in range(10) if luhn_valid(base + str(d)))


@dataclass
class Commune:
    id: int
    size: int
    subscriptions: dict[int, int]  # process id -> subscription id
    weights: list[int]


def create_communes(session: Session, sizes: list[int], rng: random.Random) -> list[Commune]:
    processes = {p.code: p for p in session.exec(select(Process))}
    communes = []
    for rank, size in enumerate(sizes, start=1):
        org = Organization(siret=siret(rank), name=f"Commune n° {rank}", branch_code=f"{10000 + rank}", created_at=NOW)
        session.add(org)
        session.flush()
        codes = [code for code, (_, chance) in DEMARCHES.items() if rng.random() < chance]
        if rank in (1, len(sizes) // 2 + 1):  # the benched communes (largest, median) receive every démarche
            codes = list(DEMARCHES)
        subs = {}
        for code in codes:
            sub = Subscription(organization_id=org.id, process_id=processes[code].id, status=SubStatus.ACTIF,
                               activation_date=(NOW - timedelta(days=HISTORY_DAYS + 1)).date(), updated_at=NOW)  # fmt: skip
            session.add(sub)
            session.flush()
            subs[processes[code].id] = sub.id
        communes.append(Commune(org.id, size, subs, [DEMARCHES[c][0] for c in codes]))
    return communes


def status_for(rng: random.Random, age_days: float, allows_complement: bool) -> str:
    weights = next(w for bound, w in WEIGHTS_BY_AGE if age_days <= bound)
    target = rng.choices(TARGETS, weights=weights)[0]
    if target == "add_awaiting" and not allows_complement:
        target = "in_progress"
    return STATUS_OF_TARGET[target]


def rows(communes: list[Commune], processes: dict[int, Process], rng: random.Random, sqlite: bool):
    """(folder, case) row pairs in arrival order, formatted as each backend stores them."""
    slots = [c for c in communes for _ in range(c.size)]
    times = sorted(NOW - timedelta(seconds=rng.random() * HISTORY_DAYS * 86400) for _ in slots)
    rng.shuffle(slots)
    stamp = (lambda t: t.strftime("%Y-%m-%d %H:%M:%S.%f")) if sqlite else (lambda t: t)
    key = (lambda u: u.hex) if sqlite else (lambda u: u)
    for i, (commune, sent) in enumerate(zip(slots, times, strict=True)):
        process_id = rng.choices(list(commune.subscriptions), weights=commune.weights)[0]
        process = processes[process_id]
        first = rng.choice(FIRST_NAMES_F if rng.random() < 0.5 else FIRST_NAMES_M)
        last = rng.choice(LAST_NAMES)
        age = (NOW - sent).total_seconds() / 86400
        status = status_for(rng, age, process.allows_complement)
        updated = sent if status == "HUBEE_NOTIFIED" else sent + timedelta(days=min(age, 30) * rng.random())
        number = f"{(i * 2654435761 + 977) % 16**14:014X}"
        email = f"{search_key(first)}.{search_key(last)}@example.test".replace(" ", "-").replace("'", "")
        folder_id, case_id = uuid.uuid4(), uuid.uuid4()
        folder = (key(folder_id), process_id, process.operator_id, number, "HUBEE_NOTIFIED", first, last, email,
                  stamp(sent), stamp(updated))  # fmt: skip
        name = f"{first} {last}"
        closed = stamp(updated) if status == "CLOSED" else None
        case = (key(case_id), key(folder_id), commune.id, process_id, commune.subscriptions[process_id], f"{number}-01",
                status, name, search_key(name), email, stamp(sent), stamp(sent), stamp(updated), closed)  # fmt: skip
        yield folder, case


def bulk_insert(engine: sa.Engine, communes, processes, rng: random.Random) -> None:
    sqlite = engine.dialect.name == "sqlite"
    raw = engine.raw_connection()
    cursor, batch = raw.cursor(), []
    for done, pair in enumerate(rows(communes, processes, rng, sqlite), start=1):
        batch.append(pair)
        if len(batch) == CHUNK or done == sum(c.size for c in communes):
            insert(cursor, sqlite, batch)
            batch.clear()
            print(f"  … {done:,} dossiers", flush=True)
    raw.commit()
    raw.close()
    # Statistics for the planner; on PostgreSQL also the visibility map that index-only scans need (what
    # autovacuum does on a live box after such a bulk load).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE" if sqlite else "VACUUM (ANALYZE)")


def insert(cursor, sqlite: bool, batch) -> None:
    folders, cases = [f for f, _ in batch], [c for _, c in batch]
    if sqlite:
        cursor.executemany(f"INSERT INTO folder ({FOLDER_COLUMNS}) VALUES ({', '.join('?' * 10)})", folders)
        cursor.executemany(f'INSERT INTO "case" ({CASE_COLUMNS}) VALUES ({", ".join("?" * 14)})', cases)
        return
    for table, columns, values in (("folder", FOLDER_COLUMNS, folders), ('"case"', CASE_COLUMNS, cases)):
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)


def build(engine: sa.Engine, cases: int, communes: int) -> None:
    rng = random.Random(SEED)
    started = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        world = create_communes(session, commune_sizes(cases, communes), rng)
        processes = {p.id: p for p in session.exec(select(Process))}
        create_people(session, world)
        session.commit()
    bulk_insert(engine, world, processes, rng)
    print(f"built {cases:,} dossiers over {communes} communes in {time.perf_counter() - started:.0f} s")


def create_people(session: Session, world: list[Commune]) -> None:
    """In the largest and the median commune: an agent with 3 habilitations and an administrateur local."""
    processes = {p.code: p.id for p in session.exec(select(Process))}
    for label, commune in (("grande", world[0]), ("mediane", world[len(world) // 2])):
        common = dict(
            civility=Civility.MADAME, first_name="Camille", phone="0123456789", organization_id=commune.id, now=NOW
        )
        create_account(session, actor=None, email=f"agent-{label}@bench.test", last_name="Agent",
                       actor_type=ActorType.AGENT, habilitations=frozenset(processes[c] for c in AGENT_DEMARCHES),
                       **common)  # fmt: skip
        create_account(session, actor=None, email=f"admin-{label}@bench.test", last_name="Admin",
                       actor_type=ActorType.ADMIN_LOCAL, roles=frozenset({Role.USERS_GESTION, Role.DOSSIERS_GESTION}),
                       **common)  # fmt: skip


def ready(engine: sa.Engine, cases: int) -> bool:
    try:
        with Session(engine) as session:
            have = session.exec(select(sa.func.count()).select_from(Case)).one()
            people = session.exec(select(sa.func.count()).select_from(Account)).one()
        return have == cases and people == 4
    except sa.exc.SQLAlchemyError:
        return False


def reset(url: str, engine: sa.Engine) -> None:
    if engine.dialect.name == "sqlite":
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(engine.url.database + suffix).unlink(missing_ok=True)
    else:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade_to_head(url)


# --- Measuring ---------------------------------------------------------------------------------------


class Capture:
    """The SQL statements (with their parameters, as sent to the driver) that one service call runs."""

    def __init__(self, engine: sa.Engine):
        self.engine, self.statements = engine, []

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._keep)
        return self

    def __exit__(self, *_):
        sa.event.remove(self.engine, "before_cursor_execute", self._keep)

    def _keep(self, _conn, _cursor, statement, parameters, _context, _executemany):
        self.statements.append((statement, parameters))


@dataclass
class Timings:
    """Wall-clock and CPU milliseconds of each run (CPU: this process only, so SQLite's work but not PostgreSQL's)."""

    wall: list[float]
    cpu: list[float]


def timings(call, runs: int) -> Timings:
    for _ in range(3):  # warm caches (pages, compiled statements)
        call()
    result = Timings([], [])
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        result.cpu.append((time.process_time() - cpu) * 1000)
        result.wall.append((time.perf_counter() - wall) * 1000)
    return result


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def bare(engine: sa.Engine, statements) -> callable:
    """The same statements on a raw DBAPI cursor: what the database alone costs."""
    raw = engine.raw_connection()

    def run():
        cursor = raw.cursor()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            cursor.fetchall()
        raw.rollback()

    return run


def scenarios(number_prefix: str) -> list[tuple[str, InboxQuery]]:
    month_ago = (NOW - timedelta(days=30)).date()
    return [
        ("Tous, page 1", InboxQuery()),
        ("Nouveaux", InboxQuery(tab="Nouveaux")),
        ("En cours", InboxQuery(tab="En cours")),
        ("Clos, plus anciens d'abord", InboxQuery(tab="Clos", sort="oldest")),
        ("EtatCivil, 30 derniers jours", InboxQuery(process_code="EtatCivil", date_from=month_ago)),
        ("Tous, page 20", InboxQuery(page=20)),
        ("recherche nom « mar »", InboxQuery(search="mar")),
        ("recherche nom « lefèvre »", InboxQuery(search="lefèvre")),
        ("recherche numéro", InboxQuery(search=number_prefix)),
    ]


def explain(engine: sa.Engine, statements) -> None:
    raw = engine.raw_connection()
    cursor = raw.cursor()
    for statement, parameters in statements:
        if 'FROM "case"' not in statement:  # the catalogue and subscriptions: a few rows
            continue
        prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
        cursor.execute(prefix + statement, parameters)
        plan = [" ".join(str(c) for c in row) for row in cursor.fetchall()]
        print("    " + statement.split("FROM")[0][:60].replace("\n", " ") + "…")
        print("\n".join("      " + line for line in plan))
    raw.rollback()
    raw.close()


def measure(engine: sa.Engine, runs: int, show_plans: bool) -> None:
    with Session(engine) as session:
        people = {a.email: actor_for(session, a) for a in session.exec(select(Account))}
        numbers = {a: session.exec(select(Case.external_id).where(Case.organization_id == people[a].organization_id)
                                   .limit(1)).one() for a in people}  # fmt: skip
    # On a shared machine the wall clock also counts waiting for a core; CPU time (SQLite) does not.
    print(f"{'compte':<14} {'scénario':<30} {'lignes':>7} {'médiane':>8} {'p95':>7} {'CPU':>6} {'SQL nu':>7} "
          f"{'SQL CPU':>7} {'ratio':>6}")  # fmt: skip
    for email, actor in sorted(people.items()):
        for label, query in scenarios(numbers[email][:6]):

            def call(query=query, actor=actor):
                with Session(engine) as session:
                    return inbox_page(session, actor=actor, query=query)

            with Capture(engine) as captured:
                page = call()
            service, sql = timings(call, max(runs, 2)), timings(bare(engine, captured.statements), max(runs, 2))
            med = statistics.median
            # The ratio on CPU time for SQLite (everything happens in this process), on the wall clock otherwise.
            in_process = engine.dialect.name == "sqlite"
            ratio = med(service.cpu) / med(sql.cpu) if in_process else med(service.wall) / med(sql.wall)
            print(f"{email.split('@')[0]:<14} {label:<30} {page.total:>7,} {med(service.wall):>8.1f} "
                  f"{p95(service.wall):>7.1f} {med(service.cpu):>6.1f} {med(sql.wall):>7.1f} {med(sql.cpu):>7.1f} "
                  f"{ratio:>6.2f}", flush=True)  # fmt: skip
            if show_plans and label in ("Tous, page 1", "Nouveaux", "recherche nom « mar »", "recherche numéro"):
                explain(engine, captured.statements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--communes", type=int, default=500)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or default_url(args.cases)
    engine = make_engine(url)
    print(f"database: {engine.url.render_as_string(hide_password=True)}")
    if not ready(engine, args.cases):
        reset(url, engine)
        engine = make_engine(url)
        build(engine, args.cases, args.communes)
    measure(engine, args.runs, args.explain)


if __name__ == "__main__":
    main()
