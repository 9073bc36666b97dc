"""The Tableau de bord in a real browser: the administrateur local of Rochefourchat sees its chart drawn."""

import pytest
from playwright.sync_api import expect

from core.demo import DEMO_PASSWORD
from tests.e2e.conftest import log_in, settle

pytestmark = pytest.mark.e2e

TIMEOUT = 30_000  # Vega loads lazily on the first chart of the session


def test_the_local_admin_opens_the_dashboard_and_the_chart_renders(portal, page):
    page.goto(portal.url)
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible(timeout=TIMEOUT)
    settle(page)
    log_in(page, portal, "admin@mairie-rochefourchat.test", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Accueil")).to_be_visible()
    settle(page)
    page.get_by_role("link", name="Tableau de bord").click()
    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Arrivées par semaine")).to_be_visible(timeout=TIMEOUT)
    chart = page.locator("[data-testid='stVegaLiteChart']")
    expect(chart).to_have_count(1, timeout=TIMEOUT)
    # Vega draws its marks in a canvas (or an SVG) of class "marks"; the toolbar's icons are other SVGs.
    drawn = chart.locator("canvas.marks, svg.marks").first
    try:
        expect(drawn).to_be_visible(timeout=TIMEOUT)
    except AssertionError as error:
        raise AssertionError(f"{error}\n{chart.inner_html()[:3000]}") from None
    box = drawn.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 50
    expect(page.get_by_text("Stock par statut")).to_be_visible()
