"""The citizens' quotient-familial form of a collectivité (/qf?collectivite=<SIRET>): public, no login.

The one page that does not go through the sign-in check: citizens have no account. Three steps in the tab's
state: the form, what will be sent (to confirm), the receipt with the dossier's number.
"""

import streamlit as st

from core.clock import utcnow
from core.db import session_scope
from core.errors import DomainError
from core.quotient_familial.base import FamilyMember, QFResult
from core.quotient_familial.documents import MONTHS, PROVIDER_LABELS, french_date
from core.quotient_familial.form import FIELD_LABELS, QFForm, QFFormErrors
from core.quotient_familial.places import communes, countries
from core.services.quotient_familial import (
    QFPublicView,
    lookup_quotient_familial,
    qf_public_view,
    submit_quotient_familial,
)
from pages.components.format import md_escape

SIRET_PARAM = "collectivite"
# Per collectivité, so that a look-up made on one form is never sent from another.
LOOKUP_KEY, RECEIPT_KEY = (
    f"qf_lookup:{st.query_params.get(SIRET_PARAM, '')}",
    f"qf_receipt:{st.query_params.get(SIRET_PARAM, '')}",
)
LOOKUPS_KEY, SUBMISSIONS_KEY = "qf_lookups", "qf_submissions"
NO_DAY = "Jour inconnu"
IN_FRANCE, ABROAD = "En France", "À l'étranger"
WHAT_HAPPENS = (
    "**Ce qui va se passer.** Vos données d'identité sont transmises de façon sécurisée à l'organisme qui "
    "détient votre quotient familial (la CAF ou la MSA). Vous voyez ensuite ce qui sera envoyé à {name} : "
    "rien n'est transmis tant que vous n'avez pas confirmé."
)
FORM_KEYS = ("qf_family_name", "qf_given_names", "qf_sex", "qf_day", "qf_month", "qf_year", "qf_born", "qf_commune",
             "qf_commune_code", "qf_country", "qf_country_code", "qf_consent")  # fmt: skip
COMMUNES = {p.code: p.label for p in communes()}
COUNTRIES = {p.code: p.label for p in countries()}


def _public_view(siret: str) -> QFPublicView:
    try:
        with session_scope() as s:
            return qf_public_view(s, siret=siret, now=utcnow())
    except DomainError as exc:
        st.title("Transmettre votre quotient familial")
        st.error(exc.message)
        st.stop()


def _birthplace() -> tuple[bool, str, str]:
    born = st.radio("Lieu de naissance", [IN_FRANCE, ABROAD], horizontal=True, key="qf_born")
    if born == IN_FRANCE:
        left, right = st.columns([2, 1])
        chosen = left.selectbox("Commune de naissance", list(COMMUNES), format_func=COMMUNES.get, index=None,
                                placeholder="Tapez le nom de votre commune", key="qf_commune")  # fmt: skip
        typed = right.text_input("Ou son code INSEE", max_chars=5, key="qf_commune_code",
                                 help="Si votre commune n'est pas dans la liste (exemple : 26362).")  # fmt: skip
        return False, (typed or chosen or ""), ""
    left, right = st.columns([2, 1])
    chosen = left.selectbox("Pays de naissance", list(COUNTRIES), format_func=COUNTRIES.get, index=None,
                            placeholder="Tapez le nom du pays", key="qf_country")  # fmt: skip
    typed = right.text_input("Ou son code INSEE", max_chars=5, key="qf_country_code",
                             help="Si votre pays n'est pas dans la liste : 99 suivi de 3 chiffres.")  # fmt: skip
    return True, "", (typed or chosen or "")


def _form(view: QFPublicView) -> QFForm:
    st.subheader("Vos données d'identité")
    st.caption("Telles qu'elles figurent sur votre acte de naissance.")
    family_name = st.text_input("Nom de naissance", max_chars=100, key="qf_family_name")
    given_names = st.text_input("Prénoms", max_chars=200, key="qf_given_names",
                                help="Tous vos prénoms, dans l'ordre, séparés par des espaces.")  # fmt: skip
    sex = st.radio("Sexe", ["Féminin", "Masculin"], index=None, horizontal=True, key="qf_sex")
    day_col, month_col, year_col = st.columns(3)
    day = day_col.selectbox("Jour de naissance", [NO_DAY, *range(1, 32)], key="qf_day")
    month = month_col.selectbox("Mois de naissance", range(1, 13), format_func=lambda m: MONTHS[m - 1],
                                index=None, placeholder="Choisissez", key="qf_month")  # fmt: skip
    year = year_col.number_input("Année de naissance", min_value=1900, max_value=2100, value=None, step=1,
                                 format="%d", placeholder="AAAA", key="qf_year")  # fmt: skip
    born_abroad, birthplace, birthcountry = _birthplace()
    consent = st.checkbox(
        "J'accepte que mes données d'identité soient transmises à la CAF ou à la MSA pour obtenir mon quotient "
        f"familial, et que celui-ci soit transmis à {view.organization_name} après ma confirmation.",
        key="qf_consent",
    )
    return QFForm(
        family_name=family_name,
        given_names=given_names,
        sex={"Féminin": "F", "Masculin": "M"}.get(sex),
        birth_day=None if day == NO_DAY else day,
        birth_month=month,
        birth_year=None if year is None else int(year),
        born_abroad=born_abroad,
        birthplace=birthplace,
        birthcountry=birthcountry,
        consent=consent,
    )


def _look_up(view: QFPublicView, form: QFForm) -> None:
    try:
        with session_scope() as s:
            lookup = lookup_quotient_familial(
                s, siret=view.siret, form=form, lookups_in_session=st.session_state.get(LOOKUPS_KEY, 0), now=utcnow()
            )
    except QFFormErrors as exc:
        st.error("Certaines informations sont à corriger :")
        for field, message in exc.errors.items():
            st.error(f"{FIELD_LABELS[field]}\u00a0: {message}")
        return
    except DomainError as exc:
        st.error(exc.message)
        return
    st.session_state[LOOKUPS_KEY] = st.session_state.get(LOOKUPS_KEY, 0) + 1
    if lookup.result is None:
        st.warning(lookup.message)
        return
    st.session_state[LOOKUP_KEY] = lookup
    st.rerun()


def _members(title: str, members: tuple[FamilyMember, ...]) -> None:
    lines = [
        f"- {md_escape(m.nom_naissance)}"
        + (f" (nom d'usage {md_escape(m.nom_usage)})" if m.nom_usage else "")
        + f" {md_escape(m.prenoms)}, né(e) le {french_date(m.date_naissance)}"
        for m in members
    ]
    st.markdown("\n".join([f"**{title} ({len(members)})**", "", *(lines or ["Aucun."])]))


def _summary(view: QFPublicView, result: QFResult) -> None:
    qf = result.quotient_familial
    st.subheader(f"Ce qui sera transmis à {view.organization_name}")
    columns = st.columns(3)
    columns[0].metric("Quotient familial", f"{qf.valeur} €", border=True)
    short = {"CNAF": "CAF"}.get(qf.fournisseur, qf.fournisseur)
    columns[1].metric("Organisme", short, help=PROVIDER_LABELS.get(qf.fournisseur), border=True)
    columns[2].metric("Mois de référence", f"{MONTHS[qf.mois - 1]} {qf.annee}", border=True)
    _members("Allocataires", result.allocataires)
    _members("Enfants", result.enfants)


def _confirm(view: QFPublicView) -> None:
    lookup = st.session_state[LOOKUP_KEY]
    _summary(view, lookup.result)
    st.info("Vérifiez ces informations. Rien n'est transmis tant que vous n'avez pas confirmé.")
    left, right = st.columns(2)
    if right.button("Modifier mes informations", key="qf_back"):
        st.session_state.pop(LOOKUP_KEY, None)
        st.rerun()
    if not left.button("Confirmer l'envoi", type="primary", key="qf_confirm"):
        return
    sent = st.session_state.get(SUBMISSIONS_KEY, 0)
    try:
        with session_scope() as s:
            receipt = submit_quotient_familial(
                s, siret=view.siret, lookup=lookup, submissions_in_session=sent, now=utcnow()
            )
    except DomainError as exc:
        st.error(exc.message)
        return
    st.session_state[SUBMISSIONS_KEY] = sent + 1
    st.session_state.pop(LOOKUP_KEY, None)
    st.session_state[RECEIPT_KEY] = receipt
    st.rerun()


def _receipt() -> None:
    receipt = st.session_state[RECEIPT_KEY]
    st.success(f"Votre quotient familial a été transmis à {receipt.organization_name}.")
    st.markdown("Numéro de votre dossier, à rappeler si vous contactez votre mairie\u00a0:")
    st.code(receipt.reference, language=None)
    if st.button("Transmettre un autre quotient familial", key="qf_again"):
        st.session_state.pop(RECEIPT_KEY, None)
        st.rerun()


# Streamlit forgets a widget's value when a run does not draw it: kept so that "Modifier" shows what was typed.
for widget_key in FORM_KEYS:
    if widget_key in st.session_state:
        st.session_state[widget_key] = st.session_state[widget_key]
collectivite = _public_view(st.query_params.get(SIRET_PARAM, ""))
st.title("Transmettre votre quotient familial")
st.markdown(f"à **{md_escape(collectivite.organization_name)}**")
if RECEIPT_KEY in st.session_state:
    _receipt()
elif LOOKUP_KEY in st.session_state:
    _confirm(collectivite)
else:
    st.info(WHAT_HAPPENS.format(name=md_escape(collectivite.organization_name)))
    typed = _form(collectivite)
    if st.button("Rechercher mon quotient familial", type="primary", key="qf_lookup_submit"):
        _look_up(collectivite, typed)
