"""The real portal for browser journeys: a fresh database with the demo data, `streamlit run app.py`, Chromium.

Chromium is the system one (/usr/bin/chromium); nothing is ever downloaded.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from core.db import make_engine, session_scope
from core.demo import DEMO_LOGINS
from core.demo.world import ACCOUNTS
from core.migrate import upgrade_to_head
from core.services.accounts import account_by_email

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SERVER_START_TIMEOUT = 60
DEMO_LOAD_TIMEOUT = 180
# `make screenshots` refreshes the README's pictures; an ordinary test run writes its screenshots elsewhere.
SCREENSHOTS = Path(os.environ.get("HUBEE_SCREENSHOTS_DIR") or tempfile.mkdtemp(prefix="hubee-screens-"))
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'

# The demo marks a deactivated account on its spec (AccountSpec.active); DEMO_LOGINS lists them all.
DEACTIVATED_EMAILS = frozenset(spec.email for spec in ACCOUNTS if not spec.active)
ACTIVE_DEMO_LOGINS = [(email, who) for email, who in DEMO_LOGINS if email not in DEACTIVATED_EMAILS]


@dataclass(frozen=True)
class Portal:
    url: str
    database_url: str
    # email -> "Prénom Nom", as the home page shows it
    names: dict[str, str]
    # Where the local SMTP sink (core.mailsink) keeps every message the portal sends.
    mail_dir: Path
    smtp_port: int

    def emails_to(self, address: str) -> list[EmailMessage]:
        """Messages the box sent to `address`, oldest first, read from the SMTP capture."""
        messages = []
        for path in sorted(self.mail_dir.glob("*.eml")):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            if message["To"] == address:
                messages.append(message)
        return messages

    def last_login_code(self, address: str, timeout: float = 15) -> str:
        """The code of the newest "code de connexion" email to `address`, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            codes = [
                m["Subject"].rsplit(" ", 1)[-1] for m in self.emails_to(address) if "code de connexion" in m["Subject"]
            ]
            if codes:
                return codes[-1]
            time.sleep(0.2)
        pytest.fail(f"Aucun code de connexion reçu pour {address}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _names(database_url: str) -> dict[str, str]:
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as s:
            return {email: account_by_email(s, email).full_name for email, _ in DEMO_LOGINS}
    finally:
        engine.dispose()


def _start_portal(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    with log.open("w") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait_until_healthy(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Le portail s'est arrêté au démarrage :\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"Le portail n'a pas répondu en {SERVER_START_TIMEOUT} s :\n{log.read_text()}")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip("Chromium absent : apt-get install chromium")


@pytest.fixture(scope="session")
def portal(tmp_path_factory) -> Iterator[Portal]:
    """A migrated database with the demo data, served by `streamlit run app.py` on a free port."""
    require_chromium()  # no browser, no journey: do not start a server for nothing
    data_dir = tmp_path_factory.mktemp("e2e-data")
    database_url = f"sqlite:///{data_dir / 'hubee.db'}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HUBEE_DATA_DIR": str(data_dir),
        "HUBEE_BCRYPT_ROUNDS": "4",
        "PYTHONPATH": str(ROOT),
    }
    smtp_port = _free_port()
    env["HUBEE_SMTP_PORT"] = str(smtp_port)
    upgrade_to_head(database_url)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env["HUBEE_PUBLIC_BASE_URL"] = url
    log = data_dir / "portal.log"
    sink = subprocess.Popen([sys.executable, "-m", "core.mailsink"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    # The server starts while the demo loads: it reads the database only when a browser asks.
    process = _start_portal(env, port, log)
    try:
        demo = subprocess.run(
            [sys.executable, "-m", "core.demo"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=DEMO_LOAD_TIMEOUT,
        )
        assert demo.returncode == 0, f"python -m core.demo a échoué :\n{demo.stdout}\n{demo.stderr}"
        _wait_until_healthy(process, url, log)
        yield Portal(
            url=url,
            database_url=database_url,
            names=_names(database_url),
            mail_dir=data_dir / "mail",
            smtp_port=smtp_port,
        )
    finally:
        _stop(process)
        _stop(sink)


@pytest.fixture(scope="session")
def browser_page():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            locale="fr-FR", timezone_id="Europe/Paris", viewport={"width": 1280, "height": 800}
        )
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()


@pytest.fixture
def page(browser_page):
    """One tab for the whole run (a new tab costs a second); each test starts by loading a URL, which opens
    a new Streamlit session where nobody is signed in."""
    browser_page.set_viewport_size({"width": 1280, "height": 800})
    browser_page.goto("about:blank")
    return browser_page


def submit_login(page, email: str, password: str) -> None:
    page.get_by_label("Adresse électronique", exact=True).fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()


def log_in(page, portal: Portal, email: str, password: str) -> None:
    """Password, then the emailed code when the account has a second factor; ends on a settled page."""
    submit_login(page, email, password)
    second_factor = page.get_by_role("heading", name="Vérification en deux étapes")
    home = page.get_by_role("heading", name="Accueil")
    second_factor.or_(home).first.wait_for()
    if second_factor.is_visible():
        page.get_by_label("Code de vérification").fill(portal.last_login_code(email))
        page.get_by_role("button", name="Valider").click()
    settle(page)


def settle(page) -> None:
    """Wait until Streamlit has finished running the script for the last action."""
    page.wait_for_selector(IDLE, state="attached")


def download(page, button, attempts: int = 3, timeout_ms: int = 8_000):
    """Click a download button and return the Download; click again if none starts.

    A click that lands while Streamlit reruns the script can be dropped (the button's file is built on click by
    the run it reaches); a person clicks again, and so does the journey — at most `attempts` times.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    for attempt in range(attempts):
        settle(page)
        # Streamlit disables every widget while its websocket reconnects (seen on a loaded CI machine): wait for it.
        expect(button).to_be_enabled(timeout=45_000)
        try:
            with page.expect_download(timeout=timeout_ms) as started:
                button.click()
            return started.value
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
