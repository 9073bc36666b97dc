"""Bad input never leaves partial state, repeated requests are safe, partner headers are kept."""

import hashlib
from concurrent.futures import ThreadPoolExecutor

from sqlmodel import select

from core.config import get_settings
from core.db import session_scope
from core.models import Attachment, AttachmentStatus, Case, Event
from core.storage import get_store
from tests.api.flows import PDF, XML, digest, send_folder
from tests.api.world import folder_payload

PARTNER = {"editorName": "Editeur Test", "applicationName": "Connecteur HubEE", "softwareVersion": "4.2.1"}


def _pending(dila, world, number, content: bytes):
    files = [(f"{number}.xml", content)]
    folder = dila.post("/folders", json=folder_payload(world, number, "EtatCivil", ["A"], files)).json()
    return folder, {a["fileName"]: a["id"] for a in folder["attachments"]}


def test_oversize_and_mismatched_uploads_are_refused_leaving_nothing(api, world, monkeypatch):
    dila = api.as_client("osl-dila-test", "OSL")
    content = b"<demande numero='EC-500'/>"
    folder, files = _pending(dila, world, "EC-500", content)
    stored_before = set(get_store().stored_hashes())
    url = f"/folders/{folder['id']}/attachments/{files['EC-500.xml']}"
    monkeypatch.setattr(get_settings(), "max_attachment_bytes", 16)
    oversize = dila.put(url, content=b"x" * 17)
    assert oversize.status_code == 400 and "taille maximale" in oversize.json()["errors"][0]["message"]
    monkeypatch.undo()
    mismatch = dila.put(url, content=content, headers={"digest": digest(b"autre contenu")})
    assert mismatch.status_code == 400 and "empreinte" in mismatch.json()["errors"][0]["message"].lower()
    truncated = dila.put(url, content=content[:-1])
    assert truncated.status_code == 400 and "annoncés" in truncated.json()["errors"][0]["message"]
    bad_header = dila.put(url, content=content, headers={"digest": "pas-une-empreinte"})
    assert bad_header.status_code == 400
    with session_scope() as s:
        assert {a.status for a in s.exec(select(Attachment))} == {AttachmentStatus.PENDING}
    assert set(get_store().stored_hashes()) == stored_before
    assert dila.patch(f"/folders/{folder['id']}", json={"globalStatus": "HUBEE_COMPLETED"}).status_code == 400
    with session_scope() as s:
        assert s.exec(select(Case)).first() is None  # an incomplete folder reaches nobody
    assert dila.put(url, content=content, headers={"digest": f"SHA-256={digest(content)}"}).status_code == 204
    assert set(get_store().stored_hashes()) - stored_before == {hashlib.sha256(content).hexdigest()}


def test_repeated_requests_are_safe(api, world):
    dila = api.as_client("osl-dila-test", "OSL")
    folder = send_folder(dila, world, "EC-600", "EtatCivil", ["A"])
    again = dila.post("/folders", json=folder_payload(world, "EC-600", "EtatCivil", ["A"]))
    assert again.status_code == 400 and folder["id"] in again.json()["errors"][0]["message"]
    assert dila.patch(f"/folders/{folder['id']}", json={"globalStatus": "HUBEE_COMPLETED"}).status_code == 204
    xml = next(a for a in folder["attachments"] if a["fileName"].endswith(".xml"))
    same = dila.put(f"/folders/{folder['id']}/attachments/{xml['id']}", content=XML)
    assert same.status_code == 204
    other = dila.put(f"/folders/{folder['id']}/attachments/{xml['id']}", content=PDF)
    assert other.status_code == 400
    si = api.as_client("si-a-etatcivil", "SI")
    case_id = folder["cases"][0]["id"]
    for _ in range(2):
        assert si.patch(f"/cases/{case_id}", json={"status": "SI_RECEIVED"}).status_code == 204
        event = {"actionType": "STATUS_UPDATE", "caseNewStatus": "SI_RECEIVED", "message": "Reçu"}
        assert si.post(f"/cases/{case_id}/events", json=event).status_code == 201
    [notification] = si.get("/notifications").json()
    assert si.delete(f"/notifications/{notification['id']}").status_code == 204
    assert si.delete(f"/notifications/{notification['id']}").status_code == 404
    with session_scope() as s:
        assert len(s.exec(select(Case)).all()) == 1
        updates = [e for e in s.exec(select(Event)) if e.action_type.value == "STATUS_UPDATE"]
        assert len(updates) == 1 and updates[0].message == "Reçu"


def test_partner_headers_are_kept_with_folders_and_events(api, world):
    dila = api.as_client("osl-dila-test", "OSL")
    created = dila.post("/folders", json=folder_payload(world, "EC-700", "EtatCivil", ["A"]), headers=PARTNER)
    assert created.json()["partnerInfo"] == PARTNER
    folder = send_folder(dila, world, "EC-701", "EtatCivil", ["A"])
    si = api.as_client("si-a-etatcivil", "SI")
    event = si.post(
        f"/cases/{folder['cases'][0]['id']}/events", json={"actionType": "COM_ADD", "comment": "Vu"}, headers=PARTNER
    )
    assert event.json()["partnerInfo"] == PARTNER and event.json()["author"] == "Éditeur de test"
    too_long = dila.get(f"/folders/{folder['id']}", headers={"editorName": "x" * 51})
    assert too_long.status_code == 400


def test_simultaneous_completions_deliver_once(api, world):
    dila = api.as_client("osl-dila-test", "OSL")
    content = b"<demande numero='EC-800'/>"
    folder, files = _pending(dila, world, "EC-800", content)
    assert dila.put(f"/folders/{folder['id']}/attachments/{files['EC-800.xml']}", content=content).status_code == 204
    with ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(
                lambda _: dila.patch(f"/folders/{folder['id']}", json={"globalStatus": "HUBEE_COMPLETED"}).status_code,
                range(4),
            )
        )
    assert answers == [204] * 4
    with session_scope() as s:
        assert len(s.exec(select(Case)).all()) == 1
