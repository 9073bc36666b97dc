"""The security journey of SPEC §4 in a real browser: activation link from a real email, password policy,
second factor read from the SMTP capture, logout, then the lock after five failed logins."""

import re
import time
import uuid

import pytest
from playwright.sync_api import expect
from sqlmodel import func, select

from core.auth import BAD_CREDENTIALS, LOCK_THRESHOLD, lock_message, send_activation_email
from core.clock import utcnow
from core.config import get_settings
from core.db import make_engine, session_scope
from core.demo.world import ROCHEFOURCHAT
from core.mail import send_due_emails
from core.models import Account, ActorType, AuditEntry, Civility
from core.passwords import policy_violations
from core.services.accounts import account_by_email, create_account
from core.services.organizations import organization_by_siret
from tests.e2e.conftest import SCREENSHOTS, settle, submit_login

pytestmark = pytest.mark.e2e

TIMEOUT = 15_000
WEAK = "faible"
PASSWORD = "Rochefourchat#2026"
PASSWORD_SAVED = "Votre mot de passe est enregistré. Vous pouvez maintenant vous connecter."


@pytest.fixture
def engine(portal):
    engine = make_engine(portal.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def newcomer(portal, engine):
    """A new administratrice locale of Rochefourchat, with her activation email sent through the SMTP sink."""
    email = f"securite-{uuid.uuid4().hex[:10]}@mairie-rochefourchat.test"
    with session_scope(engine) as s:
        organization = organization_by_siret(s, ROCHEFOURCHAT.siret)
        account = create_account(
            s,
            actor=None,
            email=email,
            civility=Civility.MADAME,
            first_name="Élise",
            last_name="Vassal",
            phone="0475276199",
            actor_type=ActorType.ADMIN_LOCAL,
            organization_id=organization.id,
        )
        send_activation_email(s, account, organization.name, now=utcnow())
    settings = get_settings().model_copy(
        update={"smtp_port": portal.smtp_port, "smtp_host": "127.0.0.1", "public_base_url": portal.url}
    )
    report = send_due_emails(engine, now=utcnow(), settings=settings)
    assert report.sent >= 1 and report.failed == 0
    return account


def activation_token(portal, email: str) -> str:
    [message] = [m for m in portal.emails_to(email) if "activez votre compte" in m["Subject"]]
    match = re.search(r"activation=([\w-]+)", message.get_content())
    assert match, message.get_content()
    return match.group(1)


def count_audit(engine, account_id: int, action: str) -> int:
    with session_scope(engine) as s:
        return s.exec(
            select(func.count()).where(AuditEntry.account_id == account_id, AuditEntry.action == action)
        ).one()


def wait_for_audit(engine, account_id: int, action: str, count: int) -> None:
    """Until core has recorded `count` entries `action`: the portal has handled the last submit."""
    deadline = time.monotonic() + TIMEOUT / 1000
    while count_audit(engine, account_id, action) < count:
        if time.monotonic() > deadline:
            pytest.fail(f"Pas de {count}e entrée « {action} » dans le journal après {TIMEOUT // 1000} s")
        time.sleep(0.1)


def fill_new_password(page, password: str) -> None:
    page.get_by_label("Nouveau mot de passe", exact=True).fill(password)
    page.get_by_label("Confirmez le mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()


def test_activation_second_factor_logout_and_lock(portal, page, engine, newcomer):
    email = newcomer.email

    # The link from the activation email opens the password page.
    page.goto(f"{portal.url}/?activation={activation_token(portal, email)}")
    expect(page.get_by_role("heading", name="Créer votre mot de passe")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(email)).to_be_visible(timeout=TIMEOUT)
    settle(page)

    # A weak password is refused, naming the rules it breaks.
    fill_new_password(page, WEAK)
    refusal = page.get_by_text(re.compile(r"^Le mot de passe doit contenir"))
    expect(refusal).to_be_visible(timeout=TIMEOUT)
    expect(refusal).to_have_text("Le mot de passe doit contenir " + ", ".join(policy_violations(WEAK)) + ".")
    settle(page)

    # A valid one is accepted; the login form follows.
    fill_new_password(page, PASSWORD)
    expect(page.get_by_text(PASSWORD_SAVED)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible(timeout=TIMEOUT)
    settle(page)
    assert "activation" not in page.url

    # Log in: password, then the code the SMTP sink received.
    submit_login(page, email, PASSWORD)
    expect(page.get_by_role("heading", name="Vérification en deux étapes")).to_be_visible(timeout=TIMEOUT)
    settle(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "verification.png")
    page.get_by_label("Code de vérification").fill(portal.last_login_code(email))
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", name="Accueil")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(newcomer.full_name).first).to_be_visible(timeout=TIMEOUT)
    settle(page)

    # Log out.
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible(timeout=TIMEOUT)
    settle(page)

    # Five wrong passwords lock the account; the message says until when.
    for attempt in range(1, LOCK_THRESHOLD + 1):
        submit_login(page, email, f"Mauvais#{attempt}x")
        wait_for_audit(engine, newcomer.id, "login.failure", attempt)
        settle(page)
        if attempt < LOCK_THRESHOLD:
            expect(page.get_by_text(BAD_CREDENTIALS)).to_be_visible(timeout=TIMEOUT)
    with session_scope(engine) as s:
        locked_until = account_by_email(s, email).locked_until
    assert locked_until is not None
    locked = lock_message(locked_until)
    expect(page.get_by_text(locked)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("verrouillé jusqu'à")).to_be_visible(timeout=TIMEOUT)

    # Even the right password is refused now, with the same message.
    submit_login(page, email, PASSWORD)
    wait_for_audit(engine, newcomer.id, "login.refused_locked", 1)
    settle(page)
    expect(page.get_by_text(locked)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Vérification en deux étapes")).to_have_count(0)
    with session_scope(engine) as s:
        account = s.get(Account, newcomer.id)
        assert account.locked_until == locked_until
        assert account.last_login_at is not None  # the one successful login of the journey
