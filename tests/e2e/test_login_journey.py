"""Logging in to the real portal in a real browser, for every demo account."""

import pytest
from playwright.sync_api import expect

from core.auth import BAD_CREDENTIALS, DEACTIVATED
from core.demo import DEMO_PASSWORD
from tests.e2e.conftest import ACTIVE_DEMO_LOGINS, DEACTIVATED_EMAILS, SCREENSHOTS, log_in, settle, submit_login

pytestmark = pytest.mark.e2e

SCREENSHOT_LOGIN = "admin@mairie-rochefourchat.test"


def open_login(page, url: str) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    settle(page)


@pytest.mark.parametrize(("email", "description"), ACTIVE_DEMO_LOGINS, ids=[e for e, _ in ACTIVE_DEMO_LOGINS])
def test_each_demo_account_reaches_its_home_page(portal, page, email, description):
    open_login(page, portal.url)
    log_in(page, portal, email, DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Accueil")).to_be_visible()
    expect(page.get_by_text(portal.names[email]).first).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    if email == SCREENSHOT_LOGIN:
        # Streamlit scrolls inside its own container: a taller window, not full_page, shows the whole page.
        page.set_viewport_size({"width": 1280, "height": 1050})
        settle(page)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "accueil.png")


@pytest.mark.parametrize("email", sorted(DEACTIVATED_EMAILS))
def test_a_deactivated_demo_account_is_refused(portal, page, email):
    open_login(page, portal.url)
    submit_login(page, email, DEMO_PASSWORD)
    expect(page.get_by_text(DEACTIVATED)).to_be_visible()


def test_wrong_password_is_refused(portal, page):
    open_login(page, portal.url)
    assert page.evaluate("document.documentElement.lang") == "fr"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "connexion.png")
    submit_login(page, SCREENSHOT_LOGIN, "Mauvais@2026")
    expect(page.get_by_text(BAD_CREDENTIALS)).to_be_visible()
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()


def test_a_bookmarked_page_asks_to_log_in_then_opens_and_logout_returns_to_login(portal, page):
    open_login(page, f"{portal.url}/accueil")
    expect(page.get_by_text("Page not found")).to_have_count(0)
    submit_login(page, "agent@mairie-rochefourchat.test", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Accueil")).to_be_visible()
    settle(page)
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()
