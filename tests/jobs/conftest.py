"""A real SMTP server on loopback (aiosmtpd) for the jobs that send email, and the outbox pointed at it."""

import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from core import mail
from core.config import get_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder:
    """Accepts messages, or answers the queued SMTP replies first (e.g. a temporary refusal)."""

    def __init__(self):
        self.messages = []
        self.replies: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.replies:
            return self.replies.pop(0)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch):
    """The recorder; the outbox job sends to it (its settings are swapped in core.mail)."""
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    settings = get_settings().model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    monkeypatch.setattr(mail, "get_settings", lambda: settings)
    recorder.settings = settings
    yield recorder
    controller.stop()
