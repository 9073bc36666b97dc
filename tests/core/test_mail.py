"""The outbox against a real SMTP server on loopback (aiosmtpd): sent once, retried, failed for good."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from core.config import get_settings
from core.db import session_scope
from core.mail import queue_email, retry_delay, send_due_emails
from core.models import OutboxEmail, OutboxStatus
from tests.smtp import free_port, recording_smtp_server

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


@pytest.fixture
def smtp():
    with recording_smtp_server() as (recorder, port):
        yield recorder, get_settings().model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})


def queue(db, to="agent@mairie.test"):
    with session_scope(db) as s:
        return queue_email(
            s,
            to=to,
            template="login_code",
            context={"full_name": "Anne Duval", "code": "123456", "minutes": 10},
            now=T0,
        ).id


def status_of(db, email_id):
    with session_scope(db) as s:
        return s.get(OutboxEmail, email_id)


def test_sent_once_with_french_subject_and_body(db, smtp):
    recorder, settings = smtp
    first, second = queue(db), queue(db, "admin@mairie.test")
    report = send_due_emails(db, now=T0, settings=settings)
    assert report.sent == 2
    assert send_due_emails(db, now=T0 + timedelta(hours=1), settings=settings).sent == 0
    assert len(recorder.messages) == 2
    message = recorder.messages[0]
    assert message["Subject"] == "HubEE Box : votre code de connexion 123456"
    assert "Bonjour Anne Duval" in message.get_content()
    assert status_of(db, first).status is OutboxStatus.SENT and status_of(db, second).sent_at == T0


def test_server_down_then_up_is_retried_and_sent_once(db, smtp):
    recorder, settings = smtp
    email_id = queue(db)
    down = settings.model_copy(update={"smtp_port": free_port()})
    assert send_due_emails(db, now=T0, settings=down).retried == 1
    pending = status_of(db, email_id)
    assert pending.status is OutboxStatus.PENDING and pending.attempts == 1 and pending.last_error
    assert pending.next_attempt_at == T0 + retry_delay(1)
    # Not due yet: nothing is sent before the back-off ends.
    assert send_due_emails(db, now=T0 + timedelta(seconds=30), settings=settings).sent == 0
    assert send_due_emails(db, now=T0 + retry_delay(1), settings=settings).sent == 1
    assert len(recorder.messages) == 1


def test_temporary_refusal_then_acceptance(db, smtp):
    recorder, settings = smtp
    recorder.replies = ["451 Try again later"]
    email_id = queue(db)
    assert send_due_emails(db, now=T0, settings=settings).retried == 1
    assert send_due_emails(db, now=T0 + timedelta(minutes=1), settings=settings).sent == 1
    assert status_of(db, email_id).attempts == 2 and len(recorder.messages) == 1


def test_permanent_refusal_fails_for_good(db, smtp):
    recorder, settings = smtp
    recorder.replies = ["550 No such user"]
    email_id = queue(db)
    assert send_due_emails(db, now=T0, settings=settings).failed == 1
    failed = status_of(db, email_id)
    assert failed.status is OutboxStatus.FAILED and "550" in failed.last_error
    assert send_due_emails(db, now=T0 + timedelta(days=1), settings=settings).sent == 0


def test_back_off_doubles_up_to_an_hour():
    assert [retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 7, 8)] == [1, 2, 4, 60, 60]


def test_queued_email_is_lost_with_its_rolled_back_transaction(db):
    with pytest.raises(RuntimeError), session_scope(db) as s:
        queue_email(
            s, to="x@mairie.test", template="login_code", context={"full_name": "X", "code": "1", "minutes": 10}, now=T0
        )
        raise RuntimeError("business step failed")
    with session_scope(db) as s:
        assert s.exec(select(OutboxEmail)).all() == []
