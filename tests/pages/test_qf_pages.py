"""The quotient-familial pages through AppTest: the citizens' public form (no login) and the agents' kit."""

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from core.clock import utcnow
from core.config import get_settings
from core.db import session_scope
from core.models import ActorType, Attachment, Case, Folder, Organization, Role
from core.quotient_familial.base import NOT_FOUND, UNAVAILABLE
from core.quotient_familial.documents import MONTHS
from core.quotient_familial.sandbox import FAMILIES
from core.services.folders import process_by_code
from core.services.quotient_familial import CLOSED_FORM, SESSION_SUBMISSIONS, UNKNOWN_FORM
from tests.factories import make_organization, subscribe
from tests.pages.test_app_shell import APP, account_with_password, login

FAURE, BENALI, MOULIN, PANNE = FAMILIES[1], FAMILIES[2], FAMILIES[5], FAMILIES[6]


@pytest.fixture
def commune(db):
    with session_scope(db) as s:
        org = make_organization(s, "Commune de Saint-Jalle")
        subscribe(s, org, "FormulaireQF")
        closed = make_organization(s, "Commune de Vesc")
        subscribe(s, closed, "EtatCivil")
    return {"siret": org.siret, "id": org.id, "closed_siret": closed.siret, "closed_id": closed.id}


def open_form(siret: str) -> AppTest:
    """The public page as a citizen opens it from the QR code: nobody signed in."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["collectivite"] = siret
    at.run()
    at.switch_page("pages/qf_public.py").run()
    assert not at.exception, at.exception
    return at


def fill(at: AppTest, family=FAURE, **changes) -> AppTest:
    identity = family.identity
    values = {
        "family_name": identity.family_name.title(),
        "given_names": " ".join(identity.given_names),
        "sex": "Féminin" if identity.sex == "F" else "Masculin",
        "day": identity.birth_day,
        "consent": True,
    } | changes
    at.text_input(key="qf_family_name").input(values["family_name"])
    at.text_input(key="qf_given_names").input(values["given_names"])
    at.radio(key="qf_sex").set_value(values["sex"])
    at.selectbox(key="qf_day").set_value(values["day"] or "Jour inconnu")
    at.selectbox(key="qf_month").set_value(identity.birth_month)
    at.number_input(key="qf_year").set_value(identity.birth_year)
    if identity.born_abroad:
        at.radio(key="qf_born").set_value("À l'étranger").run()
        at.selectbox(key="qf_country").set_value(identity.birthcountry)
    else:
        at.selectbox(key="qf_commune").set_value(identity.birthplace)
    if values["consent"]:
        at.checkbox(key="qf_consent").check()
    at.button(key="qf_lookup_submit").click().run()
    assert not at.exception, at.exception
    return at


def last_month_label() -> str:
    today = utcnow().astimezone(get_settings().zone).date()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{MONTHS[month - 1]} {year}"


def test_the_form_opens_without_signing_in(commune):
    at = open_form(commune["siret"])
    assert [t.value for t in at.title] == ["Transmettre votre quotient familial"]
    assert "Commune de Saint-Jalle" in at.markdown[0].value
    assert "Ce qui va se passer" in at.info[0].value
    assert [w.label for w in at.text_input] == ["Nom de naissance", "Prénoms", "Ou son code INSEE"]
    assert [w.label for w in at.selectbox] == ["Jour de naissance", "Mois de naissance", "Commune de naissance"]
    assert not [b for b in at.button if b.label == "Se déconnecter"]
    assert "account_id" not in at.session_state


def test_an_unknown_or_closed_collectivite_shows_no_form(commune):
    for siret, message in (
        ("12345", UNKNOWN_FORM),
        (commune["closed_siret"], CLOSED_FORM.format(name="Commune de Vesc")),
    ):
        at = open_form(siret)
        assert [e.value for e in at.error] == [message]
        assert not at.text_input and not at.button


def test_each_field_at_fault_is_named(commune):
    at = open_form(commune["siret"])
    at.button(key="qf_lookup_submit").click().run()
    errors = [e.value for e in at.error]
    assert errors[0] == "Certaines informations sont à corriger :"
    assert [e.split("\u00a0:")[0] for e in errors[1:]] == [
        "Nom de naissance",
        "Prénoms",
        "Sexe",
        "Mois de naissance",
        "Année de naissance",
        "Commune de naissance",
        "Consentement",
    ]


def test_a_citizen_sees_what_will_be_sent_then_gets_a_reference(commune):
    at = fill(open_form(commune["siret"]), day=None)
    assert [s.value for s in at.subheader] == ["Ce qui sera transmis à Commune de Saint-Jalle"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Quotient familial": "487 €", "Organisme": "MSA", "Mois de référence": last_month_label()}
    text = "\n".join(m.value for m in at.markdown)
    assert "Allocataires (2)" in text and "Enfants (3)" in text and "ROCHE (nom d'usage FAURE) ISABELLE" in text
    with session_scope() as s:
        assert s.exec(select(Folder)).all() == []  # nothing sent before the confirmation

    at.button(key="qf_confirm").click().run()
    assert [s.value for s in at.success] == ["Votre quotient familial a été transmis à Commune de Saint-Jalle."]
    reference = at.code[0].value
    with session_scope() as s:
        case = s.exec(select(Case).where(Case.external_id == reference)).one()
        assert (case.organization_id, case.process_id) == (commune["id"], process_by_code(s, "FormulaireQF").id)
        names = sorted(s.exec(select(Attachment.file_name).where(Attachment.folder_id == case.folder_id)))
    assert names == ["FormulaireQF.json", "FormulaireQF.xml", "quotient_familial_FAURE_Jean-Luc_André.pdf"]
    assert at.session_state["qf_submissions"] == 1

    at.button(key="qf_again").click().run()
    assert at.button(key="qf_lookup_submit")
    assert at.text_input(key="qf_family_name").value == "Faure"


def test_born_abroad_asks_for_the_country(commune):
    at = fill(open_form(commune["siret"]), BENALI)
    assert {m.label: m.value for m in at.metric}["Organisme"] == "CAF"
    assert any("Enfants (0)" in m.value for m in at.markdown)


@pytest.mark.parametrize(("family", "message"), [(MOULIN, NOT_FOUND), (PANNE, UNAVAILABLE)])
def test_nothing_found_or_no_answer_is_said_and_nothing_sent(commune, family, message):
    at = fill(open_form(commune["siret"]), family)
    assert [w.value for w in at.warning] == [message]
    assert not at.metric and at.button(key="qf_lookup_submit")
    with session_scope() as s:
        assert s.exec(select(Folder)).all() == []


def test_the_citizen_may_go_back_and_correct(commune):
    at = fill(open_form(commune["siret"]))
    at.button(key="qf_back").click().run()
    assert at.text_input(key="qf_given_names").value == "Jean-Luc André"
    assert not at.metric


def test_submissions_of_one_browser_session_are_limited(commune):
    at = fill(open_form(commune["siret"]))
    at.session_state["qf_submissions"] = get_settings().qf_max_per_session
    at.button(key="qf_confirm").click().run()
    assert [e.value for e in at.error] == [SESSION_SUBMISSIONS.format(count=get_settings().qf_max_per_session)]
    with session_scope() as s:
        assert s.exec(select(Folder)).all() == []


def open_kit(email: str) -> AppTest:
    at = login(email)
    at.switch_page("pages/qf_kit.py").run()
    assert not at.exception, at.exception
    return at


def test_the_kit_gives_the_address_qr_code_poster_and_email(commune):
    with session_scope() as s:
        qf = frozenset({process_by_code(s, "FormulaireQF").id})
        account_with_password(s, s.get(Organization, commune["id"]), habilitations=qf, email="agent@saint-jalle.test")
    at = open_kit("agent@saint-jalle.test")
    assert [t.value for t in at.title] == ["Quotient familial"]
    url = f"{get_settings().public_base_url}/qf?collectivite={commune['siret']}"
    codes = [c.value for c in at.code]
    assert codes[:2] == [url, "Transmettez-nous votre quotient familial"]
    assert url in codes[2] and "Commune de Saint-Jalle" in codes[2]
    assert [i.captions for i in at.image] == [["480 × 480 pixels"]]
    downloads = [d.proto.label for d in at.get("download_button")]
    assert downloads == ["Télécharger (PNG)", "Télécharger (JPG)", "Télécharger l'affiche (PDF)"]
    arrivals = at.dataframe[0].value
    assert list(arrivals.columns) == ["Mois", "Dossiers reçus"] and len(arrivals) == 12


def test_the_kit_tells_a_collectivite_without_subscription(commune):
    with session_scope() as s:
        closed = s.get(Organization, commune["closed_id"])
        account_with_password(
            s, closed, ActorType.ADMIN_LOCAL, roles=frozenset({Role.USERS_GESTION}), email="admin@vesc.test"
        )
    at = open_kit("admin@vesc.test")
    assert at.info[0].value.startswith("Commune de Vesc n'a pas d'abonnement actif")
    assert not at.code


def test_a_signed_in_agent_may_open_the_public_form_too(commune):
    with session_scope() as s:
        qf = frozenset({process_by_code(s, "FormulaireQF").id})
        account_with_password(s, s.get(Organization, commune["id"]), habilitations=qf, email="agent@saint-jalle.test")
    at = login("agent@saint-jalle.test")
    at.query_params["collectivite"] = commune["siret"]
    at.switch_page("pages/qf_public.py").run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Transmettre votre quotient familial"]
    assert at.button(key="qf_lookup_submit") and at.button(key="logout")
