"""A real SMTP server on loopback (aiosmtpd) for the jobs that send email, and the outbox pointed at it."""

import pytest

from core import mail
from core.config import get_settings
from tests.smtp import recording_smtp_server


@pytest.fixture
def smtp(monkeypatch):
    """The recorder; the outbox job sends to it (its settings are swapped in core.mail)."""
    with recording_smtp_server() as (recorder, port):
        settings = get_settings().model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
        monkeypatch.setattr(mail, "get_settings", lambda: settings)
        recorder.settings = settings
        yield recorder
