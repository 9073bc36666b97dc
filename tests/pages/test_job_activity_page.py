"""Activité des traitements through AppTest: the platform administrator sees the jobs process and the runs."""

from datetime import timedelta

from streamlit.testing.v1 import AppTest

from core.clock import utcnow
from core.db import session_scope
from core.models import ActorType, Role
from core.permissions import Actor
from core.services.job_runs import finish_job_run, start_job_run
from core.services.scheduler_lock import acquire_scheduler_lock
from pages.components.nav import screens_for
from tests.pages.test_app_shell import account_with_password, login

ADMIN_EMAIL = "plateforme@syndicat.test"


def open_activity(db) -> AppTest:
    with session_scope(db) as s:
        account_with_password(s, None, ActorType.PLATFORM_ADMIN, email=ADMIN_EMAIL)
        now = utcnow()
        acquire_scheduler_lock(s, owner="jobs-1", host="boite-mairie", pid=4242, now=now)
        ok = start_job_run(s, job_id="outbox", now=now - timedelta(minutes=1))
        finish_job_run(s, run_id=ok, now=now - timedelta(seconds=59), counts={"sent": 4, "retried": 0})
        failed = start_job_run(s, job_id="intake", now=now - timedelta(minutes=2))
        finish_job_run(
            s, run_id=failed, now=now - timedelta(minutes=2), error="IntakeError : base indisponible\ndétail"
        )
    at = login(ADMIN_EMAIL)
    at.switch_page("pages/job_activity.py").run()
    assert not at.exception, at.exception
    return at


def test_platform_admin_sees_the_process_state_each_job_and_the_failures(db):
    at = open_activity(db)

    assert [t.value for t in at.title] == ["Activité des traitements"]
    assert at.success[0].value.startswith("Processus des traitements en marche sur boite-mairie (processus 4242)")
    jobs = at.dataframe[0].value
    outbox = jobs[jobs["Traitement"] == "Envoi des courriels"].iloc[0]
    assert (outbox["Résultat"], outbox["Détail"], outbox["Planification"]) == (
        "Réussi",
        "4 envoyé(s)",
        "toutes les 20 secondes",
    )
    intake = jobs[jobs["Traitement"] == "Dépôts du dossier d'entrée"].iloc[0]
    assert (intake["Résultat"], intake["Détail"], intake["Échecs (24 h)"]) == (
        "Échec",
        "IntakeError : base indisponible",
        1,
    )
    assert jobs[jobs["Traitement"] == "Nettoyage des fichiers orphelins"].iloc[0]["Résultat"] == "Jamais exécuté"
    runs = at.dataframe[1].value
    assert list(runs["Traitement"]) == ["Envoi des courriels", "Dépôts du dossier d'entrée"]

    at.toggle(key="job_activity_failures_only").set_value(True).run()
    assert list(at.dataframe[1].value["Résultat"]) == ["Échec"]
    assert [e.label for e in at.expander][0].startswith("Erreur de « Dépôts du dossier d'entrée »")


def test_only_the_platform_admin_has_the_screen():
    admin = Actor(id=1, actor_type=ActorType.PLATFORM_ADMIN, organization_id=None)
    local = Actor(
        id=2,
        actor_type=ActorType.ADMIN_LOCAL,
        organization_id=1,
        roles=frozenset({Role.USERS_GESTION, Role.SUBSCRIPTIONS_GESTION}),
    )
    assert "Activité des traitements" in [s.title for s in screens_for(admin)]
    assert "Activité des traitements" not in [s.title for s in screens_for(local)]
