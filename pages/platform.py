"""Plateforme: pending subscription requests, services instructeurs, catalogue (platform administrator only)."""

import streamlit as st

from core.clock import utcnow
from core.db import session_scope
from core.errors import DomainError
from core.models import Civility, OrganizationKind
from core.services.actors import load_actor
from core.services.catalogue import ProcessChanges, ProcessRow, list_catalogue, update_process
from core.services.forms import InvalidFields
from core.services.organizations import (
    OrganizationPage,
    create_organization,
    list_organizations,
    set_organization_active,
    update_organization,
)
from core.services.request_decisions import (
    RequestSummary,
    list_subscription_requests,
    refuse_subscription_request,
    validate_subscription_request,
)
from core.services.subscription_requests import deliberation_pdf
from pages.components.format import fields
from pages.components.session import deliver_emails, set_flash, show_flash, signed_in_account_id

account_id = signed_in_account_id()

ORG_PAGE_KEY = "platform_org_page"


def _run(action, success: str, **kwargs) -> bool:
    """One change in its own unit of work; every field error, or the service's French error, on failure."""
    try:
        with session_scope() as s:
            action(s, actor=load_actor(s, account_id), now=utcnow(), **kwargs)
    except InvalidFields as exc:
        for message in exc.errors.values():
            st.error(message)
        return False
    except DomainError as exc:
        st.error(exc.message)
        return False
    set_flash(success, kind="success")
    return True


def _deliberation(request_id: int) -> bytes:
    with session_scope() as s:
        return deliberation_pdf(s, actor=load_actor(s, account_id), request_id=request_id)


def _decide(r: RequestSummary) -> None:
    with st.form(f"platform_validate_{r.id}", border=False):
        branch_code = ""
        if not r.organization_exists:
            branch_code = st.text_input("Code INSEE du nouveau service instructeur *", key=f"platform_insee_{r.id}")
        civilities = {}
        for email, name in r.new_admins:
            civility = st.radio(
                f"Civilité de {name} ({email}) *",
                [c.value for c in Civility],
                index=None,
                horizontal=True,
                key=f"platform_civility_{r.id}_{email}",
            )
            if civility:
                civilities[email] = Civility(civility)
        validated = st.form_submit_button("Valider la demande", type="primary", key=f"platform_validate_{r.id}_submit")
    if validated and _run(
        validate_subscription_request,
        "Demande validée : abonnements créés (Inactif), courriels envoyés.",
        request_id=r.id,
        civilities=civilities,
        branch_code=branch_code,
    ):
        deliver_emails()
        st.rerun()
    with st.form(f"platform_refuse_{r.id}", border=False):
        reason = st.text_area("Motif du refus *", key=f"platform_reason_{r.id}")
        refused = st.form_submit_button("Refuser la demande", key=f"platform_refuse_{r.id}_submit")
    if refused and _run(refuse_subscription_request, "Demande refusée.", request_id=r.id, reason=reason):
        st.rerun()


def _requests(requests: list[RequestSummary]) -> None:
    if not requests:
        st.info("Aucune demande d'abonnement en attente.")
        return
    for r in requests:
        with st.expander(
            f"N° {r.datapass} — {r.organization_name} — {', '.join(r.processes)}", expanded=len(requests) == 1
        ):
            fields(
                [
                    ("Envoyée le", r.created_at.strftime("%d/%m/%Y")),
                    (
                        "SIRET",
                        r.organization_siret + ("" if r.organization_exists else " (nouveau service instructeur)"),
                    ),
                    ("Démarches", r.processes),
                    ("Demandeur", r.requester),
                    ("Administrateur métier", r.business_admin),
                    ("Délégué à la protection des données", r.dpo),
                ]
            )
            if r.has_deliberation:
                st.download_button(
                    "Télécharger la délibération",
                    data=lambda rid=r.id: _deliberation(rid),
                    file_name=f"deliberation-{r.datapass}.pdf",
                    mime="application/pdf",
                    key=f"platform_deliberation_{r.id}",
                )
            _decide(r)


def _organization_table(page: OrganizationPage) -> None:
    st.caption(f"{page.total} service(s) instructeur(s) — page {page.page} sur {page.page_count}")
    st.dataframe(
        [
            {
                "Nom": o.name,
                "SIRET": o.siret,
                "Code INSEE": o.branch_code,
                "Type": o.kind.value,
                "Actif": "Oui" if o.active else "Non",
                "Comptes": o.accounts,
                "Abonnements": o.subscriptions,
            }
            for o in page.rows
        ],
        hide_index=True,
        width="stretch",
    )
    left, _, right = st.columns([1, 2, 1])
    if left.button("Page précédente", disabled=page.page <= 1, key="platform_org_previous"):
        st.session_state[ORG_PAGE_KEY] = page.page - 1
        st.rerun()
    if right.button("Page suivante", disabled=page.page >= page.page_count, key="platform_org_next"):
        st.session_state[ORG_PAGE_KEY] = page.page + 1
        st.rerun()


def _organization_edit(page: OrganizationPage) -> None:
    if not page.rows:
        return
    chosen = st.selectbox(
        "Modifier", page.rows, format_func=lambda o: f"{o.name} ({o.siret})", key="platform_org_choice"
    )
    kinds = [k.value for k in OrganizationKind]
    with st.form(f"platform_org_edit_{chosen.id}"):
        name = st.text_input("Nom *", value=chosen.name)
        branch_code = st.text_input("Code INSEE *", value=chosen.branch_code)
        kind = st.selectbox("Type", kinds, index=kinds.index(chosen.kind.value))
        email = st.text_input("Adresse de contact", value=chosen.email or "")
        saved = st.form_submit_button("Enregistrer", type="primary")
    if saved and _run(
        update_organization,
        "Service instructeur modifié.",
        organization_id=chosen.id,
        name=name,
        branch_code=branch_code,
        kind=OrganizationKind(kind),
        email=email,
    ):
        st.rerun()
    label = "Désactiver ce service instructeur" if chosen.active else "Réactiver ce service instructeur"
    if st.button(label, key=f"platform_org_active_{chosen.id}") and _run(
        set_organization_active, "C'est fait.", organization_id=chosen.id, active=not chosen.active
    ):
        st.rerun()


def _organization_create() -> None:
    with st.expander("Créer un service instructeur"), st.form("platform_org_new", clear_on_submit=False):
        siret = st.text_input("SIRET *", key="platform_org_new_siret")
        name = st.text_input("Nom *", key="platform_org_new_name")
        branch_code = st.text_input("Code INSEE *", key="platform_org_new_insee")
        kind = st.selectbox("Type", [k.value for k in OrganizationKind], key="platform_org_new_kind")
        created = st.form_submit_button("Créer", type="primary", key="platform_org_new_submit")
    if created and _run(
        create_organization,
        f"Service instructeur {name} créé.",
        siret=siret,
        name=name,
        branch_code=branch_code,
        kind=OrganizationKind(kind),
    ):
        st.rerun()


def _catalogue(rows: list[ProcessRow]) -> None:
    st.dataframe(
        [
            {
                "Code": p.code,
                "Libellé": p.label,
                "Libellé court": p.short_label,
                "Opérateur": p.operator,
                "Demande de compléments": "Oui" if p.allows_complement else "Non",
                "Fichier à l'usager": "Oui" if p.allows_file_to_usager else "Non",
                "Active": "Oui" if p.active else "Non",
            }
            for p in rows
        ],
        hide_index=True,
        width="stretch",
    )
    chosen = st.selectbox("Modifier la démarche", rows, format_func=lambda p: p.code, key="platform_process_choice")
    with st.form(f"platform_process_{chosen.id}"):
        label = st.text_input("Libellé *", value=chosen.label)
        short = st.text_input("Libellé court *", value=chosen.short_label)
        complement = st.checkbox("Demande de compléments à l'usager", value=chosen.allows_complement)
        file_out = st.checkbox("Envoi d'un fichier à l'usager", value=chosen.allows_file_to_usager)
        active = st.checkbox("Ouverte aux demandes d'abonnement", value=chosen.active)
        saved = st.form_submit_button("Enregistrer", type="primary")
    if saved and _run(
        update_process,
        "Démarche modifiée.",
        process_id=chosen.id,
        changes=ProcessChanges(label, short, complement, file_out, active),
    ):
        st.rerun()


st.title("Plateforme")
show_flash()
requests_tab, organizations_tab, catalogue_tab = st.tabs(
    ["Demandes d'abonnement", "Services instructeurs", "Catalogue"]
)
try:
    with session_scope() as s:
        me = load_actor(s, account_id)
        pending = list_subscription_requests(s, actor=me, pending_only=True)
        catalogue = list_catalogue(s, actor=me)
except DomainError as exc:
    st.error(exc.message)
    st.stop()
with requests_tab:
    _requests(pending)
with organizations_tab:
    search = st.text_input("Rechercher (nom, SIRET, code INSEE)", key="platform_org_search")
    with session_scope() as s:
        organizations = list_organizations(
            s, actor=me, search=search, page=st.session_state.get(ORG_PAGE_KEY, 1), page_size=25
        )
    _organization_table(organizations)
    _organization_edit(organizations)
    _organization_create()
with catalogue_tab:
    _catalogue(catalogue)
