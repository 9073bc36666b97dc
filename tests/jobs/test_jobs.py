"""Each job module with a frozen clock: it calls its service with `now` and records its run under its id."""

from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.util import ref_to_obj
from sqlmodel import select

from core.config import get_settings
from core.db import session_scope
from core.models import Account, ActorType, JobOutcome, JobRun
from jobs import inactivity
from jobs.__main__ import job_specs
from tests.factories import make_account, make_organization

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
EXPECTED_COUNTS = {
    "outbox": {"sent", "retried", "failed"},
    "notifications_unitaires": {"emails", "new_dossiers", "modified_dossiers"},
    "notifications_resumes": {"emails", "subscriptions", "new_dossiers", "modified_dossiers"},
    "intake": {"imported", "already_imported", "quarantined", "waiting"},
    "subscription_dates": {"activated", "suspended"},
    "inactivity": {"reminders_60", "reminders_90", "deactivated"},
    "purge": {"tokens", "sessions_closed", "sessions_deleted", "job_runs"},
    "orphan_files": {"files", "orphans_removed", "temporary_removed"},
    "retention": {"purged_dossiers", "purged_attachments", "removed_files", "shared_files_kept"},
}


@pytest.mark.parametrize("spec", job_specs(get_settings()), ids=lambda spec: spec.job_id)
def test_each_job_runs_its_service_and_records_the_run(db, spec):
    ref_to_obj(spec.func)(now=T0)
    with session_scope(db) as s:
        (run,) = s.exec(select(JobRun)).all()
    assert (run.job_id, run.outcome, run.started_at, run.error) == (spec.job_id, JobOutcome.SUCCESS, T0, None)
    assert set(run.counts) == EXPECTED_COUNTS[spec.job_id]


def test_the_inactivity_job_applies_the_rule_at_the_given_date(db):
    with session_scope(db) as s:
        account_id = make_account(
            s, make_organization(s), ActorType.ADMIN_LOCAL, now=T0 - timedelta(days=120, seconds=1)
        ).id
    inactivity.run(now=T0)
    with session_scope(db) as s:
        assert not s.get(Account, account_id).active
        assert s.exec(select(JobRun)).one().counts["deactivated"] == 1
