"""Tableau de bord through AppTest: the numbers shown are the numbers of the data."""

from core.db import session_scope
from core.models import ActorType, CaseStatus, Role
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
