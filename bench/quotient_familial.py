"""Quotient familial: what one citizen's submission costs, and the agents' kit (QR codes, poster, monthly counts).

    .venv/bin/python -m bench.quotient_familial            # a temporary SQLite file and attachment store
    .venv/bin/python -m bench.quotient_familial --count 1000

Every submission goes through the services as the public page calls them (look-up on the sandbox, then the
FormulaireQF dossier with its JSON, XML and PDF). Figures are printed, never asserted.
"""

import argparse
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path


def _timed(function, repeat: int) -> list[float]:
    laps = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        laps.append((time.perf_counter() - started) * 1000)
    return laps


def _line(label: str, laps: list[float]) -> None:
    laps = sorted(laps)
    p95 = laps[min(len(laps) - 1, int(len(laps) * 0.95))]
    print(f"{label:<48} {len(laps):>6} {statistics.median(laps):>10.1f} {p95:>10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300, help="submissions to time")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="hubee-bench-qf-"))
    # Settings are read from the environment once: set it before importing what builds them.
    os.environ.update(
        HUBEE_DATA_DIR=str(data_dir),
        DATABASE_URL=f"sqlite:///{data_dir / 'bench.db'}",
        HUBEE_QF_MAX_PER_HOUR=str(args.count + 1),
        HUBEE_QF_MAX_LOOKUPS_PER_HOUR=str(args.count + 1),
    )
    _run(args.count)


def _run(count: int) -> None:
    from core.db import get_engine, session_scope
    from core.migrate import upgrade_to_head
    from core.models import ActorType, Role
    from core.qr import qr_bytes
    from core.quotient_familial.sandbox import FAMILIES, SandboxProvider
    from core.services.actors import load_actor
    from core.services.quotient_familial import (
        lookup_quotient_familial,
        qf_kit_view,
        qf_poster_pdf,
        submit_quotient_familial,
    )
    from tests.core.test_quotient_familial import form_for
    from tests.factories import make_account, make_organization, subscribe

    upgrade_to_head()
    now = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
    provider = SandboxProvider(clock=lambda: now)
    with session_scope() as s:
        org = make_organization(s, "Commune du banc d'essai")
        subscribe(s, org, "FormulaireQF")
        admin = make_account(s, org, ActorType.ADMIN_LOCAL, roles=frozenset({Role.DOSSIERS_CONSULTATION}))
        siret, admin_id = org.siret, admin.id
    families = [f for f in FAMILIES if f.fournisseur]
    lookups, submits = [], []
    for i in range(count):
        at = now - timedelta(days=365) + timedelta(minutes=i * 525600 // count)
        form = form_for(families[i % len(families)].identity)
        started = time.perf_counter()
        with session_scope() as s:
            lookup = lookup_quotient_familial(
                s, siret=siret, form=form, lookups_in_session=0, now=at, provider=provider
            )
        looked_up = time.perf_counter()
        with session_scope() as s:
            submit_quotient_familial(s, siret=siret, lookup=lookup, submissions_in_session=0, now=at)
        lookups.append((looked_up - started) * 1000)
        submits.append((time.perf_counter() - looked_up) * 1000)
    with session_scope() as s:
        actor = load_actor(s, admin_id)
    kit_laps = []
    for _ in range(20):
        started = time.perf_counter()
        with session_scope() as s:
            kit = qf_kit_view(s, actor=actor, now=now)
        kit_laps.append((time.perf_counter() - started) * 1000)
    print(f"Quotient familial, SQLite, sandbox provider, {count} dossiers over twelve months ({get_engine().url})")
    print(f"{'operation':<48} {'runs':>6} {'median ms':>10} {'p95 ms':>10}")
    _line("look-up (form check, sandbox, audit entry)", lookups)
    _line("submission (JSON, XML, PDF, deliver_folder)", submits)
    _line(f"kit view ({sum(m.count for m in kit.arrivals)} arrivals counted)", kit_laps)
    _line("QR code 480x480 PNG", _timed(lambda: qr_bytes(kit.url, 480, "PNG"), 50))
    _line("QR code 480x480 JPEG", _timed(lambda: qr_bytes(kit.url, 480, "JPEG"), 50))
    _line("A4 poster PDF", _timed(lambda: qf_poster_pdf(kit, now=now), 20))


if __name__ == "__main__":
    main()
