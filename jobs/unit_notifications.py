"""Unitaire notifications: one email per new or modified dossier, within a minute (core/services/notifications.py)."""

from datetime import datetime

from core.db import session_scope
from core.services.notifications import send_unit_notifications
from jobs.runner import run_recorded

JOB_ID = "notifications_unitaires"


def _work(now: datetime):
    with session_scope() as s:
        return send_unit_notifications(s, now=now)


def run(now: datetime | None = None) -> None:
    run_recorded(JOB_ID, _work, now)
