"""Tableau de bord (SPEC §10): what a secrétaire de mairie checks on Monday morning, computed in SQL.

Commune accounts see figures over the dossiers they may see; the platform administrator sees figures over
every commune but never a dossier itself (no list, no names).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from core.config import get_settings
from core.errors import Forbidden
from core.models import Case, CaseStatus, Event, Process, Role, Subscription, SubscriptionStatus
from core.permissions import Actor, case_visibility_clause, has_role, is_platform_admin
from core.services.job_activity import RunLine, job_activity_view
from core.services.scheduler_lock import scheduler_lock_holder
from core.workflow import FINAL_FOR_SI, label

WAITING_STATUSES = tuple(s for s in CaseStatus if s not in FINAL_FOR_SI and s is not CaseStatus.CLOSED)
WAITING_LIST_LIMIT = 20
# Processing times are those of the dossiers received over the last year.
PROCESSING_PERIOD = timedelta(days=365)
LAST_RUNS = 10


@dataclass(frozen=True)
class WeeklyArrivals:
    week_start: date
    process_label: str
    count: int


@dataclass(frozen=True)
class ProcessingTime:
    process_label: str
    dossiers: int
    median_days: float
    p90_days: float


@dataclass(frozen=True)
class WaitingCase:
    case_id: str
    number: str
    process_label: str
    status_label: str
    transmitted_at: datetime
    days_waiting: int


@dataclass(frozen=True)
class SchedulerHealth:
    """The jobs process as the platform administrator checks it: alive or not, since when it last beat."""

    alive: bool
    message: str
    holder: str | None  # "machine (processus N)"
    heartbeat_age_seconds: int | None


@dataclass(frozen=True)
class Dashboard:
    scope: str
    backlog: tuple[tuple[str, int], ...]
    arrivals: tuple[WeeklyArrivals, ...]
    processing: tuple[ProcessingTime, ...]
    waiting_total: int
    waiting: tuple[WaitingCase, ...]
    subscriptions: tuple[tuple[str, int], ...]
    scheduler: SchedulerHealth | None = None  # platform administrator only
    last_runs: tuple[RunLine, ...] = ()


def _scope_clause(actor: Actor) -> sa.ColumnElement[bool]:
    if is_platform_admin(actor):
        return sa.true()
    if not has_role(actor, Role.DOSSIERS_CONSULTATION):
        raise Forbidden("Le tableau de bord demande un rôle sur les télédossiers.")
    return case_visibility_clause(actor, Case)


def _seconds_between(session: Session, start, end):
    if session.get_bind().dialect.name == "sqlite":
        return (sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0
    return sa.func.extract("epoch", end - start)


def _backlog(session: Session, scope) -> tuple[tuple[str, int], ...]:
    rows = session.exec(select(Case.status, sa.func.count()).where(scope).group_by(Case.status)).all()
    merged: dict[str, int] = {}
    for status, count in rows:
        merged[label(status)] = merged.get(label(status), 0) + count
    order = [label(s) for s in CaseStatus]
    return tuple(sorted(merged.items(), key=lambda item: order.index(item[0])))


def _arrivals(session: Session, scope, labels: dict[int, str], *, since: datetime) -> tuple[WeeklyArrivals, ...]:
    day = sa.func.date(Case.transmitted_at)
    rows = session.exec(
        select(Case.process_id, day, sa.func.count())
        .where(scope, Case.transmitted_at >= since)
        .group_by(Case.process_id, day)
    ).all()
    weeks: dict[tuple[date, int], int] = {}
    for process_id, day_value, count in rows:
        day_date = day_value if isinstance(day_value, date) else date.fromisoformat(str(day_value))
        key = (day_date - timedelta(days=day_date.weekday()), process_id)
        weeks[key] = weeks.get(key, 0) + count
    return tuple(WeeklyArrivals(week, labels[pid], n) for (week, pid), n in sorted(weeks.items()))


def _processing(session: Session, scope, labels: dict[int, str], *, since: datetime) -> tuple[ProcessingTime, ...]:
    # Start from the person's cases of the period (inbox indexes), then reach their events by case: never a scan
    # of every event of the box.
    done_at = sa.func.min(Event.created_at)
    durations = (
        select(Case.process_id, _seconds_between(session, Case.transmitted_at, done_at).label("seconds"))
        .join(Event, Event.case_id == Case.id)
        .where(scope, Case.transmitted_at >= since, Event.case_status_after == CaseStatus.DONE)
        .group_by(Case.id, Case.process_id, Case.transmitted_at)
        .subquery()
    )
    ranked = select(
        durations.c.process_id,
        durations.c.seconds,
        sa.func.row_number().over(partition_by=durations.c.process_id, order_by=durations.c.seconds).label("rank"),
        sa.func.count().over(partition_by=durations.c.process_id).label("n"),
    ).subquery()
    # Nearest-rank percentiles: the ceil(n·p)-th duration, in integer arithmetic on every backend.
    median_rank = (ranked.c.n * 50 + 99) // 100
    p90_rank = (ranked.c.n * 90 + 99) // 100
    rows = session.exec(
        select(
            ranked.c.process_id,
            sa.func.max(ranked.c.n),
            sa.func.max(sa.case((ranked.c.rank == median_rank, ranked.c.seconds))),
            sa.func.max(sa.case((ranked.c.rank == p90_rank, ranked.c.seconds))),
        )
        .where(sa.or_(ranked.c.rank == median_rank, ranked.c.rank == p90_rank))
        .group_by(ranked.c.process_id)
    ).all()
    return tuple(
        ProcessingTime(labels[pid], int(n), round(float(med) / 86400, 1), round(float(p90) / 86400, 1))
        for pid, n, med, p90 in sorted(rows, key=lambda r: labels[r[0]])
    )


def _waiting(session: Session, scope, labels, *, now: datetime, older_than_days: int):
    cutoff = now - timedelta(days=older_than_days)
    condition = sa.and_(scope, Case.status.in_(WAITING_STATUSES), Case.transmitted_at < cutoff)
    total = session.exec(select(sa.func.count()).select_from(Case).where(condition)).one()
    rows = session.exec(select(Case).where(condition).order_by(Case.transmitted_at).limit(WAITING_LIST_LIMIT)).all()
    cases = tuple(
        WaitingCase(
            str(c.id),
            c.external_id,
            labels[c.process_id],
            label(c.status),
            c.transmitted_at,
            (now - c.transmitted_at).days,
        )
        for c in rows
    )
    return total, cases


def _subscriptions(session: Session) -> tuple[tuple[str, int], ...]:
    rows = dict(session.exec(select(Subscription.status, sa.func.count()).group_by(Subscription.status)).all())
    return tuple((s.value, rows.get(s, 0)) for s in SubscriptionStatus)


def _jobs(session: Session, actor: Actor, now: datetime) -> tuple[SchedulerHealth, tuple[RunLine, ...]]:
    # « Activité des traitements » already reads the lock and the runs: the same words, the same rules.
    activity = job_activity_view(session, account_id=actor.id, now=now, limit=LAST_RUNS)
    holder = scheduler_lock_holder(session)
    health = SchedulerHealth(
        alive=activity.scheduler.running,
        message=activity.scheduler.message,
        holder=f"{holder.host} (processus {holder.pid})" if holder else None,
        heartbeat_age_seconds=max(0, int((now - holder.heartbeat_at).total_seconds())) if holder else None,
    )
    return health, activity.runs


def dashboard(
    session: Session, *, actor: Actor, now: datetime, weeks: int = 12, older_than_days: int = 15
) -> Dashboard:
    """The figures of the Tableau de bord for this person: their dossiers, or every commune for the platform."""
    scope = _scope_clause(actor)
    labels = dict(session.exec(select(Process.id, Process.label)).all())
    platform = is_platform_admin(actor)
    local_today = now.astimezone(get_settings().zone).date()
    since_day = local_today - timedelta(days=local_today.weekday() + 7 * (weeks - 1))
    since = datetime.combine(since_day, datetime.min.time(), tzinfo=get_settings().zone)
    total, waiting = (0, ()) if platform else _waiting(session, scope, labels, now=now, older_than_days=older_than_days)
    scheduler, runs = _jobs(session, actor, now) if platform else (None, ())
    return Dashboard(
        scope="Tous les services instructeurs" if platform else "Vos télédossiers",
        backlog=_backlog(session, scope),
        arrivals=_arrivals(session, scope, labels, since=since),
        processing=_processing(session, scope, labels, since=now - PROCESSING_PERIOD),
        waiting_total=total,
        waiting=waiting,
        subscriptions=_subscriptions(session) if platform else (),
        scheduler=scheduler,
        last_runs=runs,
    )
