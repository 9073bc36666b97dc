"""Activité des traitements: is the jobs process alive, how did each job last run, what failed (platform admin)."""

import pandas as pd
import streamlit as st

from core.clock import utcnow
from core.config import get_settings
from core.db import session_scope
from core.errors import DomainError
from core.services.job_activity import JobActivityView, RunLine, job_activity_view
from pages.components.format import DASH
from pages.components.session import signed_in_account_id

account_id = signed_in_account_id()

ZONE = get_settings().zone


def _when(moment) -> str:
    return f"{moment.astimezone(ZONE):%d/%m/%Y %H:%M:%S}" if moment else DASH


def _duration(run: RunLine | None) -> str:
    if run is None or run.duration_seconds is None:
        return DASH
    return f"{run.duration_seconds:.1f} s"


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if text and text.strip() else DASH


def _scheduler(view: JobActivityView) -> None:
    state = view.scheduler
    (st.success if state.running else st.error)(state.message, icon=":material/schedule:")


def _jobs(view: JobActivityView) -> None:
    st.subheader("Traitements")
    rows = [
        {
            "Traitement": job.label,
            "Planification": job.schedule,
            "Dernière exécution": _when(job.last_run and job.last_run.started_at),
            "Résultat": job.last_run.outcome if job.last_run else "Jamais exécuté",
            "Durée": _duration(job.last_run),
            "Détail": (job.last_run.summary or _first_line(job.last_run.error)) if job.last_run else DASH,
            "Dernier échec": _when(job.last_failure and job.last_failure.started_at),
            "Échecs (24 h)": job.failures_24h,
        }
        for job in view.jobs
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="job_activity_jobs")


def _runs(view: JobActivityView, failures_only: bool) -> None:
    if not view.runs:
        st.info("Aucun échec enregistré." if failures_only else "Aucune exécution enregistrée.")
        return
    rows = [
        {
            "Début": _when(run.started_at),
            "Traitement": run.job,
            "Résultat": run.outcome,
            "Durée": _duration(run),
            "Détail": run.summary or _first_line(run.error),
        }
        for run in view.runs
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="job_activity_runs")
    for run in view.runs:
        if run.error:
            with st.expander(f"Erreur de « {run.job} » du {_when(run.started_at)}"):
                st.code(run.error, language=None)


st.title("Activité des traitements")
st.caption(
    "Le processus des traitements envoie les courriels et les notifications, applique les règles d'inactivité "
    "et les dates des abonnements, importe les dépôts et fait le ménage. Heures de Paris."
)
failures_only = st.toggle("Échecs seulement", key="job_activity_failures_only")
try:
    with session_scope() as s:
        activity = job_activity_view(s, account_id=account_id, now=utcnow(), failures_only=failures_only)
except DomainError as exc:
    st.error(exc.message)
    st.stop()

_scheduler(activity)
_jobs(activity)
st.subheader("Échecs récents" if failures_only else "Dernières exécutions")
_runs(activity, failures_only)
