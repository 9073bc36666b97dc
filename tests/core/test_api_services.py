"""The API's core services, without HTTP: credentials and tokens, the operator's flow, the SI's flow, isolation.

Run on SQLite and, in CI, on PostgreSQL. The HTTP layer and the contract are tested in tests/api/.
"""

import hashlib
import uuid
from datetime import timedelta

import pytest
from sqlmodel import select

from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import (
    AccessMode,
    ApiToken,
    Attachment,
    AttachmentStatus,
    Case,
    CaseStatus,
    Event,
    EventAction,
    Folder,
    Notification,
    PartyKind,
    Subscription,
    SubscriptionStatus,
)
from core.services import api_cases, api_events, api_folders, api_notifications
from core.services.api_clients import (
    InvalidToken,
    authenticate_token,
    issue_token,
    purge_expired_tokens,
    revoke_tokens_for_subscription,
)
from core.services.api_events import IncomingEvent
from core.services.api_operator_clients import (
    list_operator_clients,
    regenerate_operator_client_secret,
    revoke_operator_client,
)
from core.services.api_scope import CASE_NOT_FOUND
from core.services.folders import ExpectedFile, IncomingFolder, Recipient
from tests.api.world import NOW, SECRET, World, build_world, stream

XML, PDF = b"<demande>etat civil</demande>", b"%PDF-1.4 acte"


@pytest.fixture
def world(session):
    return build_world(session)


def client_for(session, client_id: str, scope: str | None = None, now=NOW):
    grant = issue_token(session, client_id=client_id, client_secret=SECRET, scope=scope, now=now)
    assert grant.error is None, grant.description
    return authenticate_token(session, token=grant.access_token, now=now), grant.access_token


def incoming(world: World, number: str, code: str, keys: list[str]) -> IncomingFolder:
    recipients = tuple(Recipient(world.siret(k), f"{number}-{i:02d}") for i, k in enumerate(keys, start=1))
    return IncomingFolder(code, number, "Jeanne", "Martin", recipients, applicant_email="jeanne@exemple.test")


FILES = [
    ExpectedFile("demande.xml", "Document principal", "application/xml", len(XML)),
    ExpectedFile("acte.pdf", "Justificatif", "application/pdf", len(PDF)),
]


def send(session, world, store, number="EC-0001", code="EtatCivil", keys=("A",), osl="DILA") -> dict:
    """The operator's whole flow: create, upload both files, complete; the folder as finally shown."""
    operator, _ = client_for(session, World.osl_client(osl))
    folder = api_folders.create_folder(
        session, client=operator, incoming=incoming(world, number, code, list(keys)), files=FILES, now=NOW
    )
    contents = {"demande.xml": XML, "acte.pdf": PDF}
    for attachment in folder["attachments"]:
        content = contents[attachment["fileName"]]
        api_folders.upload_folder_attachment(
            session,
            client=operator,
            folder_id=folder["id"],
            attachment_id=attachment["id"],
            content=stream(content),
            expected_sha256=hashlib.sha256(content).hexdigest(),
            now=NOW,
            store=store,
        )
    api_folders.update_folder_status(
        session, client=operator, folder_id=folder["id"], status="HUBEE_COMPLETED", now=NOW
    )
    return api_folders.read_folder(session, client=operator, folder_id=folder["id"])


# --- Credentials and tokens ----------------------------------------------------------------------------


def test_si_and_osl_tokens_identify_their_client(session, world):
    si, _ = client_for(session, World.si_client("A", "EtatCivil"), "SI")
    assert (si.kind.value, si.organization_id) == ("SI", world.organizations["A"].id)
    osl, _ = client_for(session, World.osl_client("DILA"), "OSL")
    assert osl.kind.value == "OSL" and osl.subscription_id is None and osl.name.startswith("Direction de l'information")


@pytest.mark.parametrize(
    ("client_id", "secret", "scope", "error"),
    [
        ("si-a-etatcivil", "mauvais", "SI", "invalid_client"),
        ("inconnu", SECRET, "SI", "invalid_client"),
        ("si-a-etatcivil", SECRET, "OSL", "invalid_scope"),
        ("osl-dila-test", SECRET, "SI", "invalid_scope"),
    ],
)
def test_bad_credentials_or_scope_get_no_token(session, world, client_id, secret, scope, error):
    grant = issue_token(session, client_id=client_id, client_secret=secret, scope=scope, now=NOW)
    assert grant.access_token is None and grant.error == error and grant.description
    assert session.exec(select(ApiToken)).first() is None


def test_only_api_mode_subscriptions_in_service_get_tokens(session, world):
    subscription = session.get(Subscription, world.subscription_ids["A", "EtatCivil"])
    subscription.access_mode = AccessMode.PORTAIL
    grant = issue_token(session, client_id="si-a-etatcivil", client_secret=SECRET, scope="SI", now=NOW)
    assert grant.error == "invalid_client" and "API" in grant.description
    suspended = issue_token(session, client_id="si-c-depotdossierpacs", client_secret=SECRET, scope="SI", now=NOW)
    assert suspended.access_token  # a suspended subscription still processes what it received


def test_token_lives_one_hour(session, world):
    _, token = client_for(session, "si-a-etatcivil")
    assert authenticate_token(session, token=token, now=NOW + timedelta(minutes=59)).process_id
    with pytest.raises(InvalidToken):
        authenticate_token(session, token=token, now=NOW + timedelta(hours=1))
    with pytest.raises(InvalidToken):
        authenticate_token(session, token="pas-un-jeton", now=NOW)


def test_secret_regeneration_and_modality_switch_kill_tokens(session, world):
    _, token = client_for(session, "si-a-etatcivil")
    _, other = client_for(session, "si-b-jechangedecoordonnees")
    assert (
        revoke_tokens_for_subscription(session, subscription_id=world.subscription_ids["A", "EtatCivil"], now=NOW) == 1
    )
    with pytest.raises(InvalidToken):
        authenticate_token(session, token=token, now=NOW)
    assert authenticate_token(session, token=other, now=NOW)
    session.get(Subscription, world.subscription_ids["B", "JeChangeDeCoordonnees"]).access_mode = AccessMode.PORTAIL
    with pytest.raises(InvalidToken):  # checked at every call, even before the portal revokes the token
        authenticate_token(session, token=other, now=NOW)


def test_operator_clients_are_managed_and_revocable(session, world):
    _, token = client_for(session, "osl-dila-test")
    new_secret = regenerate_operator_client_secret(session, actor=None, client_id="osl-dila-test", now=NOW)
    with pytest.raises(InvalidToken):
        authenticate_token(session, token=token, now=NOW)
    assert issue_token(session, client_id="osl-dila-test", client_secret=SECRET, scope="OSL", now=NOW).error
    fresh = issue_token(session, client_id="osl-dila-test", client_secret=new_secret, scope="OSL", now=NOW)
    revoke_operator_client(session, actor=None, client_id="osl-dila-test", now=NOW)
    with pytest.raises(InvalidToken):
        authenticate_token(session, token=fresh.access_token, now=NOW)
    rows = {row.client_id: row for row in list_operator_clients(session, actor=None)}
    assert rows["osl-dila-test"].revoked_at == NOW and rows["osl-dgs-test"].revoked_at is None
    assert purge_expired_tokens(session, now=NOW + timedelta(hours=2)) == 0  # expired an hour ago: kept a day
    assert purge_expired_tokens(session, now=NOW + timedelta(days=2)) == 2
    assert session.exec(select(ApiToken)).first() is None


# --- The operator's flow --------------------------------------------------------------------------------


def test_folder_waits_for_its_files_then_delivers_one_case_per_recipient(session, world, store):
    operator, _ = client_for(session, "osl-dila-test")
    created = api_folders.create_folder(
        session,
        client=operator,
        incoming=incoming(world, "JCC-1", "JeChangeDeCoordonnees", ["A", "B", "C"]),
        files=FILES,
        now=NOW,
    )
    assert (
        created["globalStatus"] == "HUBEE_RECEIVED" and [a["status"] for a in created["attachments"]] == ["PENDING"] * 2
    )
    assert session.exec(select(Case)).first() is None  # nothing in any inbox before completion
    with pytest.raises(InvalidInput, match="pas encore téléversées"):
        api_folders.update_folder_status(
            session, client=operator, folder_id=created["id"], status="HUBEE_COMPLETED", now=NOW
        )
    folder = send(session, world, store, "JCC-2", "JeChangeDeCoordonnees", ("A", "B", "C"))
    assert folder["globalStatus"] == "HUBEE_NOTIFIED"
    assert [c["externalId"] for c in folder["cases"]] == ["JCC-2-01", "JCC-2-02", "JCC-2-03"]
    assert {c["status"] for c in folder["cases"]} == {"HUBEE_NOTIFIED"}
    queued = session.exec(select(Notification.subscription_id).where(Notification.recipient_kind == PartyKind.SI)).all()
    # A and B take JCC through the API; C through the portal (emails, not an API queue).
    ids = world.subscription_ids
    assert sorted(queued) == sorted([ids["A", "JeChangeDeCoordonnees"], ids["B", "JeChangeDeCoordonnees"]])


def test_planned_case_ids_are_kept_at_delivery(session, world, store):
    operator, _ = client_for(session, "osl-dila-test")
    created = api_folders.create_folder(
        session, client=operator, incoming=incoming(world, "EC-9", "EtatCivil", ["A"]), files=FILES[:1], now=NOW
    )
    api_folders.upload_folder_attachment(
        session,
        client=operator,
        folder_id=created["id"],
        attachment_id=created["attachments"][0]["id"],
        content=stream(XML),
        expected_sha256=None,
        now=NOW,
        store=store,
    )
    api_folders.update_folder_status(
        session, client=operator, folder_id=created["id"], status="HUBEE_COMPLETED", now=NOW
    )
    api_folders.update_folder_status(
        session, client=operator, folder_id=created["id"], status="HUBEE_COMPLETED", now=NOW
    )
    case = session.exec(select(Case)).one()  # completing twice delivers once
    assert str(case.id) == created["cases"][0]["id"] and session.get(Folder, case.folder_id).partner_info is None


def test_bad_uploads_are_refused_leaving_nothing(session, world, store):
    operator, _ = client_for(session, "osl-dila-test")
    created = api_folders.create_folder(
        session, client=operator, incoming=incoming(world, "EC-2", "EtatCivil", ["A"]), files=FILES, now=NOW
    )
    first = next(a["id"] for a in created["attachments"] if a["fileName"] == "demande.xml")

    def upload(content, sha=None):
        api_folders.upload_folder_attachment(
            session,
            client=operator,
            folder_id=created["id"],
            attachment_id=first,
            content=stream(content),
            expected_sha256=sha,
            now=NOW,
            store=store,
        )

    with pytest.raises(InvalidInput, match="annoncés"):
        upload(XML + b"!")
    with pytest.raises(InvalidInput, match="empreinte"):
        upload(XML, hashlib.sha256(b"autre chose").hexdigest())
    assert session.get(Attachment, uuid.UUID(first)).status is AttachmentStatus.PENDING
    assert list(store.stored_hashes()) == []
    upload(XML, hashlib.sha256(XML).hexdigest())
    assert list(store.stored_hashes()) == [hashlib.sha256(XML).hexdigest()]


def test_completion_needs_a_subscription_in_service_that_day(session, world, store):
    operator, _ = client_for(session, "osl-dila-test")
    with pytest.raises(InvalidInput, match="abonnement actif"):
        api_folders.create_folder(
            session,
            client=operator,
            incoming=incoming(world, "JCC-3", "JeChangeDeCoordonnees", ["A", "D"]),
            files=FILES,
            now=NOW,
        )
    created = api_folders.create_folder(
        session, client=operator, incoming=incoming(world, "EC-3", "EtatCivil", ["A"]), files=FILES[:1], now=NOW
    )
    api_folders.upload_folder_attachment(
        session,
        client=operator,
        folder_id=created["id"],
        attachment_id=created["attachments"][0]["id"],
        content=stream(XML),
        expected_sha256=None,
        now=NOW,
        store=store,
    )
    session.get(Subscription, world.subscription_ids["A", "EtatCivil"]).status = SubscriptionStatus.SUSPENDU
    with pytest.raises(InvalidInput, match="Commune A .* n'a pas d'abonnement actif"):
        api_folders.update_folder_status(
            session, client=operator, folder_id=created["id"], status="HUBEE_COMPLETED", now=NOW
        )


def test_only_a_folder_never_completed_can_be_deleted(session, world, store):
    operator, _ = client_for(session, "osl-dila-test")
    pending = api_folders.create_folder(
        session, client=operator, incoming=incoming(world, "EC-4", "EtatCivil", ["A"]), files=FILES, now=NOW
    )
    api_folders.delete_folder(session, client=operator, folder_id=pending["id"], now=NOW)
    assert session.exec(select(Attachment)).first() is None and session.exec(select(Folder)).first() is None
    delivered = send(session, world, store, "EC-5")
    with pytest.raises(Conflict, match="jamais complété"):
        api_folders.delete_folder(session, client=operator, folder_id=delivered["id"], now=NOW)


def test_duplicate_folder_number_is_refused_with_the_existing_id(session, world, store):
    folder = send(session, world, store, "EC-6")
    operator, _ = client_for(session, "osl-dila-test")
    with pytest.raises(Conflict, match=folder["id"]):
        api_folders.create_folder(
            session, client=operator, incoming=incoming(world, "EC-6", "EtatCivil", ["A"]), files=FILES, now=NOW
        )


# --- The SI's flow ------------------------------------------------------------------------------------------


def test_si_takes_a_case_and_reports_its_status(session, world, store):
    folder = send(session, world, store, "EC-7")
    si, _ = client_for(session, "si-a-etatcivil")
    [notification] = api_notifications.list_notifications(session, client=si)
    assert notification["caseId"] == folder["cases"][0]["id"] and notification["processCode"] == "EtatCivil"
    assert notification["recipient"]["companyRegister"] == world.siret("A")
    case = api_cases.read_case(session, client=si, case_id=notification["caseId"])
    assert [a["fileName"] for a in case["attachments"]] == ["acte.pdf", "demande.xml"]
    download = api_cases.case_attachment_file(
        session, client=si, case_id=case["id"], attachment_id=case["attachments"][1]["id"], store=store
    )
    assert download.content == XML and download.sha256 == hashlib.sha256(XML).hexdigest()
    api_cases.update_case_status(session, client=si, case_id=case["id"], status="SI_RECEIVED", now=NOW)
    event = api_events.create_event(
        session,
        client=si,
        case_id=case["id"],
        now=NOW,
        incoming=IncomingEvent("STATUS_UPDATE", message="Pris en charge", case_new_status="SI_RECEIVED"),
    )
    updates = session.exec(select(Event).where(Event.action_type == EventAction.STATUS_UPDATE)).all()
    assert len(updates) == 1 and str(updates[0].id) == event["id"]  # PATCH then POST: one event
    assert event["message"] == "Pris en charge" and event["caseNewStatus"] == "SI_RECEIVED"
    operator, _ = client_for(session, "osl-dila-test")
    [for_operator] = api_notifications.list_notifications(session, client=operator, event_details=True)
    assert for_operator["eventId"] == event["id"] and for_operator["event"]["author"] == "Éditeur de test"
    api_notifications.delete_notification(session, client=si, notification_id=notification["id"], now=NOW)
    assert api_notifications.list_notifications(session, client=si) == []


def test_refusal_needs_its_reason_through_the_event(session, world, store):
    case_id = send(session, world, store, "EC-8")["cases"][0]["id"]
    si, _ = client_for(session, "si-a-etatcivil")
    with pytest.raises(InvalidInput, match="caseNewStatus=REFUSED"):
        api_cases.update_case_status(session, client=si, case_id=case_id, status="REFUSED", now=NOW)
    api_events.create_event(
        session,
        client=si,
        case_id=case_id,
        now=NOW,
        incoming=IncomingEvent("STATUS_UPDATE", message="Acte introuvable", case_new_status="REFUSED"),
    )
    assert session.get(Case, uuid.UUID(case_id)).status is CaseStatus.REFUSED
    with pytest.raises(Forbidden, match="refusé"):
        api_cases.case_attachment_file(
            session, client=si, case_id=case_id, attachment_id=session.exec(select(Attachment.id)).first(), store=store
        )


@pytest.mark.parametrize(
    ("path", "status", "error"),
    [
        (["SI_INTG_ERROR", "IN_PROGRESS", "DONE"], "DONE", None),
        (["IN_PROGRESS", "HUBEE_NOTIFIED"], "IN_PROGRESS", Conflict),
        (["DONE", "IN_PROGRESS"], "DONE", Conflict),
        (["NOT_A_STATUS"], "HUBEE_NOTIFIED", InvalidInput),
        (["CLOSED"], "HUBEE_NOTIFIED", Conflict),
    ],
)
def test_software_transitions_follow_the_portal_table(session, world, store, path, status, error):
    case_id = send(session, world, store)["cases"][0]["id"]
    si, _ = client_for(session, "si-a-etatcivil")
    for i, target in enumerate(path):
        if error and i == len(path) - 1:
            with pytest.raises(error):
                api_cases.update_case_status(session, client=si, case_id=case_id, status=target, now=NOW)
        else:
            api_cases.update_case_status(session, client=si, case_id=case_id, status=target, now=NOW)
    assert api_cases.read_case(session, client=si, case_id=case_id, lite=True)["status"] == status


def test_usager_complement_returns_the_case_to_nouveau_once_its_file_is_there(session, world, store):
    case_id = send(session, world, store)["cases"][0]["id"]
    si, _ = client_for(session, "si-a-etatcivil")
    operator, _ = client_for(session, "osl-dila-test")
    api_cases.update_case_status(session, client=si, case_id=case_id, status="IN_PROGRESS", now=NOW)
    deposit = api_events.create_event(
        session,
        client=operator,
        case_id=case_id,
        now=NOW,
        incoming=IncomingEvent("ATTACH_DEPOSIT", message="Complément", files=(FILES[1],)),
    )
    assert api_cases.read_case(session, client=si, case_id=case_id, lite=True)["status"] == "IN_PROGRESS"
    api_events.upload_event_attachment(
        session,
        client=operator,
        case_id=case_id,
        event_id=deposit["id"],
        attachment_id=deposit["attachments"][0]["id"],
        content=stream(PDF),
        expected_sha256=None,
        now=NOW + timedelta(seconds=1),
        store=store,
    )
    assert api_cases.read_case(session, client=si, case_id=case_id, lite=True)["status"] == "HUBEE_NOTIFIED"
    queue = api_notifications.list_notifications(session, client=si, event_details=True)
    assert queue[-1]["eventId"] == deposit["id"] and queue[-1]["event"]["attachments"][0]["status"] == "RECEIVED"
    with pytest.raises(Conflict):  # complete: no longer withdrawable
        api_events.delete_event(session, client=operator, case_id=case_id, event_id=deposit["id"], now=NOW)


def test_an_unfinished_deposit_can_be_withdrawn_by_its_sender_only(session, world, store):
    case_id = send(session, world, store)["cases"][0]["id"]
    si, _ = client_for(session, "si-a-etatcivil")
    deposit = api_events.create_event(
        session, client=si, case_id=case_id, now=NOW, incoming=IncomingEvent("ATTACH_DEPOSIT", files=(FILES[1],))
    )
    operator, _ = client_for(session, "osl-dila-test")
    with pytest.raises(Forbidden):
        api_events.delete_event(session, client=operator, case_id=case_id, event_id=deposit["id"], now=NOW)
    api_events.delete_event(session, client=si, case_id=case_id, event_id=deposit["id"], now=NOW)
    assert session.exec(select(Attachment).where(Attachment.event_id.is_not(None))).first() is None
    assert api_notifications.list_notifications(session, client=operator) == []


def test_operator_closes_the_folder_and_its_cases(session, world, store):
    folder = send(session, world, store, "JCC-4", "JeChangeDeCoordonnees", ("A", "C"))
    operator, _ = client_for(session, "osl-dila-test")
    api_folders.update_folder_status(session, client=operator, folder_id=folder["id"], status="CLOSED", now=NOW)
    shown = api_folders.read_folder(session, client=operator, folder_id=folder["id"])
    assert shown["globalStatus"] == "CLOSED" and {c["status"] for c in shown["cases"]} == {"CLOSED"}
    si, _ = client_for(session, "si-a-jechangedecoordonnees")
    [closure] = [
        n["event"] for n in api_notifications.list_notifications(session, client=si, event_details=True) if n["eventId"]
    ]
    assert closure["caseNewStatus"] == "CLOSED" and closure["transmitter"]["type"] == "OSL"
    with pytest.raises(Conflict, match="clos"):
        api_events.create_event(
            session,
            client=si,
            case_id=folder["cases"][0]["id"],
            now=NOW,
            incoming=IncomingEvent("COM_ADD", comment="Trop tard"),
        )


def test_event_status_is_acknowledged_by_its_recipient(session, world, store):
    case_id = send(session, world, store)["cases"][0]["id"]
    si, _ = client_for(session, "si-a-etatcivil")
    event = api_events.create_event(
        session,
        client=si,
        case_id=case_id,
        now=NOW,
        incoming=IncomingEvent("SENDING_MESSAGE", message="Merci de préciser"),
    )
    assert event["status"] == "SENT"
    with pytest.raises(Forbidden):
        api_events.update_event_status(
            session, client=si, case_id=case_id, event_id=event["id"], status="RECEIVED", now=NOW
        )
    operator, _ = client_for(session, "osl-dila-test")
    api_events.update_event_status(
        session, client=operator, case_id=case_id, event_id=event["id"], status="RECEIVED", now=NOW
    )
    assert api_events.read_event(session, client=si, case_id=case_id, event_id=event["id"])["status"] == "RECEIVED"


# --- Isolation ----------------------------------------------------------------------------------------------


def test_clients_reach_only_their_own_cases(session, world, store):
    folder = send(session, world, store, "JCC-5", "JeChangeDeCoordonnees", ("A", "B"))
    case_a, case_b = (c["id"] for c in folder["cases"])
    si_a, _ = client_for(session, "si-a-jechangedecoordonnees")
    si_a_other, _ = client_for(session, "si-a-etatcivil")  # same commune, another démarche
    dgs, _ = client_for(session, "osl-dgs-test")
    assert api_cases.read_case(session, client=si_a, case_id=case_a)["id"] == case_a
    for client, case_id in ((si_a, case_b), (si_a_other, case_a), (dgs, case_a)):
        with pytest.raises(NotFound) as raised:
            api_cases.read_case(session, client=client, case_id=case_id)
        assert raised.value.message == CASE_NOT_FOUND  # as for a case that does not exist
    with pytest.raises(NotFound):
        api_folders.read_folder(session, client=dgs, folder_id=folder["id"])
    with pytest.raises(Forbidden):
        api_folders.read_folder(session, client=si_a, folder_id=folder["id"])
    with pytest.raises(Forbidden):  # a software never sends folders, even for its own démarche
        api_folders.create_folder(
            session,
            client=si_a,
            incoming=incoming(world, "JCC-6", "JeChangeDeCoordonnees", ["A"]),
            files=FILES,
            now=NOW,
        )
    notification = api_notifications.list_notifications(session, client=si_a)[0]
    with pytest.raises(NotFound):
        api_notifications.delete_notification(session, client=si_a_other, notification_id=notification["id"], now=NOW)
    with pytest.raises(InvalidInput, match="n'est pas opérée par DGS"):
        api_folders.create_folder(
            session, client=dgs, incoming=incoming(world, "X-1", "EtatCivil", ["A"]), files=FILES, now=NOW
        )


def test_operator_never_sees_internal_comments(session, world, store):
    case_id = send(session, world, store)["cases"][0]["id"]
    si, _ = client_for(session, "si-a-etatcivil")
    comment = api_events.create_event(
        session, client=si, case_id=case_id, now=NOW, incoming=IncomingEvent("COM_ADD", comment="Interne à la mairie")
    )
    operator, _ = client_for(session, "osl-dila-test")
    with pytest.raises(NotFound):
        api_events.read_event(session, client=operator, case_id=case_id, event_id=comment["id"])
    events = api_cases.read_case(session, client=operator, case_id=case_id)["events"]
    assert all(e["actionType"] != "COM_ADD" and e["comment"] is None for e in events)
    assert api_cases.read_case(session, client=si, case_id=case_id)["events"][-1]["comment"] == "Interne à la mairie"
