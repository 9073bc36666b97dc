"""Daily digest over 10,000 Quotidienne subscriptions and 100,000 new dossiers: how long the 08:00 run takes.

    .venv/bin/python -m bench.digest                       # a temporary SQLite file
    .venv/bin/python -m bench.digest --url postgresql://…  # an empty PostgreSQL database (it is filled)

Rows are inserted in bulk (this is a data set, not a use case); the digest itself runs through the service,
as the jobs process runs it. Figures are printed, never asserted.
"""

import argparse
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from core.db import make_engine, session_scope
from core.migrate import upgrade_to_head
from core.models import (
    AccessMode,
    Case,
    CaseStatus,
    Folder,
    FolderStatus,
    NotificationFrequency,
    Organization,
    OutboxEmail,
    Process,
    Subscription,
    SubscriptionStatus,
)
from core.services.notifications import send_digests

# 5 May 2026, 08:00:30 in Paris: the Quotidienne digest is due.
RUN_AT = datetime(2026, 5, 5, 6, 0, 30, tzinfo=UTC)
SINCE = RUN_AT - timedelta(days=1)
CHUNK = 5_000


def _insert(conn, table, rows) -> None:
    for start in range(0, len(rows), CHUNK):
        conn.execute(sa.insert(table), rows[start : start + CHUNK])


def build(engine, subscriptions: int, dossiers: int, rng: random.Random) -> None:
    with engine.begin() as conn:
        processes = conn.execute(sa.select(Process.id, Process.operator_id)).all()
        communes = -(-subscriptions // len(processes))
        _insert(
            conn,
            Organization.__table__,
            [
                {"siret": f"{i:014d}", "branch_code": f"{i % 99999:05d}", "name": f"Commune {i}", "kind": "COMMUNE",
                 "active": True, "created_at": SINCE}
                for i in range(1, communes + 1)
            ],
        )  # fmt: skip
        org_ids = [row[0] for row in conn.execute(sa.select(Organization.id).order_by(Organization.id))]
        pairs = [(o, p) for o in org_ids for p in processes][:subscriptions]
        _insert(
            conn,
            Subscription.__table__,
            [
                {"organization_id": o, "process_id": p.id, "status": SubscriptionStatus.ACTIF.name,
                 "access_mode": AccessMode.PORTAIL.name, "activation_date": SINCE.date(), "updated_at": SINCE,
                 "notification_frequency": NotificationFrequency.QUOTIDIENNE.name,
                 "notification_email": f"mairie{o}@bench.test", "notified_until": SINCE}
                for o, p in pairs
            ],
        )  # fmt: skip
        subs = conn.execute(sa.select(Subscription.id, Subscription.organization_id, Subscription.process_id)).all()
        operator_of = {p.id: p.operator_id for p in processes}
        folders, cases = [], []
        for n in range(dossiers):
            sub = rng.choice(subs)
            folder_id, at = uuid.uuid4(), SINCE + timedelta(seconds=rng.randrange(1, 86_000))
            folders.append(
                {"id": folder_id, "process_id": sub.process_id, "operator_id": operator_of[sub.process_id],
                 "external_id": f"B{n:012d}", "status": FolderStatus.HUBEE_NOTIFIED.name,
                 "applicant_first_name": "Marie", "applicant_last_name": "Durand", "created_at": at}
            )  # fmt: skip
            cases.append(
                {"id": uuid.uuid4(), "folder_id": folder_id, "organization_id": sub.organization_id,
                 "process_id": sub.process_id, "subscription_id": sub.id, "external_id": f"B{n:012d}-01",
                 "status": CaseStatus.HUBEE_NOTIFIED.name, "subject_name": "Marie Durand",
                 "subject_search": "marie durand", "transmitted_at": at, "created_at": at}
            )  # fmt: skip
        _insert(conn, Folder.__table__, folders)
        _insert(conn, Case.__table__, cases)


def timed(engine, now: datetime):
    started = time.perf_counter()
    with session_scope(engine) as s:
        report = send_digests(s, now=now)
    return report, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an empty database (default: a temporary SQLite file)")
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--dossiers", type=int, default=100_000)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='hubee-bench-')) / 'digest.db'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    started = time.perf_counter()
    build(engine, args.subscriptions, args.dossiers, random.Random(6))
    built = time.perf_counter() - started
    first, first_time = timed(engine, RUN_AT)
    second, second_time = timed(engine, RUN_AT + timedelta(minutes=5))
    with engine.connect() as conn:
        queued = conn.execute(sa.select(sa.func.count()).select_from(OutboxEmail)).scalar_one()
    print(f"database: {engine.url.get_backend_name()}  ({args.subscriptions} Quotidienne subscriptions, "
          f"{args.dossiers} new dossiers; data set built in {built:.1f} s)")  # fmt: skip
    print(f"{'run':<34}{'seconds':>10}{'emails':>10}{'subscriptions':>15}{'dossiers':>10}")
    print(f"{'08:00 digest':<34}{first_time:>10.2f}{first.emails:>10}{first.subscriptions:>15}{first.new_dossiers:>10}")
    print(
        f"{'08:05 again (nothing due)':<34}{second_time:>10.2f}{second.emails:>10}{second.subscriptions:>15}"
        f"{second.new_dossiers:>10}"
    )
    print(f"emails in the outbox: {queued}")
    engine.dispose()


if __name__ == "__main__":
    main()
