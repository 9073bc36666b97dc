"""The login steps of SPEC §4 through AppTest: second factor, forgotten password, expired password, idle
timeout, logout, and the audit trail every step leaves."""

from datetime import timedelta

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from core.auth import LOCK_THRESHOLD, RESET_SENT, add_months, lock_message
from core.clock import utcnow
from core.db import session_scope
from core.models import Account, ActorType, AuditEntry, OutboxEmail, PortalSession
from core.passwords import policy_violations
from core.sessions import EXPIRED_MESSAGE
from tests.factories import make_organization
from tests.pages.test_app_shell import PASSWORD, account_with_password, emailed_code, login, open_portal

ADMIN_EMAIL = "admin@rochefourchat.test"
NEW_PASSWORD = "Commune#2027"
SECOND_FACTOR = "Vérification en deux étapes"
NEW_CODE_SENT = "Un nouveau code vous a été envoyé par courriel."
MISMATCH = "Les deux mots de passe saisis ne sont pas identiques."


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def check(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    return at


def make_admin(db, email: str = ADMIN_EMAIL) -> Account:
    """An administrateur local of a commune: it passes a second factor (an emailed code) at each login."""
    with session_scope(db) as s:
        return account_with_password(
            s, make_organization(s, "Mairie de Rochefourchat"), ActorType.ADMIN_LOCAL, email=email
        )


def submit_password(at: AppTest, email: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="login_email").input(email)
    at.text_input(key="login_password").input(password)
    return check(at.button(key="login_submit").click().run())


def submit_code(at: AppTest, code: str) -> AppTest:
    at.text_input(key="login_code").input(code)
    return check(at.button(key="login_code_submit").click().run())


def wrong(code: str) -> str:
    """Another 6-digit code than `code`."""
    return f"{(int(code) + 1) % 10**6:06d}"


def login_codes_sent(db, email: str) -> int:
    with session_scope(db) as s:
        return len(
            s.exec(
                select(OutboxEmail).where(OutboxEmail.to_address == email, OutboxEmail.template == "login_code")
            ).all()
        )


def audit_actions(db, account_id: int) -> list[str]:
    with session_scope(db) as s:
        return list(
            s.exec(select(AuditEntry.action).where(AuditEntry.account_id == account_id).order_by(AuditEntry.id)).all()
        )


def open_sessions(db, account_id: int) -> list[PortalSession]:
    with session_scope(db) as s:
        return list(
            s.exec(
                select(PortalSession).where(PortalSession.account_id == account_id, PortalSession.ended_at.is_(None))
            ).all()
        )


def expire_password(db, account_id: int) -> None:
    with session_scope(db) as s:
        account = s.get(Account, account_id)
        account.password_set_at = add_months(utcnow(), -7)


def submit_expired(at: AppTest, password: str, confirmation: str | None = None) -> AppTest:
    at.text_input(key="expired_new").input(password)
    at.text_input(key="expired_confirmation").input(password if confirmation is None else confirmation)
    return check(at.button(key="expired_submit").click().run())


# --- Second factor -------------------------------------------------------------------------------------------


def test_an_administrateur_local_gets_the_second_factor_screen(db):
    account = make_admin(db)
    at = submit_password(open_portal(), ADMIN_EMAIL)
    assert titles(at) == [SECOND_FACTOR]
    assert any("vient de vous être envoyé par courriel" in m.value for m in at.markdown)
    assert [w.label for w in at.text_input] == ["Code de vérification"]
    assert "account_id" not in at.session_state
    # Only a session waiting for its second factor exists: it does not open the portal.
    [pending] = open_sessions(db, account.id)
    assert pending.stage.value == "second_factor"
    assert login_codes_sent(db, ADMIN_EMAIL) == 1


def test_a_wrong_code_is_refused_and_the_right_one_opens_home(db):
    account = make_admin(db)
    at = submit_password(open_portal(), ADMIN_EMAIL)
    code = emailed_code(ADMIN_EMAIL)
    at = submit_code(at, wrong(code))
    assert titles(at) == [SECOND_FACTOR]
    assert len(errors(at)) == 1 and errors(at)[0].startswith("Code incorrect")
    assert errors(at) == ["Code incorrect. Il vous reste 4 essais."]
    assert "account_id" not in at.session_state
    at = submit_code(at, code)
    assert titles(at) == ["Accueil"]
    assert at.session_state["account_id"] == account.id
    [active] = open_sessions(db, account.id)
    assert active.stage.value == "active"


def test_a_new_code_replaces_the_old_one(db):
    make_admin(db)
    at = submit_password(open_portal(), ADMIN_EMAIL)
    old = emailed_code(ADMIN_EMAIL)
    check(at.button(key="login_code_resend").click().run())
    assert titles(at) == [SECOND_FACTOR]
    assert [i.value for i in at.info] == [NEW_CODE_SENT]
    assert login_codes_sent(db, ADMIN_EMAIL) == 2
    new = emailed_code(ADMIN_EMAIL)
    while new == old:  # one chance in a million that the new code is the same six digits
        check(at.button(key="login_code_resend").click().run())
        new = emailed_code(ADMIN_EMAIL)
    at = submit_code(at, old)
    assert titles(at) == [SECOND_FACTOR]
    assert errors(at)[0].startswith("Code incorrect")
    at = submit_code(at, new)
    assert titles(at) == ["Accueil"]


def test_cancel_returns_to_the_password_form(db):
    make_admin(db)
    at = submit_password(open_portal(), ADMIN_EMAIL)
    assert titles(at) == [SECOND_FACTOR]
    check(at.button(key="login_cancel").click().run())
    assert titles(at) == ["Connexion"]
    assert [w.label for w in at.text_input] == ["Adresse électronique", "Mot de passe"]
    assert "account_id" not in at.session_state
    # A fresh login asks for a fresh code, which opens the portal.
    at = submit_password(at, ADMIN_EMAIL)
    assert titles(at) == [SECOND_FACTOR]
    assert titles(submit_code(at, emailed_code(ADMIN_EMAIL))) == ["Accueil"]


# --- Forgotten password --------------------------------------------------------------------------------------


def reset_emails(db) -> list[OutboxEmail]:
    with session_scope(db) as s:
        return list(s.exec(select(OutboxEmail).where(OutboxEmail.template == "password_reset")).all())


def test_forgotten_password_answers_the_same_and_mails_only_an_existing_account(db):
    make_admin(db)
    at = open_portal()
    check(at.button(key="login_forgot_button").click().run())
    assert titles(at) == ["Mot de passe oublié"]

    at.text_input(key="forgot_email").input("inconnu@rochefourchat.test")
    check(at.button(key="forgot_submit").click().run())
    assert [s.value for s in at.success] == [RESET_SENT]
    assert reset_emails(db) == []

    at.text_input(key="forgot_email").input(ADMIN_EMAIL.upper())
    check(at.button(key="forgot_submit").click().run())
    assert [s.value for s in at.success] == [RESET_SENT]
    [email] = reset_emails(db)
    assert email.to_address == ADMIN_EMAIL
    assert "/?activation=" in email.body_text

    check(at.button(key="forgot_back").click().run())
    assert titles(at) == ["Connexion"]


# --- Expired password ----------------------------------------------------------------------------------------


def test_a_password_older_than_six_months_must_be_replaced(db):
    account = make_admin(db)
    expire_password(db, account.id)
    at = login(ADMIN_EMAIL)
    assert titles(at) == ["Nouveau mot de passe"]
    assert [i.value for i in at.info] == ["Votre mot de passe a plus de 6 mois : choisissez-en un nouveau."]
    assert "account_id" not in at.session_state

    at = submit_expired(at, PASSWORD)
    assert titles(at) == ["Nouveau mot de passe"]
    assert len(errors(at)) == 1 and "différent" in errors(at)[0]

    at = submit_expired(at, "faible")
    assert errors(at) == ["Le mot de passe doit contenir " + ", ".join(policy_violations("faible")) + "."]
    at = submit_expired(at, "motdepasse1!")
    assert errors(at) == ["Le mot de passe doit contenir au moins une lettre majuscule."]

    at = submit_expired(at, NEW_PASSWORD, "Commune#2028")
    assert errors(at) == [MISMATCH]
    assert titles(at) == ["Nouveau mot de passe"]

    at = submit_expired(at, NEW_PASSWORD)
    assert titles(at) == ["Accueil"]
    assert at.session_state["account_id"] == account.id
    with session_scope(db) as s:
        assert s.get(Account, account.id).password_set_at > utcnow() - timedelta(minutes=5)
    # The new password is the one that works now.
    check(at.button(key="logout").click().run())
    assert titles(login(ADMIN_EMAIL, NEW_PASSWORD)) == ["Accueil"]


# --- Session end ---------------------------------------------------------------------------------------------


def test_a_session_idle_for_an_hour_returns_to_the_login_screen(db):
    account = make_admin(db)
    at = login(ADMIN_EMAIL)
    assert titles(at) == ["Accueil"]
    with session_scope(db) as s:
        portal_session = s.exec(
            select(PortalSession).where(PortalSession.account_id == account.id, PortalSession.ended_at.is_(None))
        ).one()
        portal_session.last_seen_at -= timedelta(minutes=61)
        session_id = portal_session.id
    check(at.run())
    assert titles(at) == ["Connexion"]
    assert [w.value for w in at.warning] == [EXPIRED_MESSAGE]
    assert "account_id" not in at.session_state
    with session_scope(db) as s:
        ended = s.get(PortalSession, session_id)
        assert ended.ended_at is not None
        assert ended.end_reason == "inactivité"


def test_a_session_used_within_the_hour_stays_open(db):
    account = make_admin(db)
    at = login(ADMIN_EMAIL)
    with session_scope(db) as s:
        [portal_session] = s.exec(select(PortalSession).where(PortalSession.account_id == account.id)).all()
        portal_session.last_seen_at -= timedelta(minutes=59)
    check(at.run())
    assert titles(at) == ["Accueil"]


def test_logout_ends_the_server_side_session(db):
    account = make_admin(db)
    at = login(ADMIN_EMAIL)
    [portal_session] = open_sessions(db, account.id)
    check(at.button(key="logout").click().run())
    assert titles(at) == ["Connexion"]
    assert open_sessions(db, account.id) == []
    with session_scope(db) as s:
        ended = s.get(PortalSession, portal_session.id)
        assert ended.ended_at is not None
        assert ended.end_reason == "déconnexion"
        entry = s.exec(
            select(AuditEntry).where(AuditEntry.action == "session.end", AuditEntry.account_id == account.id)
        ).one()
        assert entry.target_type == "session" and entry.target_id == str(portal_session.id)
        assert entry.details == {"reason": "déconnexion"}


# --- Audit trail ---------------------------------------------------------------------------------------------


def test_every_login_step_is_audited(db):
    account = make_admin(db)
    expire_password(db, account.id)
    before = audit_actions(db, account.id)
    assert before == ["password.set"]  # the password given by the test set-up

    at = submit_password(open_portal(), ADMIN_EMAIL, "Mauvais@2026")
    at = submit_password(at, ADMIN_EMAIL)
    code = emailed_code(ADMIN_EMAIL)
    at = submit_code(at, wrong(code))
    at = submit_code(at, code)
    at = submit_expired(at, NEW_PASSWORD)
    assert titles(at) == ["Accueil"]
    check(at.button(key="logout").click().run())
    for _ in range(LOCK_THRESHOLD):
        at = submit_password(at, ADMIN_EMAIL, "Mauvais@2026")
    with session_scope(db) as s:
        locked_until = s.get(Account, account.id).locked_until
    assert errors(at) == [lock_message(locked_until)]

    assert audit_actions(db, account.id)[len(before) :] == [
        "login.failure",
        "second_factor.code_sent",
        "second_factor.failure",
        "second_factor.success",
        "password.set",
        "login.success",
        "session.end",
        *["login.failure"] * LOCK_THRESHOLD,
        "account.locked",
    ]
    with session_scope(db) as s:
        entries = s.exec(select(AuditEntry).where(AuditEntry.account_id == account.id)).all()
        assert {e.actor_email for e in entries if e.action.startswith(("login.", "second_factor."))} == {ADMIN_EMAIL}
        [locked] = [e for e in entries if e.action == "account.locked"]
        assert locked.details == {"minutes": 15}


def test_a_failure_for_an_unknown_email_is_audited_with_the_typed_address(db):
    at = submit_password(open_portal(), "Personne@Rochefourchat.test ", "Mauvais@2026")
    assert titles(at) == ["Connexion"]
    with session_scope(db) as s:
        [entry] = s.exec(select(AuditEntry).where(AuditEntry.action == "login.failure")).all()
    assert entry.account_id is None
    assert entry.actor_email == "personne@rochefourchat.test"
