"""The portal shell through AppTest: login, activation link, home page per role, logout."""

import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from core.auth import BAD_CREDENTIALS, DEACTIVATED, LOCK_THRESHOLD, set_password
from core.clock import utcnow
from core.db import session_scope
from core.errors import Forbidden
from core.models import (
    Account,
    ActorType,
    AuditEntry,
    Case,
    CaseStatus,
    Operator,
    OutboxEmail,
    Role,
    SubscriptionRequest,
    TokenPurpose,
)
from core.passwords import policy_violations
from core.permissions import Actor
from core.services.folders import IncomingFolder, Recipient, deliver_folder, process_by_code
from core.services.portal import platform_summary
from core.tokens import issue_token
from pages.components.format import md_escape
from pages.components.nav import PUBLIC_SCREENS, SCREENS, screens_for
from tests.factories import make_account, make_organization, subscribe

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
PASSWORD = "Mairie@2026"
STATUS_LABELS = ["Nouveaux", "Reçus", "En cours", "En attente de compléments", "Refusés", "Traités", "Clos"]


def open_portal(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(query)
    return at.run()


def emailed_code(email: str) -> str:
    """The last login code queued for `email` (its subject ends with the code)."""
    with session_scope() as s:
        mail = s.exec(
            select(OutboxEmail)
            .where(OutboxEmail.to_address == email, OutboxEmail.template == "login_code")
            .order_by(OutboxEmail.id.desc())
        ).first()
    return mail.subject.rsplit(" ", 1)[-1]


def login(email: str, password: str = PASSWORD) -> AppTest:
    """Log in as a person would, typing the emailed code when the account needs a second factor."""
    at = open_portal()
    at.text_input(key="login_email").input(email)
    at.text_input(key="login_password").input(password)
    at.button(key="login_submit").click().run()
    assert not at.exception, at.exception
    if [t.value for t in at.title] == ["Vérification en deux étapes"]:
        at.text_input(key="login_code").input(emailed_code(email.lower()))
        at.button(key="login_code_submit").click().run()
        assert not at.exception, at.exception
    return at


def markdown_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def account_with_password(session, organization, actor_type=ActorType.AGENT, **kwargs) -> Account:
    account = make_account(session, organization, actor_type, **kwargs)
    set_password(session, account, PASSWORD, now=utcnow())
    return account


def deliver(session, organization, process_code: str, status: CaseStatus | None = None) -> None:
    """One dossier of `process_code` for `organization`, moved to `status` if given."""
    process = process_by_code(session, process_code)
    external_id = uuid.uuid4().hex[:14].upper()
    folder = deliver_folder(
        session,
        operator=session.get(Operator, process.operator_id),
        incoming=IncomingFolder(
            process_code=process_code,
            external_id=external_id,
            applicant_first_name="Jeanne",
            applicant_last_name="Martin",
            recipients=(Recipient(siret=organization.siret, case_external_id=f"{external_id}-01"),),
        ),
        now=utcnow(),
    )
    if status is not None:
        case = session.exec(select(Case).where(Case.folder_id == folder.id)).one()
        case.status = status
        session.flush()


@pytest.fixture
def commune(db):
    """Rochefourchat, subscribed to EtatCivil and RCO, with dossiers of both; a neighbour with one dossier."""
    with session_scope(db) as s:
        org = make_organization(s, "Mairie de Rochefourchat")
        etat_civil = subscribe(s, org, "EtatCivil")
        subscribe(s, org, "recensementCitoyen")
        for status in (None, CaseStatus.SENT, CaseStatus.SI_RECEIVED, CaseStatus.IN_PROGRESS, CaseStatus.CLOSED):
            deliver(s, org, "EtatCivil", status)
        deliver(s, org, "recensementCitoyen", CaseStatus.DONE)
        deliver(s, org, "recensementCitoyen", CaseStatus.REFUSED)
        neighbour = make_organization(s, "Mairie de Montclar")
        subscribe(s, neighbour, "EtatCivil")
        deliver(s, neighbour, "EtatCivil")
    return {"org": org, "etat_civil_id": etat_civil.process_id}


def test_login_page_is_french(db):
    at = open_portal()
    assert not at.exception
    assert [t.value for t in at.title] == ["Connexion"]
    assert [w.label for w in at.text_input] == ["Adresse électronique", "Mot de passe"]
    assert at.text_input(key="login_password").proto.type == at.text_input(key="login_password").proto.PASSWORD
    assert [b.label for b in at.button] == ["Se connecter", "Mot de passe oublié ?"]
    assert "account_id" not in at.session_state


def test_wrong_password_shows_the_core_message_and_is_audited(db):
    with session_scope(db) as s:
        account = account_with_password(s, None, ActorType.DELEGUE_TECHNIQUE, email="dt@editeur.test")
    at = login("dt@editeur.test", "Mauvais@2026")
    assert [e.value for e in at.error] == [BAD_CREDENTIALS]
    assert "account_id" not in at.session_state
    at = login("inconnu@mairie.test")
    assert [e.value for e in at.error] == [BAD_CREDENTIALS]
    # The refusal is recorded even though the login failed (the unit of work is committed).
    with session_scope(db) as s:
        actions = s.exec(select(AuditEntry.action).where(AuditEntry.account_id == account.id)).all()
        assert "login.failure" in actions


def test_failures_are_committed_so_that_the_lockout_applies(db):
    with session_scope(db) as s:
        account_with_password(s, None, ActorType.DELEGUE_TECHNIQUE, email="dt@editeur.test")
    at = open_portal()
    for _ in range(LOCK_THRESHOLD):
        at.text_input(key="login_email").input("dt@editeur.test")
        at.text_input(key="login_password").input("Mauvais@2026")
        at.button(key="login_submit").click().run()
    assert at.error[0].value.startswith("Trop d'échecs de connexion")
    at = login("dt@editeur.test")  # the right password no longer opens it
    assert at.error[0].value.startswith("Trop d'échecs de connexion")
    assert "account_id" not in at.session_state


def test_deactivated_account_is_refused(db):
    with session_scope(db) as s:
        org = make_organization(s)
        subscribe(s, org, "EtatCivil")
        account = account_with_password(
            s, org, habilitations=frozenset({process_by_code(s, "EtatCivil").id}), email="parti@mairie.test"
        )
        account.active = False
    at = login("parti@mairie.test")
    assert [e.value for e in at.error] == [DEACTIVATED]
    assert "account_id" not in at.session_state


def test_agent_sees_home_with_counts_of_its_habilitations_only(db, commune):
    with session_scope(db) as s:
        agent = account_with_password(
            s, commune["org"], habilitations=frozenset({commune["etat_civil_id"]}), email="agent@rochefourchat.test"
        )
    at = login("AGENT@rochefourchat.test ")
    assert [t.value for t in at.title] == ["Accueil"]
    assert at.session_state["account_id"] == agent.id
    assert isinstance(at.session_state["account_id"], int)
    text = markdown_text(at)
    assert f"Mme Camille {agent.last_name}" in text
    assert "agent@rochefourchat.test" in text
    assert "Gestion des télédossiers" in text
    assert md_escape("Demande d'acte d'état civil (AEC)") in text
    assert "Mairie de Rochefourchat" in text
    assert commune["org"].siret in text and commune["org"].branch_code in text
    # EtatCivil only: the RCO dossiers and the neighbour's dossier are not counted.
    assert metrics(at) == {
        "Nouveaux": "2",
        "Reçus": "1",
        "En cours": "1",
        "En attente de compléments": "0",
        "Refusés": "0",
        "Traités": "0",
        "Clos": "1",
    }
    assert list(metrics(at)) == STATUS_LABELS
    assert any("5 télédossiers visibles" in c.value for c in at.caption)
    assert [b.label for b in at.button] == ["Se déconnecter"]


def test_admin_with_dossier_role_sees_every_process_of_its_si(db, commune):
    with session_scope(db) as s:
        account_with_password(
            s,
            commune["org"],
            ActorType.ADMIN_LOCAL,
            roles=frozenset({Role.USERS_GESTION, Role.DOSSIERS_CONSULTATION}),
            email="admin@rochefourchat.test",
        )
    at = login("admin@rochefourchat.test")
    assert "Sans habilitations" in markdown_text(at)
    assert metrics(at)["Nouveaux"] == "2"
    assert metrics(at)["Traités"] == "1"
    assert metrics(at)["Refusés"] == "1"


def test_admin_without_dossier_role_is_told_so(db, commune):
    with session_scope(db) as s:
        account_with_password(s, commune["org"], ActorType.ADMIN_LOCAL, email="admin@rochefourchat.test")
    at = login("admin@rochefourchat.test")
    assert [t.value for t in at.title] == ["Accueil"]
    text = markdown_text(at)
    assert "Administrateur local" in text
    assert "Sans habilitations" in text
    assert "Gestion des utilisateurs" in text and "Gestion des abonnements" in text
    assert not at.metric
    assert any("n'a pas de rôle sur les télédossiers" in i.value for i in at.info)


def test_technical_delegate_has_no_organization(db):
    with session_scope(db) as s:
        delegate = account_with_password(s, None, ActorType.DELEGUE_TECHNIQUE, email="dt@editeur.test")
    at = login("dt@editeur.test")
    text = markdown_text(at)
    assert f"Camille {delegate.last_name}" in text
    assert "**SIRET**\u00a0: —" in text and "**Code INSEE**\u00a0: —" in text
    assert any("n'a pas de rôle sur les télédossiers" in i.value for i in at.info)


def test_platform_admin_sees_the_platform_summary(db, commune):
    with session_scope(db) as s:
        account_with_password(s, None, ActorType.PLATFORM_ADMIN, email="plateforme@hubee.test")
        account_with_password(s, commune["org"], ActorType.ADMIN_LOCAL)
        s.add(
            SubscriptionRequest(
                organization_siret=commune["org"].siret,
                organization_name="Mairie de Rochefourchat",
                process_codes=["FormulaireQF"],
                requester_first_name="Paul",
                requester_last_name="Durand",
                requester_email="paul@rochefourchat.test",
                requester_phone="0123456789",
                business_admin_first_name="Paul",
                business_admin_last_name="Durand",
                business_admin_position="Secrétaire de mairie",
                business_admin_email="paul@rochefourchat.test",
                business_admin_phone="0123456789",
            )
        )
    at = login("plateforme@hubee.test")
    assert [t.value for t in at.title] == ["Accueil"]
    assert metrics(at) == {
        "Services instructeurs": "2",
        "Comptes": "1",
        "Abonnements": "3",
        "Demandes d'abonnement en attente": "1",
    }
    assert "Administrateur de la plateforme" in markdown_text(at)
    assert not at.info


def test_only_the_platform_admin_gets_the_platform_summary(session):
    agent = Actor(id=1, actor_type=ActorType.ADMIN_LOCAL, organization_id=1, roles=frozenset({Role.USERS_GESTION}))
    with pytest.raises(Forbidden):
        platform_summary(session, actor=agent)


def test_logout_returns_to_the_login_form(db):
    with session_scope(db) as s:
        account_with_password(s, None, ActorType.DELEGUE_TECHNIQUE, email="dt@editeur.test")
    at = login("dt@editeur.test")
    assert [t.value for t in at.title] == ["Accueil"]
    at.button(key="logout").click().run()
    assert [t.value for t in at.title] == ["Connexion"]
    assert [i.value for i in at.info] == ["Vous êtes déconnecté."]
    assert "account_id" not in at.session_state
    assert at.text_input(key="login_email").value == ""


def test_a_deactivated_account_loses_its_open_session(db):
    with session_scope(db) as s:
        account = account_with_password(s, None, ActorType.DELEGUE_TECHNIQUE, email="dt@editeur.test")
    at = login("dt@editeur.test")
    with session_scope(db) as s:
        s.get(Account, account.id).active = False
    at.run()
    assert [t.value for t in at.title] == ["Connexion"]
    assert [w.value for w in at.warning] == ["Votre session a été fermée : ce compte n'est plus actif."]
    assert "account_id" not in at.session_state


def test_activation_link_sets_the_password_once(db):
    with session_scope(db) as s:
        org = make_organization(s)
        account = make_account(s, org, ActorType.ADMIN_LOCAL, email="nouvelle@mairie.test")
        token = issue_token(s, account, TokenPurpose.ACTIVATION, now=utcnow())

    at = open_portal(activation=token)
    assert [t.value for t in at.title] == ["Créer votre mot de passe"]
    assert "nouvelle@mairie.test" in markdown_text(at).replace("\\", "")
    assert [w.label for w in at.text_input] == ["Nouveau mot de passe", "Confirmez le mot de passe"]

    def submit(password: str, confirmation: str | None = None) -> None:
        at.text_input(key="new_password").input(password)
        at.text_input(key="new_password_confirmation").input(password if confirmation is None else confirmation)
        at.button(key="link_submit").click().run()
        assert not at.exception, at.exception

    submit("faible")
    assert [e.value for e in at.error] == [
        "Le mot de passe doit contenir " + ", ".join(policy_violations("faible")) + "."
    ]
    submit("Nouveau@2026", "Nouveau@2027")
    assert [e.value for e in at.error] == ["Les deux mots de passe saisis ne sont pas identiques."]
    submit("Nouveau@2026")
    assert [s.value for s in at.success] == [
        "Votre mot de passe est enregistré. Vous pouvez maintenant vous connecter."
    ]
    assert [t.value for t in at.title] == ["Connexion"]
    assert "activation" not in at.query_params

    at.text_input(key="login_email").input("nouvelle@mairie.test")
    at.text_input(key="login_password").input("Nouveau@2026")
    at.button(key="login_submit").click().run()
    assert [t.value for t in at.title] == ["Vérification en deux étapes"]
    at.text_input(key="login_code").input(emailed_code("nouvelle@mairie.test"))
    at.button(key="login_code_submit").click().run()
    assert [t.value for t in at.title] == ["Accueil"]

    reused = open_portal(activation=token)
    assert [e.value for e in reused.error] == [
        "Ce lien a déjà été utilisé. Demandez un nouveau lien avec « Mot de passe oublié »."
    ]
    assert not reused.text_input
    reused.button(key="link_back").click().run()
    assert [t.value for t in reused.title] == ["Connexion"]


def test_expired_or_unknown_links_are_refused(db):
    with session_scope(db) as s:
        account = make_account(s, make_organization(s), ActorType.ADMIN_LOCAL)
        token = issue_token(s, account, TokenPurpose.ACTIVATION, now=utcnow() - timedelta(hours=49))
    assert "a expiré" in open_portal(activation=token).error[0].value
    assert "n'est pas valide" in open_portal(activation="pas-un-jeton").error[0].value


def test_a_link_opened_in_a_signed_in_tab_is_for_its_holder(db):
    with session_scope(db) as s:
        account_with_password(s, None, ActorType.DELEGUE_TECHNIQUE, email="dt@editeur.test")
        other = make_account(s, make_organization(s), ActorType.ADMIN_LOCAL, email="autre@mairie.test")
        token = issue_token(s, other, TokenPurpose.ACTIVATION, now=utcnow())
    at = login("dt@editeur.test")
    at.query_params["activation"] = token
    at.run()
    assert [t.value for t in at.title] == ["Créer votre mot de passe"]
    assert not [b for b in at.button if b.label == "Se déconnecter"]


def test_a_page_script_served_without_the_gate_shows_nothing(db):
    # Streamlit's legacy pages/ discovery can run pages/home.py directly, before app.py ever ran.
    at = AppTest.from_file(APP, default_timeout=30)
    at.switch_page("pages/home.py").run()
    assert not at.exception
    assert not at.title and not at.metric
    assert "Connectez-vous" in at.info[0].value


def test_menu_is_built_from_the_roles():
    agent = Actor(id=1, actor_type=ActorType.AGENT, organization_id=1, roles=frozenset({Role.DOSSIERS_GESTION}))
    assert [s.title for s in screens_for(agent)] == [
        "Accueil", "Mon compte", "Télédossiers", "Télédossier", "Tableau de bord", "Quotient familial",
    ]  # fmt: skip
    assert screens_for(None) == []
    assert SCREENS[0].script == "pages/home.py"
    assert all((ROOT / screen.script).is_file() for screen in SCREENS)


def test_user_text_is_not_markdown():
    assert md_escape("*Dupont* [x](y) $a$ :red[b]") == r"\*Dupont\* \[x\]\(y\) \$a\$ \:red\[b\]"


# Pages for people without an account; each must be listed in nav.PUBLIC_SCREENS.
PUBLIC_PAGES = {"qf_public.py"}


def test_every_screen_goes_through_the_sign_in_check():
    screens = [p for p in ROOT.joinpath("pages").glob("*.py") if p.name not in {"__init__.py", "login.py"}]
    assert screens
    assert [
        p.name for p in screens if p.name not in PUBLIC_PAGES and "signed_in_account_id()" not in p.read_text()
    ] == []
    assert {s.script.removeprefix("pages/") for s in PUBLIC_SCREENS} == PUBLIC_PAGES
    assert all("signed_in_account_id" not in (ROOT / "pages" / name).read_text() for name in PUBLIC_PAGES)


def test_pages_run_no_queries_themselves():
    sources = [APP, *ROOT.joinpath("pages").rglob("*.py")]
    offenders = [p.name for p in sources if re.search(r"\bselect\(|session\.add\(|\.exec\(", p.read_text())]
    assert offenders == []
