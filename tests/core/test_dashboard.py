"""Tableau de bord figures on known data: backlog, weekly arrivals, processing percentiles, waiting dossiers."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from core.errors import Forbidden
from core.models import ActorType, Case, CaseStatus, Event, EventAction, Operator, PartyKind, Role
from core.services.actors import actor_for
from core.services.dashboard import dashboard
from core.services.folders import IncomingFolder, Recipient, deliver_folder, process_by_code
from core.services.job_runs import finish_job_run, start_job_run
from core.services.scheduler_lock import acquire_scheduler_lock
from tests.factories import make_account, make_organization, subscribe

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday


def deliver(session, org, code, at, store) -> Case:
    process = process_by_code(session, code)
    number = uuid.uuid4().hex[:12].upper()
    folder = deliver_folder(
        session,
        operator=session.get(Operator, process.operator_id),
        incoming=IncomingFolder(code, number, "Jeanne", "Martin", (Recipient(org.siret, f"{number}-01"),)),
        now=at,
        store=store,
    )
    return session.exec(select(Case).where(Case.folder_id == folder.id)).one()


def mark_done(session, case, at):
    session.add(
        Event(
            case_id=case.id,
            action_type=EventAction.STATUS_UPDATE,
            transmitter_kind=PartyKind.SI,
            case_status_before=case.status,
            case_status_after=CaseStatus.DONE,
            created_at=at,
            updated_at=at,
        )
    )
    case.status = CaseStatus.DONE
    session.flush()


@pytest.fixture
def commune(session, store):
    org = make_organization(session)
    etat_civil = subscribe(session, org, "EtatCivil").process_id
    subscribe(session, org, "depotDossierPACS")
    # EtatCivil: 5 dossiers done after 1, 2, 3, 4 and 10 days.
    for days in (1, 2, 3, 4, 10):
        case = deliver(session, org, "EtatCivil", NOW - timedelta(days=30), store)
        mark_done(session, case, case.transmitted_at + timedelta(days=days))
    # Waiting: two old PACS (20 and 40 days), one recent (2 days).
    for days in (20, 40, 2):
        deliver(session, org, "depotDossierPACS", NOW - timedelta(days=days), store)
    other = make_organization(session)
    subscribe(session, other, "EtatCivil")
    deliver(session, other, "EtatCivil", NOW - timedelta(days=50), store)
    return org, etat_civil


def test_commune_figures(session, commune):
    org, _ = commune
    admin = make_account(session, org, ActorType.ADMIN_LOCAL, roles=frozenset({Role.DOSSIERS_CONSULTATION}))
    board = dashboard(session, actor=actor_for(session, admin), now=NOW, older_than_days=15)
    assert dict(board.backlog) == {"Nouveau": 3, "Traité": 5}
    (etat_civil,) = board.processing
    # Nearest rank: median = 3rd of 5 (3 days), p90 = 5th of 5 (10 days).
    assert (etat_civil.dossiers, etat_civil.median_days, etat_civil.p90_days) == (5, 3.0, 10.0)
    assert board.waiting_total == 2
    assert [w.days_waiting for w in board.waiting] == [40, 20]
    arrivals = {(a.week_start, a.process_label): a.count for a in board.arrivals}
    assert arrivals[(date(2026, 10, 19), "Demande d'acte d'état civil (AEC)")] == 5  # 24 October is in that week
    assert sum(arrivals.values()) == 8  # the other commune's dossier is not counted


def test_agent_sees_only_its_habilitations(session, commune):
    org, etat_civil = commune
    agent = make_account(session, org, ActorType.AGENT, habilitations=frozenset({etat_civil}))
    board = dashboard(session, actor=actor_for(session, agent), now=NOW)
    assert dict(board.backlog) == {"Traité": 5} and board.waiting_total == 0


def test_platform_admin_sees_every_commune_but_no_dossier(session, commune):
    platform = make_account(session, None, ActorType.PLATFORM_ADMIN)
    board = dashboard(session, actor=actor_for(session, platform), now=NOW)
    assert sum(n for _, n in board.backlog) == 9
    assert board.waiting == () and dict(board.subscriptions)["Actif"] == 3


def test_no_dossier_role_no_dashboard(session, commune):
    org, _ = commune
    admin = make_account(session, org, ActorType.ADMIN_LOCAL)
    with pytest.raises(Forbidden):
        dashboard(session, actor=actor_for(session, admin), now=NOW)


def test_platform_admin_sees_the_jobs_heartbeat_and_last_runs(session, commune):
    platform = actor_for(session, make_account(session, None, ActorType.PLATFORM_ADMIN))
    board = dashboard(session, actor=platform, now=NOW)
    assert (board.scheduler.alive, board.scheduler.holder, board.scheduler.heartbeat_age_seconds) == (False, None, None)
    assert board.last_runs == ()
    acquire_scheduler_lock(session, owner="box:42:ab", host="box", pid=42, now=NOW - timedelta(seconds=30))
    for minutes, job in ((20, "purge"), (5, "retention")):
        run_id = start_job_run(session, job_id=job, now=NOW - timedelta(minutes=minutes))
        finish_job_run(session, run_id=run_id, now=NOW - timedelta(minutes=minutes), counts={"removed_files": 2})
    board = dashboard(session, actor=platform, now=NOW)
    assert (board.scheduler.alive, board.scheduler.holder, board.scheduler.heartbeat_age_seconds) == (
        True,
        "box (processus 42)",
        30,
    )
    assert [run.job for run in board.last_runs][:1] == ["Purge des pièces jointes des dossiers clos"]
    assert [run.summary for run in board.last_runs] == ["2 fichier(s) supprimé(s)"] * 2
    stale = dashboard(session, actor=platform, now=NOW + timedelta(minutes=10))
    assert not stale.scheduler.alive and stale.scheduler.heartbeat_age_seconds == 630


def test_commune_accounts_see_no_jobs(session, commune):
    org, _ = commune
    admin = make_account(session, org, ActorType.ADMIN_LOCAL, roles=frozenset({Role.DOSSIERS_CONSULTATION}))
    board = dashboard(session, actor=actor_for(session, admin), now=NOW)
    assert board.scheduler is None and board.last_runs == ()
