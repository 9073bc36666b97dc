"""Tableau de bord: backlog, arrivals, processing times and the dossiers that wait too long."""

import altair as alt
import pandas as pd
import streamlit as st

from core.clock import utcnow
from core.config import get_settings
from core.db import session_scope
from core.errors import Forbidden
from core.services.actors import load_actor
from core.services.dashboard import Dashboard, dashboard
from pages.components.format import DASH
from pages.components.session import signed_in_account_id

account_id = signed_in_account_id()
DEFAULT_WAITING_DAYS = 15


def _load(older_than_days: int) -> Dashboard | None:
    try:
        with session_scope() as s:
            return dashboard(s, actor=load_actor(s, account_id), now=utcnow(), older_than_days=older_than_days)
    except Forbidden as exc:
        st.info(exc.message)
        return None


def _backlog(board: Dashboard) -> None:
    st.subheader("Stock par statut")
    if not board.backlog:
        st.write("Aucun télédossier.")
        return
    for column, (label, count) in zip(st.columns(len(board.backlog)), board.backlog, strict=True):
        column.metric(label, count)


def _arrivals(board: Dashboard) -> None:
    st.subheader("Arrivées par semaine")
    if not board.arrivals:
        st.write("Aucune arrivée sur la période.")
        return
    frame = pd.DataFrame(
        [(a.week_start, a.process_label, a.count) for a in board.arrivals],
        columns=["Semaine", "Démarche", "Télédossiers"],
    )
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("Semaine:T", title="Semaine du", axis=alt.Axis(format="%d/%m")),
            y=alt.Y("sum(Télédossiers):Q", title="Télédossiers reçus"),
            color=alt.Color("Démarche:N", legend=alt.Legend(orient="bottom", columns=2)),
            tooltip=["Semaine:T", "Démarche:N", "Télédossiers:Q"],
        )
    )
    st.altair_chart(chart, width="stretch")


def _processing(board: Dashboard) -> None:
    st.subheader("Délais de traitement (de la transmission à « Traité »)")
    if not board.processing:
        st.write("Aucun télédossier traité pour l'instant.")
        return
    rows = [(p.process_label, p.dossiers, p.median_days, p.p90_days) for p in board.processing]
    frame = pd.DataFrame(
        rows, columns=["Démarche", "Télédossiers traités", "Médiane (jours)", "9 sur 10 en moins de (jours)"]
    )
    st.dataframe(frame, hide_index=True, width="stretch")


def _waiting(board: Dashboard, days: int) -> None:
    st.subheader(f"En attente depuis plus de {days} jours : {board.waiting_total}")
    if not board.waiting:
        st.write("Aucun télédossier n'attend aussi longtemps.")
        return
    rows = [(w.number, w.process_label, w.status_label, w.transmitted_at.date(), w.days_waiting) for w in board.waiting]
    frame = pd.DataFrame(rows, columns=["Numéro", "Démarche", "Statut", "Transmis le", "Jours d'attente"])
    st.dataframe(
        frame,
        hide_index=True,
        use_container_width=True,
        column_config={"Transmis le": st.column_config.DateColumn(format="DD/MM/YYYY")},
    )


def _age(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def _jobs(board: Dashboard) -> None:
    st.subheader("Traitements")
    health = board.scheduler
    if health.alive:
        st.success(
            f"En marche : dernier signe de vie il y a {_age(health.heartbeat_age_seconds)}.", icon=":material/schedule:"
        )
    else:
        age = f" (dernier signe de vie il y a {_age(health.heartbeat_age_seconds)})" if health.holder else ""
        st.error(f"Arrêté{age}. {health.message}", icon=":material/schedule:")
    if not board.last_runs:
        st.write("Aucune exécution enregistrée.")
        return
    zone = get_settings().zone
    rows = [
        {
            "Début": f"{run.started_at.astimezone(zone):%d/%m/%Y %H:%M:%S}",
            "Traitement": run.job,
            "Résultat": run.outcome,
            "Détail": run.summary or ((run.error or "").strip().splitlines() or [DASH])[0],
        }
        for run in board.last_runs
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="dashboard_last_runs")


st.title("Tableau de bord")
days = st.number_input(
    "Seuil d'attente (jours)", min_value=1, max_value=365, value=DEFAULT_WAITING_DAYS, key="waiting_days"
)
board = _load(int(days))
if board is not None:
    st.caption(board.scope)
    _backlog(board)
    _arrivals(board)
    _processing(board)
    if board.scheduler is not None:  # the platform administrator: subscriptions and jobs, no dossier
        st.subheader("Abonnements par statut")
        for column, (label, count) in zip(st.columns(len(board.subscriptions)), board.subscriptions, strict=True):
            column.metric(label, count)
        _jobs(board)
    else:
        _waiting(board, int(days))
