"""Housekeeping with a frozen clock: spent links and codes, abandoned sessions, old job runs, orphan files."""

import os
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from core.models import (
    AccountToken,
    ActorType,
    Attachment,
    AttachmentStatus,
    AuditEntry,
    JobOutcome,
    JobRun,
    PortalSession,
    SessionStage,
    SubscriptionRequest,
    TokenPurpose,
)
from core.services.maintenance import purge_expired_records, remove_orphan_files
from core.sessions import open_session
from core.tokens import issue_token
from tests.factories import make_account, make_organization

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def age(path, moment: datetime) -> None:
    os.utime(path, (moment.timestamp(), moment.timestamp()))


def test_spent_links_and_codes_are_deleted_a_week_after_expiry_or_use(session):
    person = make_account(session, make_organization(session), ActorType.ADMIN_LOCAL)
    minutes = timedelta(minutes=10)
    issue_token(session, person, TokenPurpose.ACTIVATION, now=T0 - timedelta(days=10))  # expired 8 days ago
    issue_token(session, person, TokenPurpose.EMAIL_CODE, now=T0 - timedelta(days=9), validity=minutes)
    # Voids the previous code 8 days ago; itself expired 8 days ago too.
    issue_token(session, person, TokenPurpose.EMAIL_CODE, now=T0 - timedelta(days=8), validity=minutes)
    issue_token(session, person, TokenPurpose.PASSWORD_RESET, now=T0 - timedelta(days=3))  # expired 1 day ago
    issue_token(session, person, TokenPurpose.EMAIL_CODE, now=T0 - timedelta(minutes=5), validity=minutes)

    report = purge_expired_records(session, now=T0)

    assert report.tokens == 3
    remaining = session.exec(select(AccountToken.purpose, AccountToken.created_at).order_by(AccountToken.id)).all()
    assert remaining == [
        (TokenPurpose.PASSWORD_RESET, T0 - timedelta(days=3)),
        (TokenPurpose.EMAIL_CODE, T0 - timedelta(minutes=5)),
    ]


def test_abandoned_sessions_are_closed_and_old_ended_ones_deleted(session):
    person = make_account(session, make_organization(session), ActorType.ADMIN_LOCAL)
    open_session(session, person, SessionStage.ACTIVE, now=T0 - timedelta(days=2))  # tab closed long ago
    open_session(session, person, SessionStage.ACTIVE, now=T0 - timedelta(minutes=30))  # in use
    open_session(session, person, SessionStage.SECOND_FACTOR, now=T0 - timedelta(days=40))
    ended_long_ago = session.exec(select(PortalSession).where(PortalSession.stage == SessionStage.SECOND_FACTOR)).one()
    ended_long_ago.ended_at = T0 - timedelta(days=31)
    session.flush()

    report = purge_expired_records(session, now=T0)

    assert (report.sessions_closed, report.sessions_deleted) == (1, 1)
    rows = session.exec(select(PortalSession).order_by(PortalSession.id)).all()
    assert [(r.ended_at, r.end_reason) for r in rows] == [(T0, "inactivité"), (None, None)]
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "session.end")).one().account_id == person.id


def test_job_runs_older_than_two_weeks_are_deleted_but_never_a_running_one(session):
    for days, outcome in (
        (15, JobOutcome.SUCCESS),
        (15, JobOutcome.FAILURE),
        (15, JobOutcome.RUNNING),
        (1, JobOutcome.SUCCESS),
    ):
        session.add(JobRun(job_id="outbox", started_at=T0 - timedelta(days=days), outcome=outcome))
    session.flush()
    assert purge_expired_records(session, now=T0).job_runs == 2
    assert sorted(r.outcome.name for r in session.exec(select(JobRun))) == ["RUNNING", "SUCCESS"]


def _attach(session, sha256: str) -> None:
    session.add(
        Attachment(
            file_name="a.pdf",
            type="PJ",
            mime_type="application/pdf",
            size=1,
            sha256=sha256,
            status=AttachmentStatus.RECEIVED,
        )
    )
    session.flush()


def test_orphan_files_older_than_a_day_are_removed_and_nothing_else(session, store):
    linked = store.put_bytes(b"acte de naissance")
    old_orphan = store.put_bytes(b"livraison annulee")
    young_orphan = store.put_bytes(b"televersement en cours")
    deliberation = store.put_bytes(b"%PDF deliberation QF")
    _attach(session, linked.sha256)
    session.add(
        SubscriptionRequest(
            organization_siret="21340172201787",
            organization_name="Commune",
            requester_first_name="A",
            requester_last_name="B",
            requester_email="a@b.test",
            requester_phone="0102030405",
            business_admin_first_name="C",
            business_admin_last_name="D",
            business_admin_position="DGS",
            business_admin_email="c@d.test",
            business_admin_phone="0102030405",
            deliberation_attachment_id=deliberation.sha256.upper(),
        )
    )
    session.flush()
    for stored in (linked, old_orphan, deliberation):
        age(store.path_for(stored.sha256), T0 - timedelta(days=2))
    age(store.path_for(young_orphan.sha256), T0 - timedelta(hours=2))
    crashed_write = store.root / ".incoming-abc123"
    crashed_write.write_bytes(b"partial")
    age(crashed_write, T0 - timedelta(days=3))

    report = remove_orphan_files(session, now=T0, store=store)

    assert (report.files, report.orphans_removed, report.temporary_removed) == (4, 1, 1)
    assert set(store.stored_hashes()) == {linked.sha256, young_orphan.sha256, deliberation.sha256}
    assert not crashed_write.exists()
    assert remove_orphan_files(session, now=T0 + timedelta(days=1), store=store).orphans_removed == 1


def test_orphan_cleaning_on_an_empty_store(session, tmp_path):
    from core.storage import AttachmentStore

    report = remove_orphan_files(session, now=T0, store=AttachmentStore(tmp_path / "nothing", 1024))
    assert (report.files, report.orphans_removed, report.temporary_removed) == (0, 0, 0)
