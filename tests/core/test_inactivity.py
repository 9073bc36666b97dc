"""Inactivity rules with a frozen clock: reminders at 60 and 90 days, deactivation at day 120, reset by a login."""

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from core import audit
from core.models import Account, ActorType, AuditEntry, OutboxEmail, PortalSession, SessionStage
from core.services.inactivity import apply_inactivity_rules
from core.sessions import open_session
from tests.factories import make_account, make_organization

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def days(n: float) -> timedelta:
    return timedelta(days=n)


def account(session, *, created_days_ago: float, login_days_ago: float | None = None, actor_type=ActorType.ADMIN_LOCAL):
    organization = make_organization(session) if actor_type is ActorType.ADMIN_LOCAL else None
    person = make_account(session, organization, actor_type, now=T0 - days(created_days_ago))
    person.last_login_at = None if login_days_ago is None else T0 - days(login_days_ago)
    session.flush()
    return person


def mails_to(session, person) -> list[OutboxEmail]:
    return list(
        session.exec(select(OutboxEmail).where(OutboxEmail.to_address == person.email).order_by(OutboxEmail.id))
    )


def test_reminder_at_60_days_sent_once(session):
    person = account(session, created_days_ago=300, login_days_ago=60)
    fresh = account(session, created_days_ago=300, login_days_ago=59.9)

    report = apply_inactivity_rules(session, now=T0)

    assert (report.reminders_60, report.reminders_90, report.deactivated) == (1, 0, 0)
    assert person.inactivity_reminder_days == 60 and person.active
    (mail,) = mails_to(session, person)
    assert mail.template == "inactivity_reminder"
    assert "depuis le 05/03/2026, soit 60 jours" in mail.body_text
    assert "désactivé le 03/07/2026" in mail.body_text and "03/07/2026" in mail.subject
    assert mails_to(session, fresh) == []
    # The next day: the other account's turn, not a second one for this one.
    assert apply_inactivity_rules(session, now=T0 + days(1)).reminders_60 == 1
    assert len(mails_to(session, person)) == 1 and len(mails_to(session, fresh)) == 1


def test_reminder_at_90_days_then_deactivation_at_120_with_an_audit_entry(session):
    person = account(session, created_days_ago=300, login_days_ago=60)
    apply_inactivity_rules(session, now=T0)
    open_session(session, person, SessionStage.ACTIVE, now=T0 + days(59))

    assert apply_inactivity_rules(session, now=T0 + days(30)).reminders_90 == 1
    assert person.inactivity_reminder_days == 90
    assert apply_inactivity_rules(session, now=T0 + days(59)) == type(apply_inactivity_rules(session, now=T0))()
    report = apply_inactivity_rules(session, now=T0 + days(60))

    assert report.deactivated == 1
    assert not person.active and person.deactivated_at == T0 + days(60)
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "account.deactivate")).one()
    assert entry.target_id == str(person.id) and entry.account_id is None
    assert entry.details["reason"] == "inactivité : aucune connexion depuis 120 jours"
    assert session.exec(select(PortalSession).where(PortalSession.account_id == person.id)).one().ended_at
    assert [m.template for m in mails_to(session, person)] == [
        "inactivity_reminder",
        "inactivity_reminder",
        "inactivity_deactivated",
    ]
    # A deactivated account is left alone afterwards.
    assert apply_inactivity_rules(session, now=T0 + days(200)).deactivated == 0


def test_never_logged_in_counts_from_creation(session):
    person = account(session, created_days_ago=120)
    young = account(session, created_days_ago=59)
    assert apply_inactivity_rules(session, now=T0).deactivated == 1
    assert not person.active and young.active and young.inactivity_reminder_days == 0


def test_a_login_resets_the_clock(session):
    person = account(session, created_days_ago=300, login_days_ago=95)
    apply_inactivity_rules(session, now=T0)
    assert person.inactivity_reminder_days == 90
    # What core.auth does at a successful login.
    person.last_login_at, person.inactivity_reminder_days = T0 + days(1), 0
    session.flush()
    assert apply_inactivity_rules(session, now=T0 + days(59)).reminders_60 == 0
    assert apply_inactivity_rules(session, now=T0 + days(61)).reminders_60 == 1
    assert person.active


def test_after_an_outage_only_the_latest_reminder_is_sent(session):
    person = account(session, created_days_ago=300, login_days_ago=95)
    report = apply_inactivity_rules(session, now=T0)
    assert (report.reminders_60, report.reminders_90) == (0, 1)
    assert len(mails_to(session, person)) == 1


def test_a_reactivated_account_gets_a_fresh_clock(session):
    person = account(session, created_days_ago=400, login_days_ago=200)
    person.active = True  # reactivated yesterday by its administrateur local
    audit.record(
        session, "account.reactivate", target_type="account", target_id=person.id, details={}, now=T0 - days(1)
    )
    assert apply_inactivity_rules(session, now=T0) == type(apply_inactivity_rules(session, now=T0))()
    assert person.active
    assert apply_inactivity_rules(session, now=T0 + days(119)).deactivated == 1


def test_platform_administrator_is_never_deactivated_by_the_rule(session):
    admin = account(session, created_days_ago=500, actor_type=ActorType.PLATFORM_ADMIN)
    delegate = account(session, created_days_ago=500, actor_type=ActorType.DELEGUE_TECHNIQUE)
    assert apply_inactivity_rules(session, now=T0).deactivated == 1
    assert admin.active and not delegate.active
    assert "administrateur de la plateforme" in mails_to(session, delegate)[0].body_text
    assert session.get(Account, admin.id).inactivity_reminder_days == 0
