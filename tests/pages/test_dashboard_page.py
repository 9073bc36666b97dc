"""Tableau de bord through AppTest: the numbers shown are the numbers of the data."""

from datetime import timedelta

from core.clock import utcnow
from core.db import session_scope
from core.models import ActorType, CaseStatus, Role
from core.services.job_runs import finish_job_run, start_job_run
from core.services.scheduler_lock import acquire_scheduler_lock
from tests.factories import make_organization, subscribe
from tests.pages.test_app_shell import account_with_password, deliver, login


def test_dashboard_shows_the_backlog_and_the_chart(db):
    with session_scope(db) as s:
        org = make_organization(s)
        etat_civil = subscribe(s, org, "EtatCivil").process_id
        for status in (None, None, CaseStatus.IN_PROGRESS, CaseStatus.DONE):
            deliver(s, org, "EtatCivil", status)
        account_with_password(s, org, ActorType.AGENT, habilitations=frozenset({etat_civil}), email="agent@mairie.test")
    at = login("agent@mairie.test")
    at.switch_page("pages/dashboard.py").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Tableau de bord"]
    assert {m.label: m.value for m in at.metric} == {"Nouveau": "2", "En cours": "1", "Traité": "1"}
    assert len(at.get("vega_lite_chart")) == 1
    assert any(h.value == "En attente depuis plus de 15 jours : 0" for h in at.subheader)


def test_platform_admin_sees_subscriptions_not_dossiers(db):
    with session_scope(db) as s:
        org = make_organization(s)
        subscribe(s, org, "EtatCivil")
        deliver(s, org, "EtatCivil")
        account_with_password(s, None, ActorType.PLATFORM_ADMIN, email="plateforme@box.test")
    at = login("plateforme@box.test")
    at.switch_page("pages/dashboard.py").run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Nouveau"] == "1" and metrics["Actif"] == "1"
    assert not any(h.value.startswith("En attente depuis") for h in at.subheader)


def test_account_without_dossier_role_has_no_dashboard_in_its_menu(db):
    from core.permissions import Actor
    from pages.components.nav import screens_for

    admin = Actor(id=1, actor_type=ActorType.ADMIN_LOCAL, organization_id=1, roles=frozenset({Role.USERS_GESTION}))
    assert "Tableau de bord" not in [s.title for s in screens_for(admin)]


def test_platform_admin_sees_the_jobs_process_and_its_last_runs(db):
    with session_scope(db) as s:
        account_with_password(s, None, ActorType.PLATFORM_ADMIN, email="plateforme@box.test")
    at = login("plateforme@box.test")
    at.switch_page("pages/dashboard.py").run()
    assert "Traitements" in [h.value for h in at.subheader]
    assert [e.value for e in at.error] == [
        "Arrêté. Le processus des traitements n'a encore jamais démarré sur cette base."
    ]
    now = utcnow()
    with session_scope(db) as s:
        acquire_scheduler_lock(s, owner="box:7:x", host="box", pid=7, now=now - timedelta(seconds=5))
        run_id = start_job_run(s, job_id="outbox", now=now - timedelta(seconds=3))
        finish_job_run(s, run_id=run_id, now=now, counts={"sent": 3})
    at.run()
    assert not at.exception, at.exception
    assert not at.error
    assert at.success[0].value.startswith("En marche : dernier signe de vie il y a ")
    runs = at.dataframe[-1].value
    assert list(runs["Traitement"]) == ["Envoi des courriels"]
    assert list(runs["Détail"]) == ["3 envoyé(s)"]


def test_commune_accounts_have_no_jobs_section(db):
    with session_scope(db) as s:
        org = make_organization(s)
        etat_civil = subscribe(s, org, "EtatCivil").process_id
        account_with_password(s, org, ActorType.AGENT, habilitations=frozenset({etat_civil}), email="agent@mairie.test")
    at = login("agent@mairie.test")
    at.switch_page("pages/dashboard.py").run()
    assert "Traitements" not in [h.value for h in at.subheader] and not at.success
