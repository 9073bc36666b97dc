"""Demande d'abonnement: the DataPass-like request of an SI (or of the platform administrator for a new one)."""

import streamlit as st

from core.clock import utcnow
from core.db import session_scope
from core.errors import DomainError
from core.permissions import is_platform_admin
from core.services.actors import load_actor
from core.services.forms import InvalidFields
from core.services.request_decisions import RequestSummary, list_subscription_requests
from core.services.subscription_requests import (
    QF_CODE,
    Person,
    RequestForm,
    RequestFormView,
    request_form_view,
    submit_subscription_request,
)
from pages.components.session import set_flash, show_flash, signed_in_account_id

account_id = signed_in_account_id()

FIELD_LABELS = {
    "organization_siret": "SIRET",
    "organization_name": "Nom du service instructeur",
    "process_codes": "Démarches",
    "deliberation": "Délibération",
    "dpo_name": "Délégué à la protection des données",
    "dpo_email": "Adresse du délégué à la protection des données",
    "dpo_position": "Fonction du délégué à la protection des données",
}
PEOPLE = {"requester": "Demandeur", "business_admin": "Administrateur métier"}
PERSON_FIELDS = {
    "first_name": "Prénom",
    "last_name": "Nom",
    "position": "Poste",
    "email": "Email",
    "phone": "Téléphone",
}
COMMITMENT = "Cet abonnement engage votre service à traiter toutes les demandes qui seront transmises par ce canal."


def _label(field: str) -> str:
    for prefix, who in PEOPLE.items():
        if field.startswith(prefix + "_"):
            return f"{who} — {PERSON_FIELDS.get(field[len(prefix) + 1 :], field)}"
    return FIELD_LABELS.get(field, field)


def _person(prefix: str, known: Person | None) -> Person:
    known = known or Person("", "", "", "", "")
    left, right = st.columns(2)
    first = left.text_input("Prénom *", value=known.first_name, key=f"request_{prefix}_first_name")
    last = right.text_input("Nom *", value=known.last_name, key=f"request_{prefix}_last_name")
    position = st.text_input("Poste occupé *", value=known.position, key=f"request_{prefix}_position")
    left, right = st.columns(2)
    email = left.text_input("Email professionnel et nominatif *", value=known.email, key=f"request_{prefix}_email")
    phone = right.text_input("Numéro de téléphone *", value=known.phone, key=f"request_{prefix}_phone")
    return Person(first, last, position, email, phone)


def _processes(view: RequestFormView) -> tuple[str, ...]:
    st.markdown("**Démarches en ligne auxquelles abonner le service instructeur**")
    chosen = []
    for p in view.processes:
        label = f"{p.label} ({p.operator})" + (f" — {p.unavailable}" if p.unavailable else "")
        if st.checkbox(label, disabled=bool(p.unavailable), key=f"request_process_{p.code}"):
            chosen.append(p.code)
    return tuple(chosen)


def _qf() -> dict:
    st.markdown("**Formulaire de collecte du quotient familial uniquement**")
    st.caption(
        "Joignez la délibération indiquant que votre tarification se fonde sur le quotient familial CAF/MSA, et "
        "le contact du délégué à la protection des données : une autre personne que le demandeur, pas le maire."
    )
    upload = st.file_uploader("Délibération (PDF)", type=["pdf"], key="request_deliberation")
    left, right = st.columns(2)
    return {
        "deliberation_pdf": upload.getvalue() if upload else None,
        "dpo_name": left.text_input("Délégué à la protection des données (nom)", key="request_dpo_name"),
        "dpo_email": right.text_input("Son adresse électronique", key="request_dpo_email"),
        "dpo_position": st.text_input("Sa fonction", key="request_dpo_position"),
    }


def _form(view: RequestFormView, platform: bool) -> RequestForm | None:
    with st.form("subscription_request", border=True):
        name = view.organization_name
        if platform and not view.organization_id:
            name = st.text_input("Nom du service instructeur *", key="request_organization_name")
        codes = _processes(view)
        st.markdown("**Demandeur**")
        requester = _person("requester", view.requester)
        st.markdown("**Administrateur métier** — il recevra le compte d'administrateur local")
        same = st.checkbox("L'administrateur métier est le demandeur", key="request_same_person")
        admin = _person("business_admin", None)
        qf = _qf() if any(p.code == QF_CODE and not p.unavailable for p in view.processes) else {}
        st.caption(COMMITMENT)
        submitted = st.form_submit_button("Envoyer la demande", type="primary", key="request_submit")
    if not submitted:
        return None
    return RequestForm(
        organization_siret=view.organization_siret,
        organization_name=name,
        requester=requester,
        business_admin=requester if same else admin,
        process_codes=codes,
        **qf,
    )


def _submit(form: RequestForm) -> None:
    try:
        with session_scope() as s:
            request = submit_subscription_request(s, actor=load_actor(s, account_id), form=form, now=utcnow())
            number = request.datapass_number
    except InvalidFields as exc:
        for field, message in exc.errors.items():
            st.error(f"{_label(field)}\u00a0: {message}")
        return
    except DomainError as exc:
        st.error(exc.message)
        return
    set_flash(
        f"Demande n° {number} envoyée. L'opérateur la valide en général en trois jours ouvrés ; l'administrateur "
        "métier recevra alors un courriel pour créer son mot de passe.",
        kind="success",
    )
    st.rerun()


def _history(requests: list[RequestSummary]) -> None:
    st.subheader("Demandes envoyées")
    if not requests:
        st.caption("Aucune demande pour le moment.")
        return
    st.dataframe(
        [
            {
                "N° Datapass": r.datapass,
                "Envoyée le": r.created_at.strftime("%d/%m/%Y"),
                "Service instructeur": r.organization_name,
                "Démarches": ", ".join(r.processes),
                "Statut": r.status.value,
                "Motif du refus": r.refusal_reason or "",
            }
            for r in requests
        ],
        hide_index=True,
        width="stretch",
    )


with session_scope() as s:
    me = load_actor(s, account_id)
platform = is_platform_admin(me)
st.title("Demande d'abonnement")
st.caption(
    "Une démarche = un abonnement. Les démarches auxquelles le service instructeur est déjà abonné sont grisées."
)
show_flash()
siret = st.text_input("SIRET du service instructeur *", key="request_siret") if platform else ""
try:
    with session_scope() as s:
        view = request_form_view(s, actor=me, siret=siret)
        history = list_subscription_requests(s, actor=me)
except DomainError as exc:
    st.error(exc.message)
    st.stop()
if view.organization_id:
    st.info(f"Service instructeur : {view.organization_name} (SIRET {view.organization_siret})")
if platform and not siret:
    st.caption("Saisissez d'abord le SIRET : les démarches déjà souscrites s'affichent alors grisées.")
else:
    form = _form(view, platform)
    if form is not None:
        _submit(form)
st.divider()
_history(history)
