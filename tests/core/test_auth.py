"""SPEC §4 login policy with an injected clock: lockout, deactivation, second factor, expiry, sessions."""

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlmodel import select

from core import auth, sessions
from core.db import session_scope
from core.errors import InvalidInput
from core.models import Account, AccountToken, ActorType, AuditEntry, OutboxEmail, TokenPurpose
from core.second_factor import enrol_totp, new_totp_secret
from core.tokens import issue_token
from tests.factories import make_account, make_organization

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "Mairie@2026"


@pytest.fixture
def agent_email(db):
    with session_scope(db) as s:
        org = make_organization(s)
        from tests.factories import subscribe

        sub = subscribe(s, org, "EtatCivil")
        agent = make_account(
            s, org, ActorType.AGENT, habilitations=frozenset({sub.process_id}), email="agent@mairie.test"
        )
        auth.set_password(s, agent, PASSWORD, now=T0)
        admin = make_account(s, org, ActorType.ADMIN_LOCAL, email="admin@mairie.test")
        auth.set_password(s, admin, PASSWORD, now=T0)
    return "agent@mairie.test"


def login(db, email, password, now):
    with session_scope(db) as s:
        return auth.check_credentials(s, email=email, password=password, now=now)


def actions(db, email):
    with session_scope(db) as s:
        account = s.exec(select(Account).where(Account.email == email)).one()
        return [
            e.action
            for e in s.exec(select(AuditEntry).where(AuditEntry.account_id == account.id).order_by(AuditEntry.id))
        ]


def test_agent_logs_in_without_second_factor(agent_email, db):
    outcome = login(db, agent_email, PASSWORD, T0 + timedelta(minutes=1))
    assert outcome.step is auth.LoginStep.DONE and outcome.session_token
    assert "login.success" in actions(db, agent_email)


def test_wrong_email_and_wrong_password_get_the_same_message(agent_email, db):
    assert login(db, "nobody@mairie.test", PASSWORD, T0).message == auth.BAD_CREDENTIALS
    assert login(db, agent_email, "Wrong@2026", T0).message == auth.BAD_CREDENTIALS


def test_five_failures_lock_15_minutes_then_30_then_60(agent_email, db):
    now = T0
    for expected_minutes in (15, 30, 60):
        for _ in range(4):
            assert login(db, agent_email, "Wrong@2026", now).message == auth.BAD_CREDENTIALS
        locked = login(db, agent_email, "Wrong@2026", now)
        until = now + timedelta(minutes=expected_minutes)
        assert locked.message == auth.lock_message(until)
        # Even the right password is refused while locked, with the same "until" message.
        assert login(db, agent_email, PASSWORD, until - timedelta(seconds=1)).message == auth.lock_message(until)
        now = until
    assert login(db, agent_email, PASSWORD, now).step is auth.LoginStep.DONE
    trail = actions(db, agent_email)
    assert trail.count("account.locked") == 3 and trail.count("account.unlocked") == 3


def test_lock_message_gives_paris_time(agent_email, db):
    for _ in range(5):
        outcome = login(db, agent_email, "Wrong@2026", T0)
    assert "10:15" in outcome.message  # 09:00 UTC + 15 min = 10:15 in Paris in March (UTC+1)


def test_deactivated_account_is_told_to_contact_its_admin(agent_email, db):
    with session_scope(db) as s:
        s.exec(select(Account).where(Account.email == agent_email)).one().active = False
    assert login(db, agent_email, PASSWORD, T0).message == auth.DEACTIVATED
    # …but only with the right password: a wrong one does not reveal the account's state.
    assert login(db, agent_email, "Wrong@2026", T0).message == auth.BAD_CREDENTIALS


def _last_code(db, email) -> str:
    with session_scope(db) as s:
        mail = s.exec(
            select(OutboxEmail).where(OutboxEmail.to_address == email).order_by(OutboxEmail.id.desc())
        ).first()
    return mail.subject.rsplit(" ", 1)[-1]


def test_admin_needs_the_emailed_code(agent_email, db):
    first = login(db, "admin@mairie.test", PASSWORD, T0)
    assert first.step is auth.LoginStep.SECOND_FACTOR
    code = _last_code(db, "admin@mairie.test")
    assert len(code) == 6 and code.isdigit()
    with session_scope(db) as s:
        wrong = auth.verify_second_factor(
            s, session_token=first.session_token, code="000000" if code != "000000" else "111111", now=T0
        )
    assert wrong.step is auth.LoginStep.SECOND_FACTOR and "Code incorrect" in wrong.message
    with session_scope(db) as s:
        done = auth.verify_second_factor(s, session_token=first.session_token, code=code, now=T0 + timedelta(minutes=2))
    assert done.step is auth.LoginStep.DONE
    # Single use: the same code does not open a second login.
    second = login(db, "admin@mairie.test", PASSWORD, T0 + timedelta(minutes=3))
    with session_scope(db) as s:
        again = auth.verify_second_factor(
            s, session_token=second.session_token, code=code, now=T0 + timedelta(minutes=3)
        )
    assert again.step is auth.LoginStep.SECOND_FACTOR


def test_emailed_code_expires_after_10_minutes(agent_email, db):
    first = login(db, "admin@mairie.test", PASSWORD, T0)
    code = _last_code(db, "admin@mairie.test")
    with session_scope(db) as s:
        late = auth.verify_second_factor(
            s, session_token=first.session_token, code=code, now=T0 + timedelta(minutes=11)
        )
    assert late.step is auth.LoginStep.REFUSED


def test_emailed_code_allows_five_attempts(agent_email, db):
    first = login(db, "admin@mairie.test", PASSWORD, T0)
    code = _last_code(db, "admin@mairie.test")
    wrong = "123456" if code != "123456" else "654321"
    for _ in range(5):
        with session_scope(db) as s:
            auth.verify_second_factor(s, session_token=first.session_token, code=wrong, now=T0)
    with session_scope(db) as s:
        outcome = auth.verify_second_factor(s, session_token=first.session_token, code=code, now=T0)
    assert outcome.step is auth.LoginStep.SECOND_FACTOR and "Trop d'essais" in outcome.message


def test_totp_code_cannot_be_replayed(agent_email, db):
    secret = new_totp_secret()
    with session_scope(db) as s:
        admin = s.exec(select(Account).where(Account.email == "admin@mairie.test")).one()
        enrol_totp(s, admin, secret=secret, code=pyotp.TOTP(secret).at(T0), now=T0)
    later = T0 + timedelta(minutes=5)
    code = pyotp.TOTP(secret).at(later)
    first = login(db, "admin@mairie.test", PASSWORD, later)
    assert first.step is auth.LoginStep.SECOND_FACTOR
    with session_scope(db) as s:
        assert (
            auth.verify_second_factor(s, session_token=first.session_token, code=code, now=later).step
            is auth.LoginStep.DONE
        )
    second = login(db, "admin@mairie.test", PASSWORD, later)
    with session_scope(db) as s:
        replay = auth.verify_second_factor(s, session_token=second.session_token, code=code, now=later)
    assert replay.step is auth.LoginStep.SECOND_FACTOR and "déjà été utilisé" in replay.message


def test_password_older_than_six_months_must_change(agent_email, db):
    later = datetime(2026, 9, 2, 9, 0, tzinfo=UTC)  # exactly 6 months after T0
    assert login(db, agent_email, PASSWORD, later - timedelta(seconds=1)).step is auth.LoginStep.DONE
    outcome = login(db, agent_email, PASSWORD, later)
    assert outcome.step is auth.LoginStep.PASSWORD_CHANGE
    with pytest.raises(InvalidInput, match="différent"), session_scope(db) as s:
        auth.change_expired_password(s, session_token=outcome.session_token, new_password=PASSWORD, now=later)
    with session_scope(db) as s:
        done = auth.change_expired_password(
            s, session_token=outcome.session_token, new_password="Nouveau#2027", now=later
        )
    assert done.step is auth.LoginStep.DONE
    with session_scope(db) as s:
        assert sessions.resume_session(s, done.session_token, now=later).account_id is not None


def test_add_months_clamps_to_month_end():
    assert auth.add_months(datetime(2026, 8, 31, tzinfo=UTC), 6) == datetime(2027, 2, 28, tzinfo=UTC)


def test_session_ends_after_60_idle_minutes_and_at_logout(agent_email, db):
    token = login(db, agent_email, PASSWORD, T0).session_token
    with session_scope(db) as s:
        assert sessions.resume_session(s, token, now=T0 + timedelta(minutes=59)).account_id
    with session_scope(db) as s:  # activity at 59 min moved the clock: 118 min is 59 idle minutes
        assert sessions.resume_session(s, token, now=T0 + timedelta(minutes=118)).account_id
    with session_scope(db) as s:
        expired = sessions.resume_session(s, token, now=T0 + timedelta(minutes=178))
    assert expired.account_id is None and expired.message == sessions.EXPIRED_MESSAGE
    token = login(db, agent_email, PASSWORD, T0).session_token
    with session_scope(db) as s:
        sessions.logout(s, token, now=T0)
    with session_scope(db) as s:
        assert sessions.resume_session(s, token, now=T0).account_id is None
    assert actions(db, agent_email).count("session.end") == 2


def test_password_change_ends_other_sessions(agent_email, db):
    token = login(db, agent_email, PASSWORD, T0).session_token
    with session_scope(db) as s:
        account_id = s.exec(select(Account.id).where(Account.email == agent_email)).one()
        auth.change_password(s, account_id=account_id, current_password=PASSWORD, new_password="Autre#Mot2026", now=T0)
    with session_scope(db) as s:
        assert sessions.resume_session(s, token, now=T0).account_id is None


def test_activation_link_is_single_use_and_valid_48_hours(agent_email, db):
    with session_scope(db) as s:
        account = s.exec(select(Account).where(Account.email == agent_email)).one()
        raw = issue_token(s, account, TokenPurpose.ACTIVATION, now=T0)
        late = issue_token(s, make_account(s, None, ActorType.PLATFORM_ADMIN), TokenPurpose.ACTIVATION, now=T0)
    with pytest.raises(InvalidInput, match="au moins un chiffre"), session_scope(db) as s:
        auth.activate_with_token(s, raw_token=raw, password="Faible@mot", now=T0)
    with session_scope(db) as s:
        auth.activate_with_token(s, raw_token=raw, password="Solide@2026", now=T0 + timedelta(hours=47))
    with pytest.raises(InvalidInput, match="déjà été utilisé"), session_scope(db) as s:
        auth.activate_with_token(s, raw_token=raw, password="Autre@2026x", now=T0 + timedelta(hours=47))
    with pytest.raises(InvalidInput, match="expiré"), session_scope(db) as s:
        auth.activate_with_token(s, raw_token=late, password="Solide@2026", now=T0 + timedelta(hours=48))


def test_password_reset_answers_the_same_whether_the_account_exists(agent_email, db):
    with session_scope(db) as s:
        assert auth.request_password_reset(s, email="inconnu@mairie.test", now=T0) == auth.RESET_SENT
        assert auth.request_password_reset(s, email=agent_email, now=T0) == auth.RESET_SENT
    with session_scope(db) as s:
        assert (
            s.exec(select(OutboxEmail).where(OutboxEmail.template == "password_reset")).one().to_address == agent_email
        )
        assert s.exec(select(AccountToken).where(AccountToken.purpose == TokenPurpose.PASSWORD_RESET)).one()


def test_tokens_are_stored_only_as_hashes(agent_email, db):
    with session_scope(db) as s:
        account = s.exec(select(Account).where(Account.email == agent_email)).one()
        raw = issue_token(s, account, TokenPurpose.ACTIVATION, now=T0)
    with session_scope(db) as s:
        stored = s.exec(select(AccountToken.token_hash)).all()
    assert raw not in stored and all(len(h) == 64 for h in stored)
