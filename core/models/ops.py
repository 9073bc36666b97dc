"""What the box keeps about its own running: outgoing emails, the audit trail, job runs."""

from datetime import datetime
from enum import Enum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.clock import utcnow
from core.models.types import enum_column, json_column, utc_column


class OutboxStatus(str, Enum):
    PENDING = "En attente"
    SENT = "Envoyé"
    FAILED = "Échec définitif"


class OutboxEmail(SQLModel, table=True):
    """An email stored before it is sent, so that a mail-server outage loses nothing."""

    __table_args__ = (sa.Index("ix_outbox_queue", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    body_text: str
    body_html: str | None = None
    template: str = Field(max_length=100)
    status: OutboxStatus = Field(default=OutboxStatus.PENDING, sa_column=enum_column(OutboxStatus))
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    last_error: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=utc_column())


class AuditEntry(SQLModel, table=True):
    """Who did what and when: logins, failures, locks, account and subscription changes."""

    __table_args__ = (
        sa.Index("ix_audit_account_at", "account_id", "at"),
        sa.Index("ix_audit_org_at", "organization_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False, index=True))
    action: str = Field(max_length=60)
    account_id: int | None = Field(default=None, foreign_key="account.id")
    actor_email: str | None = Field(default=None, max_length=320)
    organization_id: int | None = Field(default=None, foreign_key="organization.id")
    target_type: str | None = Field(default=None, max_length=40)
    target_id: str | None = Field(default=None, max_length=64)
    details: dict | None = Field(default=None, sa_column=json_column())


class JobOutcome(str, Enum):
    RUNNING = "En cours"
    SUCCESS = "Réussi"
    FAILURE = "Échec"


class JobRun(SQLModel, table=True):
    """One run of a scheduled job, for the platform administrator's "Activité des traitements"."""

    __table_args__ = (sa.Index("ix_jobrun_job_started", "job_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(max_length=60)
    started_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=utc_column())
    outcome: JobOutcome = Field(default=JobOutcome.RUNNING, sa_column=enum_column(JobOutcome))
    counts: dict | None = Field(default=None, sa_column=json_column())
    error: str | None = None


class SchedulerLock(SQLModel, table=True):
    """The one jobs process allowed to run against this database (a single row), and its last sign of life."""

    id: int = Field(default=1, primary_key=True)
    # host:pid:random, unique per process start.
    owner: str = Field(max_length=300)
    host: str = Field(max_length=255)
    pid: int
    started_at: datetime = Field(sa_column=utc_column(nullable=False))
    heartbeat_at: datetime = Field(sa_column=utc_column(nullable=False))
    # Set by a clean stop: the lock is free again.
    released_at: datetime | None = Field(default=None, sa_column=utc_column())


# APScheduler's persistent job store (jobs/__main__.py), declared here with its library's exact shape so that
# the migrations own every table of the database; APScheduler finds it and does not create it.
scheduler_jobs = sa.Table(
    "apscheduler_jobs",
    SQLModel.metadata,
    sa.Column("id", sa.Unicode(191), primary_key=True),
    sa.Column("next_run_time", sa.Float(25), index=True),
    sa.Column("job_state", sa.LargeBinary, nullable=False),
)
