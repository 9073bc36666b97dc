"""Administration journeys in a real browser (SPEC §3, §5): an administrateur local of Rochefourchat creates an
agent whose activation email arrives, switches a subscription to API, copies its secret once, regenerates it,
and exports the subscriptions' CSV.

The demo database is shared with the other journeys: the administrator and the agent are new accounts with
unique emails, and the subscription switched to API is Rochefourchat's CERTDC, which the demo leaves Inactif.
"""

import csv
import io
import re
import time
import uuid

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from core.auth import set_password
from core.clock import utcnow
from core.db import make_engine, session_scope
from core.demo.world import ROCHEFOURCHAT
from core.models import ActorType, Civility, Subscription
from core.services.accounts import create_account
from core.services.api_clients import verify_client_secret
from core.services.folders import process_by_code
from core.services.organizations import organization_by_siret
from core.services.subscriptions import SUBSCRIPTION_CSV_HEADER
from tests.e2e.conftest import SCREENSHOTS, log_in, settle

pytestmark = pytest.mark.e2e

TIMEOUT = 15_000
PASSWORD = "Rochefourchat#2026"
ETAT_CIVIL = "Demande d'acte d'état civil (AEC)"
RCO = "Recensement citoyen obligatoire (RCO)"


@pytest.fixture
def engine(portal):
    engine = make_engine(portal.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def admin_email(portal, engine) -> str:
    """A new administratrice locale of Rochefourchat, her password already chosen."""
    email = f"admin-{uuid.uuid4().hex[:10]}@mairie-rochefourchat.test"
    with session_scope(engine) as s:
        organization = organization_by_siret(s, ROCHEFOURCHAT.siret)
        account = create_account(
            s,
            actor=None,
            email=email,
            civility=Civility.MADAME,
            first_name="Odile",
            last_name="Chabert",
            phone="0475276198",
            actor_type=ActorType.ADMIN_LOCAL,
            organization_id=organization.id,
        )
        set_password(s, account, PASSWORD, now=utcnow())
    return email


def open_screen(page, name: str) -> None:
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name)).to_be_visible(timeout=TIMEOUT)
    settle(page)


def choose(page, label: str, *options: str) -> None:
    """Pick options in a Streamlit select box or multiselect: typing filters the list, Enter picks the option."""
    box = page.get_by_label(label, exact=True)
    for option in options:
        box.click()
        page.keyboard.type(option)
        expect(page.get_by_role("option", name=option, exact=True)).to_be_visible(timeout=TIMEOUT)
        page.keyboard.press("Enter")
        settle(page)
    page.keyboard.press("Escape")


def wait_for_email(portal, address: str, subject_part: str):
    deadline = time.monotonic() + TIMEOUT / 1000
    while time.monotonic() < deadline:
        found = [m for m in portal.emails_to(address) if subject_part in m["Subject"]]
        if found:
            return found[-1]
        time.sleep(0.2)
    pytest.fail(f"Aucun courriel « {subject_part} » reçu pour {address}")


def test_admin_creates_an_agent_habilitated_to_two_demarches(portal, page, admin_email):
    agent_email = f"agent-{uuid.uuid4().hex[:10]}@mairie-rochefourchat.test"
    page.goto(portal.url)
    log_in(page, portal, admin_email, PASSWORD)
    open_screen(page, "Gestion des comptes")

    choose(page, "Habilitations aux démarches * (agents)", ETAT_CIVIL, RCO)
    page.get_by_label("Adresse électronique *", exact=True).fill(agent_email)
    page.get_by_text("M.", exact=True).click()
    page.get_by_label("Prénom *", exact=True).fill("Bastien")
    page.get_by_label("Nom *", exact=True).fill("Reynaud")
    page.get_by_label("Fonction", exact=True).fill("Agent d'état civil")
    page.get_by_label("Téléphone principal *", exact=True).fill("04 75 27 61 02")
    page.get_by_role("button", name="Ajouter l'utilisateur").click()
    expect(page.get_by_text(f"Le compte {agent_email} est créé.")).to_be_visible(timeout=TIMEOUT)
    settle(page)

    # The new agent is in the list with its two démarches, and its activation email arrived through SMTP.
    page.get_by_label("Rechercher (nom, prénom, adresse électronique)").fill(agent_email)
    page.keyboard.press("Enter")
    expect(page.get_by_text("1 utilisateur trouvé")).to_be_visible(timeout=TIMEOUT)
    settle(page)
    table = page.locator('[data-testid="stDataFrame"]')
    expect(table).to_contain_text("Reynaud")
    # The new form is empty again, ready for the next person.
    expect(page.get_by_label("Adresse électronique *", exact=True)).to_have_value("")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "comptes.png")
    message = wait_for_email(portal, agent_email, "activez votre compte")
    assert "activation=" in message.get_content() and "Rochefourchat" in message.get_content()


def shown_codes(page) -> list[str]:
    """The client id and the secret, once both blocks are drawn."""
    expect(page.locator('[data-testid="stCode"] code')).to_have_count(2, timeout=TIMEOUT)
    return [text.strip() for text in page.locator('[data-testid="stCode"] code').all_inner_texts()]


def copy_secret(page) -> str:
    """Click the copy button of the secret's code block and read the clipboard, as the person pastes it."""
    block = page.locator('[data-testid="stCode"]').nth(1)
    block.hover()
    block.get_by_role("button").click()
    return page.evaluate("navigator.clipboard.readText()")


def stored_subscription(engine, subscription_id: int) -> Subscription:
    with session_scope(engine) as s:
        subscription = s.get(Subscription, subscription_id)
        s.expunge(subscription)
        return subscription


def test_admin_switches_to_api_copies_the_secret_once_regenerates_and_exports(portal, page, engine, admin_email):
    with session_scope(engine) as s:
        organization = organization_by_siret(s, ROCHEFOURCHAT.siret)
        subscription_id = s.exec(
            select(Subscription.id).where(
                Subscription.organization_id == organization.id,
                Subscription.process_id == process_by_code(s, "CERTDC").id,
            )
        ).one()
        certdc_row = f"CERTDC - Certificat de décès électronique — {organization.branch_code} - {organization.name}"
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=portal.url)
    page.goto(portal.url)
    log_in(page, portal, admin_email, PASSWORD)
    open_screen(page, "Gestion des abonnements")
    choose(page, "Ouvrir l'abonnement", certdc_row)
    page.get_by_role("button", name="Voir / modifier").click()
    expect(page.get_by_role("heading", name="Abonnement - Certificat de décès électronique")).to_be_visible(
        timeout=TIMEOUT
    )
    settle(page)

    # API, after reading and confirming its consequences.
    page.get_by_text("API", exact=True).click()
    settle(page)
    expect(page.get_by_text("module de raccordement à HubEE", exact=False)).to_be_visible(timeout=TIMEOUT)
    page.get_by_text("Je confirme avoir pris connaissance des conséquences de ce choix.").click()
    settle(page)
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("Copiez la clé secrète maintenant")).to_be_visible(timeout=TIMEOUT)
    settle(page)
    client_id, secret = shown_codes(page)
    copied = copy_secret(page)
    stored = stored_subscription(engine, subscription_id)
    assert copied == secret and client_id == stored.api_client_id
    assert verify_client_secret(secret, stored.api_secret_hash)

    # Any rerun and it is gone: only its hash is kept.
    page.get_by_text("Portail", exact=True).click()
    settle(page)
    expect(page.get_by_text("Copiez la clé secrète maintenant")).to_have_count(0)
    expect(page.locator('[data-testid="stCode"]')).to_have_count(0)
    assert secret not in page.content()
    page.get_by_text("API", exact=True).click()
    settle(page)

    # Regenerate: a new secret, once; the old one stops working at once.
    page.get_by_role("button", name="Régénérer la clé secrète").click()
    expect(page.get_by_text("Copiez la clé secrète maintenant")).to_be_visible(timeout=TIMEOUT)
    settle(page)
    _, new_secret = shown_codes(page)
    stored = stored_subscription(engine, subscription_id)
    assert new_secret != secret and verify_client_secret(new_secret, stored.api_secret_hash)
    assert not verify_client_secret(secret, stored.api_secret_hash)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "abonnement-api.png")

    # The CSV opens with exactly the nine columns, one row per subscription of Rochefourchat.
    page.get_by_role("button", name="← Retour aux abonnements").click()
    expect(page.get_by_role("heading", name="Gestion des abonnements")).to_be_visible(timeout=TIMEOUT)
    settle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Exporter (CSV)").click()
    content = download.value.path().read_bytes()
    assert download.value.suggested_filename == "abonnements.csv"
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == list(SUBSCRIPTION_CSV_HEADER)
    assert len(rows) == 1 + 7
    by_process = {row[1].split(" - ")[0]: row for row in rows[1:]}
    assert by_process["CERTDC"][4:7] == ["API", "Non", "Inactif"]
    assert by_process["EtatCivil"][0] == "DILA" and by_process["EtatCivil"][6] == "Actif"
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", by_process["EtatCivil"][7])
