"""Mon compte through AppTest: identity, contact details, own dossier roles, password, second factor."""

import pyotp
import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from core.clock import utcnow
from core.db import session_scope
from core.errors import Forbidden
from core.models import Account, AccountRole, ActorType, Civility, PortalSession, Role, SecondFactorMethod, SessionStage
from core.passwords import verify_password
from core.permissions import Actor
from core.services.portal import my_account_view
from core.services.profile import start_totp_enrolment, switch_to_email_codes
from core.sessions import open_session, resume_session
from pages.components.nav import screens_for
from tests.factories import make_organization, subscribe
from tests.pages.test_app_shell import PASSWORD, account_with_password, login, markdown_text

AGENT_EMAIL = "agent@rochefourchat.test"
ADMIN_EMAIL = "admin@rochefourchat.test"
NEW_PASSWORD = "Commune#2027"
PHONE_RULE = "Le numéro de téléphone n'est pas un numéro français valide (exemple : 01 23 45 67 89)."
ROLES_SECTION = "Mes rôles sur les télédossiers"
SECOND_FACTOR_SECTION = "Vérification en deux étapes"
TOTP_KEY = "account_totp_enrolment"


def check(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    return at


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def successes(at: AppTest) -> list[str]:
    return [s.value for s in at.success]


def subheaders(at: AppTest) -> list[str]:
    return [h.value for h in at.subheader]


def my_account(email: str) -> AppTest:
    """Log in as `email` and open "Mon compte" from the menu."""
    at = login(email)
    return check(at.switch_page("pages/account.py").run())


def make_agent(db) -> Account:
    with session_scope(db) as s:
        org = make_organization(s, "Mairie de Rochefourchat")
        habilitations = frozenset({subscribe(s, org, "EtatCivil").process_id})
        return account_with_password(s, org, habilitations=habilitations, email=AGENT_EMAIL)


def make_admin(db, roles: frozenset[Role] | None = None) -> Account:
    with session_scope(db) as s:
        return account_with_password(
            s, make_organization(s, "Mairie de Rochefourchat"), ActorType.ADMIN_LOCAL, roles=roles, email=ADMIN_EMAIL
        )


def stored(account_id: int) -> Account:
    with session_scope() as s:
        account = s.get(Account, account_id)
        s.expunge(account)
        return account


def roles_of(account_id: int) -> set[Role]:
    with session_scope() as s:
        return set(s.exec(select(AccountRole.role).where(AccountRole.account_id == account_id)))


# --- Identité ---------------------------------------------------------------------------------------


def test_mon_compte_is_in_everyones_menu_after_home():
    agent = Actor(id=1, actor_type=ActorType.AGENT, organization_id=1, roles=frozenset({Role.DOSSIERS_GESTION}))
    delegate = Actor(id=2, actor_type=ActorType.DELEGUE_TECHNIQUE, organization_id=None)
    for actor in (agent, delegate):
        assert [(s.title, s.url_path) for s in screens_for(actor)][:2] == [
            ("Accueil", "accueil"),
            ("Mon compte", "mon-compte"),
        ]


def test_identity_is_shown_and_the_email_is_not_editable(db):
    agent = make_agent(db)
    at = my_account(AGENT_EMAIL)
    assert [t.value for t in at.title] == ["Mon compte"]
    text = markdown_text(at).replace("\\", "")
    for shown in (AGENT_EMAIL, "Camille", agent.last_name, "Agent", "Mairie de Rochefourchat"):
        assert shown in text
    assert "Gestion des télédossiers" in text
    assert any("Une adresse erronée se corrige en désactivant ce compte" in c.value for c in at.caption)
    # Neither the email nor the names are offered as inputs: only the contact details and the passwords are.
    assert [w.label for w in at.text_input] == [
        "Fonction (facultatif)",
        "Téléphone principal",
        "Téléphone secondaire (facultatif)",
        "Mot de passe actuel",
        "Nouveau mot de passe",
        "Confirmez le nouveau mot de passe",
    ]
    assert AGENT_EMAIL not in [w.value for w in at.text_input]


def test_admin_view_says_sans_habilitations(session):
    org = make_organization(session)
    admin = account_with_password(session, org, ActorType.ADMIN_LOCAL)
    view = my_account_view(session, account_id=admin.id)
    assert view.habilitations == ("Sans habilitations",)
    assert view.roles == ("Gestion des utilisateurs", "Gestion des abonnements")
    assert view.may_set_dossier_roles and view.dossier_roles == frozenset()
    assert view.second_factor_method is SecondFactorMethod.EMAIL
    assert view.organization_siret == org.siret


# --- Mes coordonnées --------------------------------------------------------------------------------


def fill_contact(at: AppTest, *, phone: str, secondary: str = "", function: str = "", civility: str = "Mme") -> AppTest:
    at.radio(key="account_civility").set_value(civility)
    at.text_input(key="account_function").input(function)
    at.text_input(key="account_phone").input(phone)
    at.text_input(key="account_phone_secondary").input(secondary)
    return check(at.button(key="account_profile_submit").click().run())


def test_contact_details_are_saved(db):
    agent = make_agent(db)
    at = my_account(AGENT_EMAIL)
    assert at.text_input(key="account_phone").value == "0123456789"
    fill_contact(at, phone="01 98 76 54 32", secondary="+33 6 12 34 56 78", function="Secrétaire", civility="M.")
    assert successes(at) == ["Vos coordonnées sont enregistrées."]
    assert any(f"M. Camille {agent.last_name}" in h.proto.body for h in at.get("html"))  # the banner follows
    account = stored(agent.id)
    assert (account.civility, account.function) == (Civility.MONSIEUR, "Secrétaire")
    assert (account.phone, account.phone_secondary) == ("0198765432", "+33612345678")


def test_an_invalid_phone_is_refused_naming_the_field(db):
    agent = make_agent(db)
    at = my_account(AGENT_EMAIL)
    fill_contact(at, phone="12345", function="Secrétaire", civility="M.")
    assert errors(at) == [f"Téléphone principal\u00a0: {PHONE_RULE}"]
    fill_contact(at, phone="0198765432", secondary="06 12", function="Secrétaire", civility="M.")
    assert errors(at) == [f"Téléphone secondaire\u00a0: {PHONE_RULE}"]
    assert not at.success
    account = stored(agent.id)
    assert (account.civility, account.function, account.phone) == (Civility.MADAME, None, "0123456789")


# --- Mes rôles sur les télédossiers -----------------------------------------------------------------


def test_an_agent_cannot_change_its_own_roles(db):
    make_agent(db)
    at = my_account(AGENT_EMAIL)
    assert ROLES_SECTION not in subheaders(at)
    assert SECOND_FACTOR_SECTION not in subheaders(at)
    assert [r.key for r in at.radio] == ["account_civility"]


def test_an_admin_without_gestion_des_utilisateurs_cannot_either(db):
    make_admin(db, roles=frozenset({Role.SUBSCRIPTIONS_GESTION}))
    at = my_account(ADMIN_EMAIL)
    assert ROLES_SECTION not in subheaders(at)
    assert SECOND_FACTOR_SECTION in subheaders(at)


def test_an_admin_gives_itself_then_takes_back_the_dossier_roles(db):
    admin = make_admin(db)
    at = my_account(ADMIN_EMAIL)
    assert ROLES_SECTION in subheaders(at)
    assert at.radio(key="account_dossier_role").value == "Aucun"
    assert not [b for b in at.button if b.key == "account_dossier_role_submit"]

    check(at.radio(key="account_dossier_role").set_value("Gestion des télédossiers").run())
    assert [i.value for i in at.info] == [
        "Après confirmation, votre compte aura le rôle « Gestion des télédossiers »\u00a0: vous verrez et traiterez "
        "les télédossiers de toutes les démarches de votre service instructeur."
    ]
    assert roles_of(admin.id) == {Role.USERS_GESTION, Role.SUBSCRIPTIONS_GESTION}  # not before the confirmation
    check(at.button(key="account_dossier_role_submit").click().run())
    assert successes(at) == ["Vos rôles sur les télédossiers sont enregistrés."]
    assert [t.value for t in at.title] == ["Mon compte"]
    assert "Gestion des télédossiers" in markdown_text(at)
    assert roles_of(admin.id) == {Role.USERS_GESTION, Role.SUBSCRIPTIONS_GESTION, Role.DOSSIERS_GESTION}

    check(at.radio(key="account_dossier_role").set_value("Aucun").run())
    assert "vous ne verrez plus aucun télédossier" in at.info[0].value
    check(at.button(key="account_dossier_role_submit").click().run())
    assert roles_of(admin.id) == {Role.USERS_GESTION, Role.SUBSCRIPTIONS_GESTION}


# --- Mot de passe -----------------------------------------------------------------------------------


def change_password(at: AppTest, current: str, new: str, confirmation: str | None = None) -> AppTest:
    at.text_input(key="account_current_password").input(current)
    at.text_input(key="account_new_password").input(new)
    at.text_input(key="account_new_password_confirmation").input(new if confirmation is None else confirmation)
    return check(at.button(key="account_password_submit").click().run())


def test_password_change_refusals_keep_the_password(db):
    agent = make_agent(db)
    at = my_account(AGENT_EMAIL)
    change_password(at, "Mauvais@2026", NEW_PASSWORD)
    assert errors(at) == ["Le mot de passe actuel est incorrect."]
    change_password(at, PASSWORD, "commune2027")
    assert errors(at) == [
        "Le mot de passe doit contenir au moins une lettre majuscule, "
        "au moins un caractère spécial parmi ! @ # $ % & * ( )."
    ]
    change_password(at, PASSWORD, PASSWORD)
    assert errors(at) == ["Le nouveau mot de passe doit être différent de l'actuel."]
    change_password(at, PASSWORD, NEW_PASSWORD, "Commune#2028")
    assert errors(at) == ["Les deux mots de passe saisis ne sont pas identiques."]
    assert verify_password(PASSWORD, stored(agent.id).password_hash)


def test_password_change_keeps_this_tab_and_ends_the_other_sessions(db):
    agent = make_agent(db)
    with session_scope(db) as s:
        other_tab = open_session(s, s.get(Account, agent.id), SessionStage.ACTIVE, now=utcnow())
    at = my_account(AGENT_EMAIL)
    change_password(at, PASSWORD, NEW_PASSWORD)
    assert successes(at) == ["Votre mot de passe est modifié. Vos autres sessions ont été fermées."]
    assert not at.error
    assert verify_password(NEW_PASSWORD, stored(agent.id).password_hash)
    with session_scope(db) as s:
        assert resume_session(s, other_tab, now=utcnow()).account_id is None
        open_sessions = s.exec(
            select(PortalSession).where(PortalSession.account_id == agent.id, PortalSession.ended_at.is_(None))
        ).all()
    assert len(open_sessions) == 1
    check(at.run())  # this tab is still signed in
    assert [t.value for t in at.title] == ["Mon compte"]
    assert at.session_state["account_id"] == agent.id


# --- Vérification en deux étapes --------------------------------------------------------------------


def start_enrolment(at: AppTest) -> str:
    check(at.button(key="account_totp_start").click().run())
    secret, uri = at.session_state[TOTP_KEY]
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    assert [c.value for c in at.code] == [secret]
    assert len(at.get("image")) == 1  # the QR code
    return secret


def submit_code(at: AppTest, code: str) -> AppTest:
    at.text_input(key="account_totp_code").input(code)
    return check(at.button(key="account_totp_submit").click().run())


def not_a_valid_code(secret: str) -> str:
    totp = pyotp.TOTP(secret)
    step = totp.timecode(utcnow())
    valid = {totp.generate_otp(step + offset) for offset in (-1, 0, 1, 2)}
    return next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in valid)


def test_totp_enrolment_then_back_to_email_codes(db):
    admin = make_admin(db)
    at = my_account(ADMIN_EMAIL)
    assert SECOND_FACTOR_SECTION in subheaders(at)
    assert "**Méthode actuelle**\u00a0: Code par courriel" in markdown_text(at)
    secret = start_enrolment(at)

    submit_code(at, not_a_valid_code(secret))
    assert errors(at) == ["Code incorrect : l'application n'est pas enregistrée. Scannez le QR code et réessayez."]
    assert stored(admin.id).second_factor_method is SecondFactorMethod.EMAIL
    assert at.session_state[TOTP_KEY][0] == secret  # the same secret stays, as the app has scanned it

    submit_code(at, pyotp.TOTP(secret).now())
    assert not at.error
    assert successes(at) == [
        "Votre application d'authentification est enregistrée : elle vous donnera vos codes de connexion."
    ]
    account = stored(admin.id)
    assert (account.second_factor_method, account.totp_secret) == (SecondFactorMethod.TOTP, secret)
    assert TOTP_KEY not in at.session_state
    assert "**Méthode actuelle**\u00a0: Application d'authentification" in markdown_text(at)

    check(at.button(key="account_totp_remove").click().run())
    assert successes(at) == ["Vos codes de connexion vous seront désormais envoyés par courriel."]
    account = stored(admin.id)
    assert (account.second_factor_method, account.totp_secret) == (SecondFactorMethod.EMAIL, None)
    assert [b.key for b in at.button if b.key and b.key.startswith("account_totp")] == ["account_totp_start"]


def test_totp_enrolment_can_be_cancelled(db):
    admin = make_admin(db)
    at = my_account(ADMIN_EMAIL)
    start_enrolment(at)
    check(at.button(key="account_totp_cancel").click().run())
    assert TOTP_KEY not in at.session_state
    assert not at.code
    assert stored(admin.id).second_factor_method is SecondFactorMethod.EMAIL


def test_accounts_without_a_second_factor_cannot_enrol_an_app(session):
    org = make_organization(session)
    agent = account_with_password(
        session, org, habilitations=frozenset({subscribe(session, org, "EtatCivil").process_id})
    )
    with pytest.raises(Forbidden):
        start_totp_enrolment(session, account_id=agent.id)
    with pytest.raises(Forbidden):
        switch_to_email_codes(session, account_id=agent.id, now=utcnow())
