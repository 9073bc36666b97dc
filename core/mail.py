"""Emails: rendered from French templates, stored in the outbox, then sent over SMTP with retries.

Nothing is sent inside a business transaction: the service queues the email, the transaction commits,
then `send_due_emails` (called right after the commit by the portal, and by the jobs process) claims each
message before sending it, so that two senders never send the same message twice.
"""

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from string import Template

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.config import PROJECT_ROOT, Settings, get_settings
from core.db import session_scope
from core.models import OutboxEmail, OutboxStatus

TEMPLATES_DIR = PROJECT_ROOT / "core" / "mail_templates"
MAX_ATTEMPTS = 8
# A claimed message is invisible to other senders for this long; a crash mid-send retries it after.
CLAIM_DURATION = timedelta(minutes=5)
BATCH = 50


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def render(template: str, context: dict) -> tuple[str, str]:
    """(subject, body) of `template`: its first line is the subject, the rest the body ($name placeholders)."""
    text = (TEMPLATES_DIR / f"{template}.txt").read_text(encoding="utf-8")
    subject, _, body = text.partition("\n")
    full_context = {"box_name": "HubEE Box", "base_url": get_settings().public_base_url.rstrip("/"), **context}
    return Template(subject.strip()).substitute(full_context), Template(body.lstrip("\n")).substitute(full_context)


def queue_email(session: Session, *, to: str, template: str, context: dict, now: datetime) -> OutboxEmail:
    """Store an email to send; it leaves only if the surrounding transaction commits."""
    subject, body = render(template, context)
    email = OutboxEmail(
        to_address=to, subject=subject, body_text=body, template=template, created_at=now, next_attempt_at=now
    )
    session.add(email)
    session.flush()
    return email


def _claim(engine: Engine, email_id: int, now: datetime) -> bool:
    with engine.begin() as conn:
        claimed = conn.execute(
            sa.update(OutboxEmail)
            .where(
                OutboxEmail.id == email_id,
                OutboxEmail.status == OutboxStatus.PENDING,
                OutboxEmail.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + CLAIM_DURATION, attempts=OutboxEmail.attempts + 1)
        )
        return claimed.rowcount == 1


def _message(email: OutboxEmail, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Message-ID"] = make_msgid(domain="hubee.box")
    message.set_content(email.body_text)
    return message


def _smtp_send(message: EmailMessage, settings: Settings) -> None:
    if settings.smtp_ssl:
        smtp = smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=20, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20)
    with smtp:
        if settings.smtp_starttls and not settings.smtp_ssl:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, … minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), timedelta(hours=1))


def _record_outcome(engine: Engine, email_id: int, error: Exception | None, now: datetime) -> str | None:
    """Mark the claimed message sent, retried or failed; None if it vanished meanwhile (nothing to mark)."""
    with engine.begin() as conn:
        attempts = conn.execute(sa.select(OutboxEmail.attempts).where(OutboxEmail.id == email_id)).scalar_one_or_none()
        if attempts is None:
            return None
        if error is None:
            outcome, values = "sent", {"status": OutboxStatus.SENT, "sent_at": now, "last_error": None}
        else:
            permanent = isinstance(error, smtplib.SMTPResponseException) and 500 <= error.smtp_code < 600
            values = {"last_error": f"{type(error).__name__}: {error}"[:1000]}
            if permanent or attempts >= MAX_ATTEMPTS:
                outcome, values["status"] = "failed", OutboxStatus.FAILED
            else:
                outcome, values["next_attempt_at"] = "retried", now + retry_delay(attempts)
        # A plain UPDATE: a row deleted meanwhile is no error, and nothing else is rewritten.
        conn.execute(sa.update(OutboxEmail).where(OutboxEmail.id == email_id).values(**values))
        return outcome


def send_due_emails(engine: Engine, *, now: datetime, settings: Settings | None = None) -> SendReport:
    """Send every pending email whose time has come; each one is claimed first, then marked."""
    settings = settings or get_settings()
    with session_scope(engine) as s:
        due = list(
            s.exec(
                select(OutboxEmail.id)
                .where(OutboxEmail.status == OutboxStatus.PENDING, OutboxEmail.next_attempt_at <= now)
                .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
                .limit(BATCH)
            )
        )
    outcomes = {"sent": 0, "retried": 0, "failed": 0}
    for email_id in due:
        if not _claim(engine, email_id, now):
            continue
        with session_scope(engine) as s:
            email = s.get(OutboxEmail, email_id)
            message = _message(email, settings) if email is not None else None
        if message is None:
            continue
        try:
            _smtp_send(message, settings)
            error = None
        except (OSError, smtplib.SMTPException) as exc:
            error = exc
        outcome = _record_outcome(engine, email_id, error, now)
        if outcome is not None:
            outcomes[outcome] += 1
    return SendReport(**outcomes)
