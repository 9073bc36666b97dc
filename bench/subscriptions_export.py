"""The platform administrator's "Gestion des abonnements" over 20,000 subscriptions: pages and the CSV export.

    .venv/bin/python -m bench.subscriptions_export                       # a temporary SQLite file
    .venv/bin/python -m bench.subscriptions_export --url postgresql://…  # an empty PostgreSQL database (filled)

Rows are inserted in bulk (a data set, not a use case); the list and the export run through the services as the
portal calls them. Figures are printed, never asserted.
"""

import argparse
import random
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from core.db import make_engine, session_scope
from core.migrate import upgrade_to_head
from core.models import AccessMode, ActorType, Organization, Process, Subscription, SubscriptionStatus
from core.permissions import Actor
from core.services.subscriptions import SubscriptionQuery, export_subscriptions_csv, list_subscriptions

NOW = datetime(2026, 5, 5, 8, 0, tzinfo=UTC)
CHUNK = 5_000
PLATFORM = Actor(id=0, actor_type=ActorType.PLATFORM_ADMIN, organization_id=None)
STATUSES = [SubscriptionStatus.ACTIF] * 6 + [SubscriptionStatus.INACTIF, SubscriptionStatus.SUSPENDU]


def _insert(conn, table, rows) -> None:
    for start in range(0, len(rows), CHUNK):
        conn.execute(sa.insert(table), rows[start : start + CHUNK])


def _subscription(organization_id: int, process_id: int, rng: random.Random) -> dict:
    status = rng.choice(STATUSES)
    active = status is not SubscriptionStatus.INACTIF
    return {
        "organization_id": organization_id,
        "process_id": process_id,
        "datapass_number": str(rng.randint(1000, 99999)),
        "status": status.name,
        "access_mode": (AccessMode.API if rng.random() < 0.1 else AccessMode.PORTAIL).name if active else None,
        "technical_delegate_id": None,
        "updated_at": NOW,
        "activation_date": date(2021, 7, 1) + timedelta(days=rng.randint(0, 1500)) if active else None,
        "suspension_date": date(2026, 4, 1) if status is SubscriptionStatus.SUSPENDU else None,
        "notification_frequency": "UNITAIRE",
    }


def build(engine, count: int, rng: random.Random) -> None:
    with engine.begin() as conn:
        processes = conn.execute(sa.select(Process.id)).scalars().all()
        communes = -(-count // len(processes))
        _insert(
            conn,
            Organization.__table__,
            [
                {
                    "siret": f"{i:014d}",
                    "branch_code": f"{i % 99999:05d}",
                    "name": f"Commune {i:05d}",
                    "kind": "COMMUNE",
                    "active": True,
                    "created_at": NOW,
                }
                for i in range(1, communes + 1)
            ],
        )
        ids = conn.execute(sa.select(Organization.id).order_by(Organization.id)).scalars().all()
        pairs = [(o, p) for o in ids for p in processes][:count]
        _insert(conn, Subscription.__table__, [_subscription(o, p, rng) for o, p in pairs])


def timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return (time.perf_counter() - start) * 1000, result


def listing(engine, query: SubscriptionQuery, page: int):
    with session_scope(engine) as s:
        return list_subscriptions(s, actor=PLATFORM, query=query, page=page, page_size=25)


def export(engine, query: SubscriptionQuery) -> tuple[int, int]:
    """(rows, bytes) of the whole CSV, consumed chunk by chunk as a download would."""
    size = lines = 0
    with session_scope(engine) as s:
        for chunk in export_subscriptions_csv(s, actor=PLATFORM, query=query):
            size += len(chunk.encode("utf-8"))
            lines += 1
    return lines - 1, size


def peak_memory(action) -> int:
    """Peak Python memory of `action`, measured on its own: tracing slows everything down."""
    tracemalloc.start()
    action()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def run(url: str, count: int) -> None:
    upgrade_to_head(url)
    engine = make_engine(url)
    start = time.perf_counter()
    build(engine, count, random.Random(5))
    print(
        f"{count} subscriptions over {-(-count // 7)} SIs built in {time.perf_counter() - start:.1f} s ({url.split(':')[0]})"
    )
    print(f"{'what':<48}{'ms':>10}  result")
    cases = [
        ("first page, no filter", SubscriptionQuery(), 1),
        ("page 400 of 800 (OFFSET 9,975)", SubscriptionQuery(), 400),
        ("status = Suspendu, first page", SubscriptionQuery(status=SubscriptionStatus.SUSPENDU), 1),
        ("search « commune 01234 », first page", SubscriptionQuery(search="commune 01234"), 1),
    ]
    for label, query, page in cases:
        listing(engine, query, page)  # warm the caches once
        ms, result = timed(lambda q=query, p=page: listing(engine, q, p))
        print(f"{label:<48}{ms:>10.1f}  {result.total} found, {len(result.rows)} shown")
    for label, query in [
        ("CSV export, every subscription", SubscriptionQuery()),
        ("CSV export, Actif only", SubscriptionQuery(status=SubscriptionStatus.ACTIF)),
    ]:
        ms, (rows, size) = timed(lambda q=query: export(engine, q))
        peak = peak_memory(lambda q=query: export(engine, q))
        print(f"{label:<48}{ms:>10.1f}  {rows} rows, {size / 1e6:.1f} MB, peak Python memory {peak / 1e6:.1f} MB")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an empty database to fill (default: a temporary SQLite file)")
    parser.add_argument("--count", type=int, default=20_000)
    args = parser.parse_args()
    if args.url:
        run(args.url, args.count)
        return
    with tempfile.TemporaryDirectory(prefix="hubee-bench-") as tmp:
        run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.count)


if __name__ == "__main__":
    main()
