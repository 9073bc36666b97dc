"""Conformance: every implemented operation of the contract, its success and its errors, through real HTTP.

The `api` fixture validates each response against the reference YAML (tests/api/contract.py); these tests make
sure every operation is exercised, with the status codes the contract gives.
"""

import uuid

import httpx

from tests.api.flows import PDF, digest, send_folder
from tests.api.world import World, folder_payload

IMPLEMENTED = {
    ("listNotification", 200),
    ("deleteNotification", 204),
    ("createFolder", 201),
    ("getFolderById", 200),
    ("updateFolder", 204),
    ("updateFolderWithPost", 204),
    ("deleteFolder", 204),
    ("uploadFolderAttachment", 204),
    ("getCaseById", 200),
    ("updateCase", 204),
    ("updateCaseWithPost", 204),
    ("downloadCaseAttachmentById", 200),
    ("createEvent", 201),
    ("getEventById", 200),
    ("updateEvent", 204),
    ("updateEventWithPost", 204),
    ("deleteEvent", 204),
    ("uploadEventAttachment", 204),
    ("downloadEventAttachmentById", 200),
}
OVERRIDE = {"X-HTTP-Method-Override": "PATCH"}


def test_every_operation_answers_as_the_contract_says(api, world):
    dila = api.as_client(World.osl_client("DILA"), "OSL")
    si = api.as_client(World.si_client("A", "EtatCivil"), "SI")
    api.contract.seen.clear()  # what this test alone exercises
    folder = send_folder(dila, world, "EC-200", "EtatCivil", ["A"])
    case_id, file_id = folder["cases"][0]["id"], folder["attachments"][0]["id"]
    pending = dila.post("/folders", json=folder_payload(world, "EC-201", "EtatCivil", ["A"])).json()
    assert dila.delete(f"/folders/{pending['id']}").status_code == 204

    [notification] = si.get("/notifications", params={"maxResult": 10, "processCode": "EtatCivil"}).json()
    assert si.get(f"/cases/{case_id}").json()["id"] == case_id
    assert si.get(f"/cases/{case_id}/attachments/{file_id}").status_code == 200
    assert si.patch(f"/cases/{case_id}", json={"status": "SI_RECEIVED"}).status_code == 204
    assert si.post(f"/cases/{case_id}", json={"status": "IN_PROGRESS"}, headers=OVERRIDE).status_code == 204
    message = si.post(f"/cases/{case_id}/events", json={"actionType": "SENDING_MESSAGE", "message": "Bonjour"}).json()
    assert si.get(f"/cases/{case_id}/events/{message['id']}").json()["message"] == "Bonjour"
    assert dila.patch(f"/cases/{case_id}/events/{message['id']}", json={"status": "RECEIVED"}).status_code == 204
    again = dila.post(f"/cases/{case_id}/events/{message['id']}", json={"status": "RECEIVED"}, headers=OVERRIDE)
    assert again.status_code == 204
    assert si.delete(f"/notifications/{notification['id']}").status_code == 204

    files = [{"fileName": "copie.pdf", "type": "Acte", "size": len(PDF), "mimeType": "application/pdf"}]
    deposit = si.post(f"/cases/{case_id}/events", json={"actionType": "ATTACH_DEPOSIT", "attachments": files}).json()
    upload = f"/cases/{case_id}/events/{deposit['id']}/attachments/{deposit['attachments'][0]['id']}"
    assert si.put(upload, content=PDF, headers={"digest": digest(PDF)}).status_code == 204
    assert dila.get(upload).content == PDF
    withdrawn = si.post(f"/cases/{case_id}/events", json={"actionType": "ATTACH_DEPOSIT", "attachments": files}).json()
    assert si.delete(f"/cases/{case_id}/events/{withdrawn['id']}").status_code == 204
    closing = dila.post(f"/folders/{folder['id']}", json={"globalStatus": "CLOSED"}, headers=OVERRIDE)
    assert closing.status_code == 204

    missing = IMPLEMENTED - api.contract.seen
    assert not missing, f"operations never exercised: {sorted(missing)}"


def test_errors_take_the_contract_shape_and_codes(api, world, api_url):
    dila = api.as_client(World.osl_client("DILA"), "OSL")
    si = api.as_client(World.si_client("A", "EtatCivil"), "SI")
    folder = send_folder(dila, world, "EC-300", "EtatCivil", ["A"])
    case_id = folder["cases"][0]["id"]

    def error(response: httpx.Response, status: int) -> str:
        assert response.status_code == status, response.text
        [item] = response.json()["errors"]
        assert item["code"] == status and item["message"]
        return item["message"]

    assert "maxResult" in error(si.get("/notifications", params={"maxResult": "beaucoup"}), 400)
    assert "UUID" in error(si.delete("/notifications/dddddd"), 400)
    error(si.delete(f"/notifications/{uuid.uuid4()}"), 404)
    body = folder_payload(world, "EC-301", "EtatCivil", ["A"])
    del body["applicant"]
    assert "applicant" in error(dila.post("/folders", json=body), 400)
    error(si.get(f"/folders/{folder['id']}"), 403)
    error(dila.get(f"/folders/{uuid.uuid4()}"), 404)
    error(dila.post(f"/folders/{folder['id']}", json={"globalStatus": "CLOSED"}), 405)
    assert "Passage impossible" in error(si.patch(f"/cases/{case_id}", json={"status": "CLOSED"}), 400)
    error(si.get(f"/cases/{case_id}/events/{uuid.uuid4()}"), 404)
    with httpx.Client(base_url=api_url + "/teledossiers/v1", event_hooks={"response": [api._check]}) as anonymous:
        response = anonymous.get("/notifications")
        assert "Jeton" in error(response, 401) and response.headers["www-authenticate"].startswith("Bearer")


def test_the_openapi_document_describes_the_api(api):
    document = api.http.get("/openapi.json").json()
    paths = document["paths"]
    for path, methods in {
        "/teledossiers/v1/notifications": {"get"},
        "/teledossiers/v1/folders/{folderId}": {"get", "patch", "post", "delete"},
        "/teledossiers/v1/cases/{caseId}/events/{eventId}/attachments/{attachmentId}": {"put", "get"},
        "/oauth2/token": {"post"},
    }.items():
        assert methods <= set(paths[path]), path
    assert document["info"]["version"] == "1.2.7"
    assert api.http.get("/healthz").json() == {"status": "ok", "database": "ok"}
