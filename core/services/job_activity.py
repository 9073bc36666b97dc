"""« Activité des traitements »: the jobs process's state, each job's last run and failures (read-only)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from core.config import Settings, get_settings
from core.models import JobOutcome, JobRun
from core.permissions import may_administer_platform, require
from core.services.actors import load_actor
from core.services.scheduler_lock import STALE_AFTER, scheduler_lock_holder


@dataclass(frozen=True)
class JobInfo:
    job_id: str
    label: str
    schedule: str


def job_catalogue(settings: Settings | None = None) -> tuple[JobInfo, ...]:
    """Every job of the jobs process (ids as in jobs/__main__.py), in French, with its schedule."""
    settings = settings or get_settings()
    return (
        JobInfo("outbox", "Envoi des courriels", "toutes les 20 secondes"),
        JobInfo("notifications_unitaires", "Notifications « Unitaire »", "toutes les 20 secondes"),
        JobInfo(
            "notifications_resumes",
            "Résumés « Quotidienne » et « Biquotidienne »",
            f"à {settings.notification_daily_time} et à {settings.notification_twice_daily_times.replace(',', ', ')} "
            "(heure de Paris)",
        ),
        JobInfo("intake", "Dépôts du dossier d'entrée", "toutes les 5 minutes"),
        JobInfo("subscription_dates", "Dates d'activation et de suspension des abonnements", "toutes les heures"),
        JobInfo("inactivity", "Rappels d'inactivité et désactivation des comptes", "chaque jour à 02:00"),
        JobInfo("purge", "Purge des liens, codes, sessions et anciennes exécutions", "toutes les heures"),
        JobInfo("orphan_files", "Nettoyage des fichiers orphelins", "chaque jour à 03:30"),
        JobInfo("retention", "Purge des pièces jointes des dossiers clos", "chaque jour à 04:00"),
    )


COUNT_LABELS = {
    "sent": "envoyé(s)",
    "retried": "à réessayer",
    "failed": "en échec définitif",
    "emails": "courriel(s)",
    "subscriptions": "abonnement(s) traité(s)",
    "new_dossiers": "nouveau(x) télédossier(s)",
    "modified_dossiers": "télédossier(s) mis à jour",
    "imported": "importé(s)",
    "already_imported": "déjà importé(s)",
    "quarantined": "en quarantaine",
    "waiting": "en attente",
    "reminders_60": "rappel(s) à 60 jours",
    "reminders_90": "rappel(s) à 90 jours",
    "deactivated": "compte(s) désactivé(s)",
    "tokens": "lien(s) ou code(s) supprimé(s)",
    "sessions_closed": "session(s) fermée(s)",
    "sessions_deleted": "session(s) supprimée(s)",
    "job_runs": "exécution(s) supprimée(s)",
    "files": "fichier(s) examiné(s)",
    "orphans_removed": "fichier(s) orphelin(s) supprimé(s)",
    "temporary_removed": "fichier(s) temporaire(s) supprimé(s)",
    "activated": "abonnement(s) activé(s)",
    "suspended": "abonnement(s) suspendu(s)",
    "purged_dossiers": "télédossier(s) purgé(s)",
    "purged_attachments": "pièce(s) jointe(s) purgée(s)",
    "removed_files": "fichier(s) supprimé(s)",
    "shared_files_kept": "fichier(s) partagé(s) conservé(s)",
}


@dataclass(frozen=True)
class SchedulerState:
    running: bool
    message: str
    heartbeat_at: datetime | None


@dataclass(frozen=True)
class RunLine:
    job: str
    started_at: datetime
    duration_seconds: float | None
    outcome: str
    summary: str
    error: str | None


@dataclass(frozen=True)
class JobLine:
    job_id: str
    label: str
    schedule: str
    last_run: RunLine | None
    last_failure: RunLine | None
    failures_24h: int


@dataclass(frozen=True)
class JobActivityView:
    scheduler: SchedulerState
    jobs: tuple[JobLine, ...]
    runs: tuple[RunLine, ...]


def counts_summary(counts: dict | None) -> str:
    """« 3 envoyé(s), 1 à réessayer », or « rien à faire » when every count is zero."""
    parts = [f"{n} {COUNT_LABELS.get(key, key)}" for key, n in (counts or {}).items() if n]
    return ", ".join(parts) or "rien à faire"


def _line(run: JobRun, labels: dict[str, str]) -> RunLine:
    duration = (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
    return RunLine(
        job=labels.get(run.job_id, run.job_id),
        started_at=run.started_at,
        duration_seconds=duration,
        outcome=run.outcome.value,
        summary=counts_summary(run.counts) if run.outcome is JobOutcome.SUCCESS else "",
        error=run.error,
    )


def _scheduler_state(session: Session, now: datetime) -> SchedulerState:
    holder = scheduler_lock_holder(session)
    zone = get_settings().zone
    if holder is None:
        return SchedulerState(False, "Le processus des traitements n'a encore jamais démarré sur cette base.", None)
    beat = holder.heartbeat_at.astimezone(zone)
    if holder.released_at is not None:
        return SchedulerState(False, f"Processus des traitements arrêté le {beat:%d/%m/%Y à %H:%M}.", beat)
    if now - holder.heartbeat_at > STALE_AFTER:
        return SchedulerState(
            False,
            f"Aucun signe de vie du processus des traitements depuis le {beat:%d/%m/%Y à %H:%M} "
            f"(machine {holder.host}, processus {holder.pid}) : il semble arrêté.",
            beat,
        )
    started = holder.started_at.astimezone(zone)
    return SchedulerState(
        True,
        f"Processus des traitements en marche sur {holder.host} (processus {holder.pid}) depuis le "
        f"{started:%d/%m/%Y à %H:%M}, dernier signe de vie à {beat:%H:%M:%S}.",
        beat,
    )


def _job_line(session: Session, info: JobInfo, labels: dict[str, str], now: datetime) -> JobLine:
    latest = select(JobRun).where(JobRun.job_id == info.job_id).order_by(JobRun.started_at.desc(), JobRun.id.desc())
    last = session.exec(latest.limit(1)).first()
    failure = session.exec(latest.where(JobRun.outcome == JobOutcome.FAILURE).limit(1)).first()
    failures = session.exec(
        select(sa.func.count())
        .select_from(JobRun)
        .where(
            JobRun.job_id == info.job_id,
            JobRun.outcome == JobOutcome.FAILURE,
            JobRun.started_at >= now - timedelta(hours=24),
        )
    ).one()
    return JobLine(
        job_id=info.job_id,
        label=info.label,
        schedule=info.schedule,
        last_run=_line(last, labels) if last else None,
        last_failure=_line(failure, labels) if failure else None,
        failures_24h=failures,
    )


def job_activity_view(
    session: Session, *, account_id: int, now: datetime, failures_only: bool = False, limit: int = 50
) -> JobActivityView:
    """The jobs process's state, each job's last run and last failure, and the latest runs (platform admin)."""
    require(may_administer_platform(load_actor(session, account_id)))
    catalogue = job_catalogue()
    labels = {info.job_id: info.label for info in catalogue}
    recent = select(JobRun)
    if failures_only:
        recent = recent.where(JobRun.outcome == JobOutcome.FAILURE)
    recent = recent.order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)
    return JobActivityView(
        scheduler=_scheduler_state(session, now),
        jobs=tuple(_job_line(session, info, labels, now) for info in catalogue),
        runs=tuple(_line(run, labels) for run in session.exec(recent)),
    )
