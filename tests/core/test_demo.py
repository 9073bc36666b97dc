"""The demo data: loaded once for the module (it takes a few seconds), then checked from every side."""

import hashlib
import json
import re
from collections import defaultdict
from datetime import UTC, datetime

import defusedxml.ElementTree as SafeET
import pytest
from sqlalchemy import func
from sqlmodel import select

from core.db import session_scope
from core.demo import DEMO_API_CLIENT_ID, DEMO_API_SECRET, DEMO_LOGINS, DEMO_PASSWORD, demo_is_loaded, load_demo_data
from core.models import (
    AccessMode,
    Account,
    ActorType,
    Attachment,
    Case,
    CaseStatus,
    Event,
    EventAction,
    Folder,
    Organization,
    PartyKind,
    Process,
    Subscription,
    SubscriptionStatus,
)
from core.passwords import verify_password
from core.permissions import case_visibility_clause
from core.services.actors import actor_for
from core.services.cases import count_cases_by_status
from core.storage import get_store
from core.validation import luhn_valid
from core.workflow import Trigger, check_transition
from tests.conftest import wipe_database

NOW = datetime(2026, 3, 16, 8, 45, tzinfo=UTC)
# Elements the dossier detail page reads, by root element of the operators' flows.
REQUIRED_PATHS = {
    "EnveloppeMetierType": ["*/Demandeur/Nom", "*/Demandeur/Courriel"],
    "PACS": ["partenaire1/nomNaissance", "partenaire2/prenoms", "residenceCommune/Localite"],
    "RecensementCitoyen": ["Formalite/DateSoumission", "Personne/NomFamille", "FiliationMere"],
    "InsermDeclarationDeces": ["DateDeces/Date", "Defunt/Nom", "InformationsValidateurs/NomMedecin"],
    "InsermCertificatAdministrative": ["Defunt/Sexe", "LieuDeces/Commune", "Validation/NNC"],
    "DeclarationHebergementTourisme": ["Declarant/Nom", "Hebergement/TypeHebergement/Code"],
    "FormulaireQF": ["pivot_identity/family_name", "quotient_familial_v3/quotient_familial/valeur"],
}
ROOTS = {  # démarche -> root element of its XML files
    "EtatCivil": {"EnveloppeMetierType"},
    "depotDossierPACS": {"PACS"},
    "recensementCitoyen": {"RecensementCitoyen"},
    "JeChangeDeCoordonnees": {"EnveloppeMetierType"},
    "CERTDC": {"InsermDeclarationDeces", "InsermCertificatAdministrative"},
    "HebergementTourisme": {"DeclarationHebergementTourisme"},
    "FormulaireQF": {"FormulaireQF"},
}


@pytest.fixture(scope="module")
def loaded(engine):
    """The demo world, loaded once; the database is emptied again after the module, as `db` does."""
    with session_scope(engine) as s:
        created = load_demo_data(s, now=NOW)
    yield created
    wipe_database(engine)


@pytest.fixture
def s(loaded, engine):
    with session_scope(engine) as session:
        yield session


def _account(s, email: str) -> Account:
    return s.exec(select(Account).where(Account.email == email)).one()


def test_counts_returned_match_the_database(loaded, s):
    assert loaded["organizations"] == 3
    assert loaded["cases"] >= 250
    assert loaded["cases"] == s.exec(select(func.count()).select_from(Case)).one()
    assert loaded["attachments"] == s.exec(select(func.count()).select_from(Attachment)).one()
    assert loaded["events"] == s.exec(select(func.count()).select_from(Event)).one()
    assert demo_is_loaded(s)


def test_communes_are_valid_service_instructeurs(s):
    communes = s.exec(select(Organization)).all()
    assert "Commune de Rochefourchat" in {o.name for o in communes}
    assert {o.branch_code for o in communes} >= {"26271"}
    for organization in communes:
        assert re.fullmatch(r"\d{14}", organization.siret) and luhn_valid(organization.siret)
        admins = [a for a in _org_accounts(s, organization) if a.actor_type is ActorType.ADMIN_LOCAL and a.active]
        assert admins, organization.name
    assert max(len([a for a in _org_accounts(s, o) if a.actor_type is ActorType.ADMIN_LOCAL]) for o in communes) >= 2


def _org_accounts(s, organization):
    return s.exec(select(Account).where(Account.organization_id == organization.id)).all()


def test_every_status_and_demarche_is_present(s):
    statuses = set(s.exec(select(Case.status).distinct()))
    expected = {
        CaseStatus.HUBEE_NOTIFIED,
        CaseStatus.SI_RECEIVED,
        CaseStatus.IN_PROGRESS,
        CaseStatus.ADD_AWAITING,
        CaseStatus.REFUSED,
        CaseStatus.DONE,
        CaseStatus.CLOSED,
        CaseStatus.SI_INTG_ERROR,
    }
    assert expected <= statuses
    codes = set(s.exec(select(Process.code).join(Case, Case.process_id == Process.id).distinct()))
    assert codes == set(ROOTS)


def test_dossier_numbers_and_shared_folders(s):
    numbers = s.exec(select(Case.external_id)).all()
    assert all(re.fullmatch(r"[0-9A-F]{14}-0[1-3]", n) for n in numbers)
    per_folder = defaultdict(list)
    for folder_id, number in s.exec(select(Case.folder_id, Case.external_id)):
        per_folder[folder_id].append(number)
    shared = [sorted(n) for n in per_folder.values() if len(n) > 1]
    assert len(shared) >= 3 and any(len(n) == 3 for n in shared)
    assert all(n[i].endswith(f"-{i + 1:02d}") for n in shared for i in range(len(n)))


def test_subscriptions_cover_every_status_and_mode(s):
    subscriptions = s.exec(select(Subscription)).all()
    assert {sub.status for sub in subscriptions} == set(SubscriptionStatus)
    assert {sub.access_mode for sub in subscriptions} >= {AccessMode.PORTAIL, AccessMode.API}
    api = next(sub for sub in subscriptions if sub.access_mode is AccessMode.API)
    assert api.api_client_id == DEMO_API_CLIENT_ID and verify_password(DEMO_API_SECRET, api.api_secret_hash)
    delegate = s.get(Account, api.technical_delegate_id)
    assert delegate.actor_type is ActorType.DELEGUE_TECHNIQUE and delegate.organization_id is None
    assert len({sub.notification_frequency for sub in subscriptions}) >= 3
    assert all(sub.notification_email.endswith(".test") for sub in subscriptions)
    for sub in subscriptions:
        if sub.status in (SubscriptionStatus.ACTIF, SubscriptionStatus.SUSPENDU):
            assert (NOW - sub.activated_at).days >= 100 and sub.activation_date is not None


def test_demo_logins_work_with_the_demo_password(s):
    emails = [email for email, _ in DEMO_LOGINS]
    assert {"plateforme@hubee.test", "admin@mairie-rochefourchat.test", "agent@mairie-rochefourchat.test"} <= set(
        emails
    )
    assert all(email.endswith(".test") and who for email, who in DEMO_LOGINS)
    accounts = [_account(s, email) for email in emails]
    assert len({a.password_hash for a in accounts}) == 1  # hashed once, shared
    assert all(verify_password(DEMO_PASSWORD, a.password_hash) and a.password_set_at == NOW for a in accounts)
    assert not verify_password("Mairie@2025", accounts[0].password_hash)
    assert _account(s, "plateforme@hubee.test").actor_type is ActorType.PLATFORM_ADMIN
    assert any(not a.active for a in accounts) and any(a.actor_type is ActorType.DELEGUE_TECHNIQUE for a in accounts)


def test_second_load_creates_nothing(s):
    before = s.exec(select(func.count()).select_from(Event)).one()
    created = load_demo_data(s, now=NOW)
    assert created and not any(created.values())
    assert s.exec(select(func.count()).select_from(Event)).one() == before


def _trigger(event: Event) -> Trigger:
    if event.transmitter_kind is PartyKind.OSL:
        return Trigger.USAGER if event.action_type is EventAction.ATTACH_DEPOSIT else Trigger.OPERATOR_CLOSE
    by_action = {EventAction.CONSULTATION: Trigger.OPENED, EventAction.ATTACH_DL_ALL: Trigger.DOWNLOADED}
    if event.action_type in by_action:
        return by_action[event.action_type]
    return Trigger.AGENT if event.author_account_id else Trigger.SI_SOFTWARE


def test_every_history_follows_the_workflow(s):
    processes = {p.id: p for p in s.exec(select(Process))}
    events = defaultdict(list)
    for event in s.exec(select(Event)):
        events[event.case_id].append(event)
    for case in s.exec(select(Case)):
        history = sorted(events[case.id], key=lambda e: e.created_at)
        assert history[0].action_type is EventAction.TRANSMISSION and history[0].created_at == case.transmitted_at
        status = history[0].case_status_after
        for event in history[1:]:
            assert case.transmitted_at < event.created_at < NOW
            assert event.case_status_before is status or event.case_status_before is event.case_status_after
            if event.case_status_after is not event.case_status_before:
                allows = processes[case.process_id].allows_complement
                check_transition(
                    status, event.case_status_after, _trigger(event), allows_complement=allows, message=event.message
                )
                status = event.case_status_after
        assert status is case.status, case.external_id
        assert case.updated_at == history[-1].created_at
        assert (case.closed_at is not None) == (case.status is CaseStatus.CLOSED)


def test_agent_events_name_their_author(s):
    for event in s.exec(select(Event).where(Event.author_account_id.is_not(None))):
        account = s.get(Account, event.author_account_id)
        assert event.author == account.full_name and event.transmitter_kind is PartyKind.SI
    assert s.exec(select(Event).where(Event.action_type == EventAction.COM_ADD)).first().comment
    complement = s.exec(select(Event).where(Event.action_type == EventAction.SENDING_MESSAGE)).first()
    assert complement.message and complement.case_status_after is CaseStatus.ADD_AWAITING
    refusal = s.exec(select(Event).where(Event.case_status_after == CaseStatus.REFUSED)).first()
    assert refusal.message


def test_attachments_are_stored_and_parse(s):
    store = get_store()
    processes = {p.id: p.code for p in s.exec(select(Process))}
    rows = s.exec(select(Attachment, Folder.process_id).join(Folder, Attachment.folder_id == Folder.id)).all()
    assert len(rows) >= 600
    for attachment, process_id in rows:
        data = store.read_bytes(attachment.sha256)
        assert hashlib.sha256(data).hexdigest() == attachment.sha256 and len(data) == attachment.size < 20_000
        if attachment.mime_type == "application/xml":
            root = SafeET.fromstring(data)
            assert root.tag in ROOTS[processes[process_id]], attachment.file_name
            assert all(root.find(path) is not None for path in REQUIRED_PATHS[root.tag]), attachment.file_name
        elif attachment.mime_type == "application/json":
            assert set(json.loads(data)) == {"external_id", "pivot_identity", "quotient_familial_v3"}
        else:
            assert attachment.mime_type == "application/pdf" and data.startswith(b"%PDF")


def test_agent_sees_only_its_demarches(s):
    agent = _account(s, "agent@mairie-rochefourchat.test")
    actor = actor_for(s, agent)
    habilitated = {
        p.id
        for p in s.exec(
            select(Process).where(Process.code.in_(["EtatCivil", "depotDossierPACS", "recensementCitoyen"]))
        )
    }
    assert actor.habilitations == habilitated
    own = s.exec(select(Case.process_id).where(Case.organization_id == agent.organization_id)).all()
    assert set(own) - habilitated, "Rochefourchat must also receive démarches its agent does not see"
    seen = s.exec(select(Case.process_id).where(case_visibility_clause(actor, Case))).all()
    assert set(seen) == habilitated
    assert sum(count_cases_by_status(s, actor=actor).values()) == len(seen) == sum(p in habilitated for p in own)


def test_admin_sees_its_whole_commune_and_nothing_else(s):
    admin = _account(s, "admin@mairie-rochefourchat.test")
    actor = actor_for(s, admin)
    seen = s.exec(select(Case.organization_id).where(case_visibility_clause(actor, Case))).all()
    own = s.exec(select(func.count()).select_from(Case).where(Case.organization_id == admin.organization_id)).one()
    assert seen and set(seen) == {admin.organization_id}
    assert sum(count_cases_by_status(s, actor=actor).values()) == own
    others = s.exec(select(func.count()).select_from(Case).where(Case.organization_id != admin.organization_id)).one()
    assert others > 0
