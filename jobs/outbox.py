"""Outbox sender: every queued email whose time has come leaves over SMTP, retried with back-off (core/mail.py)."""

from dataclasses import astuple
from datetime import datetime

from core.db import get_engine
from core.mail import BATCH, SendReport, send_due_emails
from jobs.runner import run_recorded

JOB_ID = "outbox"
# A digest morning queues one email per commune at once: drain up to this many batches per run, so that a
# Unitaire notification queued behind them still leaves within the minute.
MAX_BATCHES = 40


def _work(now: datetime) -> SendReport:
    # The sender claims and marks each message in its own transaction, so it takes the engine.
    total = SendReport()
    for _ in range(MAX_BATCHES):
        report = send_due_emails(get_engine(), now=now)
        total = SendReport(*(a + b for a, b in zip(astuple(total), astuple(report), strict=True)))
        if sum(astuple(report)) < BATCH:
            break
    return total


def run(now: datetime | None = None) -> None:
    run_recorded(JOB_ID, _work, now)
