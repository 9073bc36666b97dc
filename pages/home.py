"""Accueil: who is signed in, their service instructeur, and their télédossiers (or the platform) at a glance."""

import streamlit as st

from core.db import session_scope
from core.services.portal import HomeView, home_view
from pages.components.format import fields
from pages.components.session import signed_in_account_id

METRICS_PER_ROW = 4
NO_DOSSIER_ROLE = (
    "Votre compte n'a pas de rôle sur les télédossiers (Consultation ou Gestion des télédossiers) : "
    "aucun télédossier ne vous est présenté."
)


def _account(view: HomeView) -> None:
    st.subheader("Votre compte")
    fields(
        [
            ("Nom", view.display_name),
            ("Adresse électronique", view.email),
            ("Type d'acteur", view.actor_type),
            ("Rôles", view.roles),
            ("Habilitations", view.habilitations),
        ]
    )


def _organization(view: HomeView) -> None:
    st.subheader("Votre service instructeur")
    card = view.organization
    fields([("Nom", card and card.name), ("SIRET", card and card.siret), ("Code INSEE", card and card.branch_code)])


def _dossiers(view: HomeView) -> None:
    st.subheader("Vos télédossiers")
    if view.dossier_counts is None:
        st.info(NO_DOSSIER_ROLE)
        return
    words = "télédossier visible" if view.dossier_total < 2 else "télédossiers visibles"
    st.caption(f"{view.dossier_total} {words} par votre compte, par statut\u00a0:")
    # Four per row, so that "En attente de compléments" is never cut.
    counts = view.dossier_counts
    for start in range(0, len(counts), METRICS_PER_ROW):
        columns = st.columns(METRICS_PER_ROW)
        for column, item in zip(columns, counts[start : start + METRICS_PER_ROW], strict=False):
            column.metric(item.label, item.count, border=True)


def _platform(view: HomeView) -> None:
    summary = view.platform
    st.subheader("La plateforme")
    columns = st.columns(4)
    columns[0].metric(
        "Services instructeurs", summary.organizations, border=True, help=f"dont {summary.active_organizations} actifs"
    )
    columns[1].metric("Comptes", summary.accounts, border=True, help=f"dont {summary.active_accounts} actifs")
    columns[2].metric(
        "Abonnements", summary.subscriptions, border=True, help=f"dont {summary.active_subscriptions} actifs"
    )
    columns[3].metric("Demandes d'abonnement en attente", summary.pending_requests, border=True)


with session_scope() as s:
    home = home_view(s, account_id=signed_in_account_id())

st.title("Accueil")
left, right = st.columns(2, gap="large")
with left:
    _account(home)
with right:
    _organization(home)
st.divider()
if home.platform is not None:
    _platform(home)
else:
    _dossiers(home)
