"""Administration screens through AppTest: accounts, account sheet, subscriptions, subscription, request, platform."""

import pytest
from fpdf import FPDF
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from core.db import session_scope
from core.models import (
    AccessMode,
    Account,
    ActorType,
    Habilitation,
    Organization,
    OutboxEmail,
    RequestStatus,
    Role,
    Subscription,
    SubscriptionRequest,
    SubscriptionStatus,
)
from core.permissions import Actor
from core.services.account_admin import FEW_ADMINS
from core.services.api_clients import verify_client_secret
from core.services.subscriptions import NO_HABILITATED_ACCOUNT
from pages.components.nav import screens_for
from tests.factories import make_organization, subscribe, valid_siret
from tests.pages.test_app_shell import account_with_password, login

ADMIN = "admin@rochefourchat.test"
AGENT = "agent@rochefourchat.test"
READER = "lecture@rochefourchat.test"
PLATFORM = "plateforme@hubee.test"


def check(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    return at


def open_page(email: str, script: str, **query) -> AppTest:
    at = login(email)
    at.query_params.update({k: str(v) for k, v in query.items()})
    return check(at.switch_page(script).run())


def texts(elements) -> list[str]:
    return [e.value for e in elements]


@pytest.fixture
def commune(db):
    """Rochefourchat: EtatCivil and RCO active, CERTDC inactive; its administratrice locale and an agent."""
    with session_scope(db) as s:
        org = make_organization(s, "Mairie de Rochefourchat")
        etat_civil = subscribe(s, org, "EtatCivil")
        rco = subscribe(s, org, "recensementCitoyen")
        certdc = subscribe(s, org, "CERTDC", status=SubscriptionStatus.INACTIF, access_mode=None, activation_date=None)
        admin = account_with_password(s, org, ActorType.ADMIN_LOCAL, email=ADMIN)
        agent = account_with_password(s, org, habilitations=frozenset({etat_civil.process_id}), email=AGENT)
        return {
            "org": org.id,
            "admin": admin.id,
            "agent": agent.id,
            "etat_civil": etat_civil.id,
            "certdc": certdc.id,
            "rco_process": rco.process_id,
        }


def test_menu_per_role():
    admin = Actor(1, ActorType.ADMIN_LOCAL, 1, frozenset({Role.USERS_GESTION, Role.SUBSCRIPTIONS_GESTION}))
    agent = Actor(2, ActorType.AGENT, 1, frozenset({Role.DOSSIERS_GESTION}), frozenset({1}))
    platform = Actor(3, ActorType.PLATFORM_ADMIN, None)
    delegate = Actor(4, ActorType.DELEGUE_TECHNIQUE, None, frozenset({Role.SUBSCRIPTIONS_GESTION}))

    def visible(actor):
        return [s.title for s in screens_for(actor) if s.visibility == "visible"]

    assert {"Gestion des comptes", "Gestion des abonnements", "Demande d'abonnement"} <= set(visible(admin))
    assert "Plateforme" not in visible(admin)
    assert not {"Gestion des comptes", "Gestion des abonnements", "Demande d'abonnement"} & set(visible(agent))
    assert {"Gestion des comptes", "Gestion des abonnements", "Demande d'abonnement", "Plateforme"} <= set(
        visible(platform)
    )
    assert "Gestion des abonnements" in visible(delegate) and "Demande d'abonnement" not in visible(delegate)


# --- Gestion des comptes --------------------------------------------------------------------------


def test_accounts_list_warns_and_creates_an_agent_with_two_habilitations(commune):
    at = open_page(ADMIN, "pages/accounts.py")
    assert texts(at.title) == ["Gestion des comptes"]
    assert FEW_ADMINS in texts(at.warning)
    table = at.dataframe[0].value
    assert list(table["Nom"]) == [n for n in sorted(table["Nom"], key=str.lower)]
    assert set(table["Habilitations démarches"]) == {"Sans habilitations", "Demande d'acte d'état civil (AEC)"}
    at.selectbox(key="account_new_type").select("Agent")
    at.multiselect(key="account_new_habilitations").select("Demande d'acte d'état civil (AEC)").select(
        "Recensement citoyen obligatoire (RCO)"
    )
    at.text_input(key="account_new_email").input("paul.durand@rochefourchat.test")
    at.radio(key="account_new_civility").set_value("M.")
    at.text_input(key="account_new_first_name").input("Paul")
    at.text_input(key="account_new_last_name").input("Durand")
    at.text_input(key="account_new_phone").input("04 75 27 61 00")
    check(at.button(key="account_new_submit").click().run())
    assert any("paul.durand@rochefourchat.test est créé" in m for m in texts(at.success)), texts(at.error)
    with session_scope() as s:
        account = s.exec(select(Account).where(Account.email == "paul.durand@rochefourchat.test")).one()
        assert len(s.exec(select(Habilitation).where(Habilitation.account_id == account.id)).all()) == 2
        assert s.exec(select(OutboxEmail).where(OutboxEmail.to_address == account.email)).one().template == "activation"


def test_account_creation_names_every_wrong_field(commune):
    at = open_page(ADMIN, "pages/accounts.py")
    at.selectbox(key="account_new_type").select("Agent")
    at.text_input(key="account_new_email").input("pas-une-adresse")
    at.text_input(key="account_new_phone").input("12")
    check(at.button(key="account_new_submit").click().run())
    assert [e.split("\u00a0:")[0] for e in texts(at.error)] == [
        "Adresse électronique",
        "Civilité",
        "Prénom",
        "Nom",
        "Téléphone principal",
        "Habilitations aux démarches",
    ]


def test_consultation_sees_the_list_read_only(commune):
    with session_scope() as s:
        org = s.get(Organization, commune["org"])
        account_with_password(s, org, ActorType.ADMIN_LOCAL, roles=frozenset({Role.USERS_CONSULTATION}), email=READER)
    at = open_page(READER, "pages/accounts.py")
    assert any("Consultation seule" in i for i in texts(at.info))
    assert not [b for b in at.button if b.key == "account_new_submit"]
    assert len(at.dataframe[0].value) == 3


def test_account_sheet_edits_habilitations_and_deactivates(commune):
    at = open_page(ADMIN, "pages/account_edit.py", id=commune["agent"])
    assert any("désactivez ce compte et créez-en un nouveau" in c for c in texts(at.caption))
    at.multiselect(key="account_edit_processes").select("Recensement citoyen obligatoire (RCO)")
    check(at.button(key="account_edit_submit").click().run())
    assert texts(at.success) == ["Les rôles et droits d'accès sont enregistrés."]
    with session_scope() as s:
        assert (
            commune["rco_process"]
            in s.exec(select(Habilitation.process_id).where(Habilitation.account_id == commune["agent"])).all()
        )
    check(at.button(key="account_edit_active").click().run())
    check(at.button(key="account_edit_active_confirm").click().run())
    assert texts(at.success) == ["Le compte est désactivé."]
    with session_scope() as s:
        assert not s.get(Account, commune["agent"]).active


def test_own_sheet_offers_only_the_dossier_roles(commune):
    at = open_page(ADMIN, "pages/account_edit.py", id=commune["admin"])
    assert at.selectbox(key="account_edit_type").disabled
    assert not at.multiselect(key="account_edit_roles").disabled
    assert any("Vous pouvez vous attribuer les rôles sur les télédossiers" in i for i in texts(at.info))
    assert any("propre compte" in c for c in texts(at.caption))


# --- Gestion des abonnements ----------------------------------------------------------------------


def test_subscriptions_list_has_the_seed_columns(commune):
    at = open_page(ADMIN, "pages/subscriptions.py")
    table = at.dataframe[0].value
    assert list(table.columns) == [
        "Opérateur",
        "Démarche",
        "Service instructeur",
        "N° Datapass",
        "Modalité d'accès",
        "DT",
        "Statut",
        "Date d'activation",
        "Date de suspension",
    ]
    assert sorted(table["Statut"]) == ["Actif", "Actif", "Inactif"]
    assert [b.label for b in at.get("download_button")] == ["Exporter (CSV)"]


def test_switch_to_api_shows_the_secret_once_then_regenerates(commune):
    at = open_page(ADMIN, "pages/subscription.py", id=commune["etat_civil"])
    assert texts(at.title) == ["Abonnement - Demande d'acte d'état civil (AEC)"]
    at.radio(key="subscription_mode").set_value("API").run()
    assert any("lecture seule" in w for w in texts(at.warning))
    at.checkbox(key="subscription_mode_confirmed").check()
    check(at.button(key="subscription_mode_submit").click().run())
    shown = [c.value for c in at.code]
    with session_scope() as s:
        subscription = s.get(Subscription, commune["etat_civil"])
    assert subscription.access_mode is AccessMode.API and shown[0] == subscription.api_client_id
    assert verify_client_secret(shown[1], subscription.api_secret_hash)
    check(at.run())
    assert [c.value for c in at.code] == []  # gone after a rerun
    check(at.button(key="subscription_regenerate").click().run())
    again = [c.value for c in at.code]
    with session_scope() as s:
        subscription = s.get(Subscription, commune["etat_civil"])
    assert again[1] != shown[1] and verify_client_secret(again[1], subscription.api_secret_hash)
    assert not verify_client_secret(shown[1], subscription.api_secret_hash)


def test_inactive_subscription_is_set_up_and_activated_today(commune):
    at = open_page(ADMIN, "pages/subscription.py", id=commune["certdc"])
    assert NO_HABILITATED_ACCOUNT in texts(at.warning)
    at.radio(key="subscription_mode").set_value("Portail").run()
    at.checkbox(key="subscription_mode_confirmed").check()
    check(at.button(key="subscription_mode_submit").click().run())
    at.text_input(key="subscription_email").input("etat-civil@rochefourchat.test")
    check(at.button(key="subscription_save").click().run())
    assert texts(at.success) == ["Modifications enregistrées."]
    check(at.button(key="subscription_activate").click().run())
    assert texts(at.success) == ["Abonnement activé."]
    with session_scope() as s:
        subscription = s.get(Subscription, commune["certdc"])
        assert (subscription.status, subscription.notification_email) == (
            SubscriptionStatus.ACTIF,
            "etat-civil@rochefourchat.test",
        )


# --- Demande d'abonnement and Plateforme ----------------------------------------------------------


def pdf() -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text="Deliberation")
    return bytes(document.output())


def test_request_form_greys_subscribed_demarches_and_sends_a_qf_request(commune):
    at = open_page(ADMIN, "pages/subscription_request.py")
    assert at.checkbox(key="request_process_EtatCivil").disabled
    at.checkbox(key="request_process_FormulaireQF").check()
    at.checkbox(key="request_same_person").check()
    at.text_input(key="request_requester_position").input("Secrétaire de mairie")
    at.file_uploader(key="request_deliberation").set_value(("deliberation.pdf", pdf(), "application/pdf"))
    at.text_input(key="request_dpo_name").input("Syndicat numérique")
    at.text_input(key="request_dpo_email").input("dpo@syndicat.test")
    at.text_input(key="request_dpo_position").input("DPO mutualisé")
    check(at.button(key="request_submit").click().run())
    assert any(m.startswith("Demande n° ") for m in texts(at.success)), texts(at.error)
    with session_scope() as s:
        request = s.exec(select(SubscriptionRequest)).one()
        assert (request.process_codes, request.business_admin_email) == (["FormulaireQF"], ADMIN)
        assert request.deliberation_attachment_id


def test_platform_validates_a_pending_request(db):
    siret = valid_siret("2126031800")
    with session_scope(db) as s:
        account_with_password(s, None, ActorType.PLATFORM_ADMIN, email=PLATFORM)
        s.add(
            SubscriptionRequest(
                organization_siret=siret,
                organization_name="Commune de Saint-Pons",
                process_codes=["EtatCivil"],
                requester_first_name="Martine",
                requester_last_name="Faure",
                requester_email="maire@saint-pons.test",
                requester_phone="0475460100",
                business_admin_first_name="Yannick",
                business_admin_last_name="Boyer",
                business_admin_position="Secrétaire de mairie",
                business_admin_email="y.boyer@saint-pons.test",
                business_admin_phone="0475460101",
                datapass_number="12561",
            )
        )
    at = open_page(PLATFORM, "pages/platform.py")
    with session_scope() as s:
        request_id = s.exec(select(SubscriptionRequest.id)).one()
    at.text_input(key=f"platform_insee_{request_id}").input("26318")
    at.radio(key=f"platform_civility_{request_id}_y.boyer@saint-pons.test").set_value("M.")
    check(at.button(key=f"platform_validate_{request_id}_submit").click().run())
    assert texts(at.success) == ["Demande validée : abonnements créés (Inactif), courriels envoyés."], texts(at.error)
    with session_scope() as s:
        assert s.get(SubscriptionRequest, request_id).status is RequestStatus.VALIDEE
        organization = s.exec(select(Organization).where(Organization.siret == siret)).one()
        assert organization.branch_code == "26318"
    assert texts(at.info) == ["Aucune demande d'abonnement en attente."]
