"""The agents' day in a real browser (SPEC §6): Lucas Reynaud, agent of Rochefourchat (état civil, Pacs, recensement),
opens Télédossiers, filters by démarche, opens a new dossier (Reçu), downloads its ZIP (En cours), asks the usager
for a complément; the commune's quotient-familial dossiers stay out of his reach.

The demo database is shared with the other journeys: the dossier worked on is delivered by this test, with a
number of its own.
"""

import io
import random
import re
import uuid
import zipfile

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from core.clock import utcnow
from core.db import make_engine, session_scope
from core.demo import DEMO_PASSWORD
from core.demo.documents import GENERATORS
from core.demo.world import ROCHEFOURCHAT
from core.models import Case, CaseStatus, Event, EventAction, Operator
from core.services.case_actions import NOT_VISIBLE
from core.services.folders import IncomingFolder, Recipient, deliver_folder, process_by_code
from core.services.organizations import organization_by_siret
from core.storage import AttachmentStore
from tests.e2e.conftest import SCREENSHOTS, download, settle, submit_login

pytestmark = pytest.mark.e2e

TIMEOUT = 15_000
AGENT = "agent@mairie-rochefourchat.test"  # an agent: no second factor
ETAT_CIVIL = "Demande d'acte d'état civil (AEC)"
COMPLEMENT = "Merci de nous transmettre la copie de votre livret de famille."


@pytest.fixture
def engine(portal):
    engine = make_engine(portal.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def dossier(portal, engine) -> tuple[str, str, tuple[str, ...]]:
    """A new EtatCivil dossier for Rochefourchat, in the operator's format, delivered as the hub does:
    (case id, number, its files' names)."""
    store = AttachmentStore(portal.mail_dir.parent / "attachments", max_bytes=20 * 1024 * 1024)
    folder_number = f"77{uuid.uuid4().hex[:12].upper()}"
    now = utcnow()
    generated = GENERATORS["EtatCivil"](random.Random(folder_number), ROCHEFOURCHAT.commune, now, folder_number)
    with session_scope(engine) as s:
        organization = organization_by_siret(s, ROCHEFOURCHAT.siret)
        process = process_by_code(s, "EtatCivil")
        folder = deliver_folder(
            s,
            operator=s.get(Operator, process.operator_id),
            incoming=IncomingFolder(
                process_code="EtatCivil",
                external_id=folder_number,
                applicant_first_name=generated.applicant.first_name,
                applicant_last_name=generated.applicant.last_name,
                applicant_email=generated.applicant_email,
                subject_name=generated.subject_name,
                recipients=(Recipient(siret=organization.siret, case_external_id=f"{folder_number}-01"),),
                files=generated.files,
            ),
            now=now,
            store=store,
        )
        case = s.exec(select(Case).where(Case.folder_id == folder.id)).one()
        return str(case.id), case.external_id, tuple(f.file_name for f in generated.files)


def quotient_familial_case(engine) -> tuple[str, str]:
    """One of Rochefourchat's FormulaireQF dossiers, which the agent is not habilitated to."""
    with session_scope(engine) as s:
        organization = organization_by_siret(s, ROCHEFOURCHAT.siret)
        case = s.exec(
            select(Case).where(
                Case.organization_id == organization.id, Case.process_id == process_by_code(s, "FormulaireQF").id
            )
        ).first()
        return str(case.id), case.external_id


def case_state(engine, case_id: str) -> tuple[CaseStatus, list[tuple[EventAction, str | None]]]:
    with session_scope(engine) as s:
        case = s.get(Case, uuid.UUID(case_id))
        events = s.exec(select(Event).where(Event.case_id == case.id).order_by(Event.created_at)).all()
        return case.status, [(e.action_type, e.message) for e in events]


def wait_for_status(engine, case_id: str, status: CaseStatus, page) -> None:
    """The ZIP is built on another thread than the page's rerun: wait for its effect."""
    for _ in range(TIMEOUT // 100):
        if case_state(engine, case_id)[0] is status:
            return
        page.wait_for_timeout(100)
    assert case_state(engine, case_id)[0] is status


def log_in_agent(page) -> None:
    submit_login(page, AGENT, DEMO_PASSWORD)
    settle(page)


def choose(page, label: str, option: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(option)
    expect(page.get_by_role("option", name=option, exact=True)).to_be_visible(timeout=TIMEOUT)
    page.keyboard.press("Enter")
    settle(page)


def search(page, text: str) -> None:
    page.get_by_label("Rechercher un numéro de télédossier ou une personne concernée", exact=True).fill(text)
    page.keyboard.press("Enter")
    settle(page)


def filter_and_open(page, engine, case_id: str, number: str) -> None:
    """Filter by démarche (the URL keeps it), find the new dossier by its number, open it: it becomes Reçu."""
    page.get_by_role("link", name="Télédossiers").click()
    expect(page.get_by_role("heading", name="Télédossiers")).to_be_visible(timeout=TIMEOUT)
    settle(page)
    choose(page, "Démarche", ETAT_CIVIL)
    expect(page).to_have_url(re.compile(r"demarche=EtatCivil"), timeout=TIMEOUT)
    expect(page.locator('[data-testid="stDataFrame"]').first).to_contain_text(number, timeout=TIMEOUT)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "teledossiers.png")
    search(page, number)
    expect(page).to_have_url(re.compile(f"recherche={number}"), timeout=TIMEOUT)
    expect(page.get_by_text("Page 1 sur 1 — 1 télédossier", exact=True)).to_be_visible(timeout=TIMEOUT)
    page.get_by_role("button", name="Ouvrir", exact=True).click()
    expect(page.get_by_role("heading", name=f"Télédossier n° {number}")).to_be_visible(timeout=TIMEOUT)
    settle(page)
    assert case_state(engine, case_id)[0] is CaseStatus.SI_RECEIVED
    expect(page.get_by_text("Acte demandé", exact=True)).to_be_visible()


def download_all(page, engine, case_id: str, number: str, file_names: tuple[str, ...]) -> None:
    """Every file as one ZIP that opens: the first download makes the dossier En cours."""
    zipped = download(page, page.get_by_role("button", name="Tout télécharger (ZIP)"))
    assert zipped.suggested_filename == f"{number}.zip"
    archive = zipfile.ZipFile(io.BytesIO(zipped.path().read_bytes()))
    assert sorted(archive.namelist()) == sorted(file_names) and all(archive.read(name) for name in file_names)
    wait_for_status(engine, case_id, CaseStatus.IN_PROGRESS, page)
    settle(page)


def ask_for_complement(page, engine, case_id: str, number: str) -> None:
    """En attente de compléments, with the message to the usager, after the confirmation."""
    choose(page, "Nouveau statut", "En attente de compléments")
    page.get_by_label("Message à l'usager précisant le complément attendu *").fill(COMPLEMENT)
    page.get_by_role("button", name="Changer le statut").click()
    expect(page.get_by_text("Cette action est définitive", exact=False)).to_be_visible(timeout=TIMEOUT)
    page.get_by_role("button", name="Confirmer le changement de statut").click()
    expect(page.get_by_text("Le statut est maintenant « En attente de compléments ».")).to_be_visible(timeout=TIMEOUT)
    settle(page)
    status, events = case_state(engine, case_id)
    assert status is CaseStatus.ADD_AWAITING
    assert [a for a, _ in events].count(EventAction.CONSULTATION) == 1  # one visit, one consultation
    assert (EventAction.SENDING_MESSAGE, COMPLEMENT) in events
    page.set_viewport_size({"width": 1280, "height": 1400})
    settle(page)
    page.get_by_role("heading", name=f"Télédossier n° {number}").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "dossier.png")
    page.set_viewport_size({"width": 1280, "height": 800})


def another_demarche_stays_invisible(page, portal, engine) -> None:
    """The commune's quotient-familial dossiers are not listed, and their address answers « not found »."""
    other_id, other_number = quotient_familial_case(engine)
    page.get_by_role("button", name="← Retour aux télédossiers").click()
    expect(page.get_by_role("heading", name="Télédossiers")).to_be_visible(timeout=TIMEOUT)
    expect(page).to_have_url(re.compile(r"demarche=EtatCivil"), timeout=TIMEOUT)  # back to the same view
    settle(page)
    choose(page, "Démarche", "Toutes les démarches")
    search(page, other_number)
    expect(page.get_by_text("Page 1 sur 1 — 0 télédossier", exact=True)).to_be_visible(timeout=TIMEOUT)
    history = case_state(engine, other_id)
    page.goto(f"{portal.url}/dossier?id={other_id}")
    log_in_agent(page)
    expect(page.get_by_text(NOT_VISIBLE)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(other_number)).to_have_count(0)
    assert case_state(engine, other_id) == history  # nothing recorded, nothing moved


def test_agent_works_a_new_dossier_and_never_sees_another_demarche(portal, page, engine, dossier):
    case_id, number, file_names = dossier
    page.goto(portal.url)
    log_in_agent(page)
    expect(page.get_by_role("heading", name="Accueil")).to_be_visible(timeout=TIMEOUT)
    filter_and_open(page, engine, case_id, number)
    download_all(page, engine, case_id, number, file_names)
    ask_for_complement(page, engine, case_id, number)
    another_demarche_stays_invisible(page, portal, engine)
