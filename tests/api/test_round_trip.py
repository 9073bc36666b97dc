"""The full exchange over real HTTP: operators send, business software takes and answers, operators close.

Three communes, three démarches, two operators; a JeChangeDeCoordonnees folder goes to three communes at
once (two take it through the API, one through the portal). Every response is checked against the contract.
"""

import uuid

from sqlmodel import select

from core.db import session_scope
from core.models import Case, CaseStatus, Event, EventAction
from tests.api.flows import PDF, digest, send_folder
from tests.api.world import World


def take(si, case_id: str) -> dict:
    """What a business software does with a new case: read it, download every file, checking its digest."""
    case = si.get(f"/cases/{case_id}").json()
    for attachment in case["attachments"]:
        download = si.get(f"/cases/{case_id}/attachments/{attachment['id']}")
        assert download.status_code == 200
        assert download.headers["digest"] == digest(download.content) and len(download.content) == attachment["size"]
    return case


def move(si, case_id: str, status: str, message: str | None = None) -> dict:
    """The contract's sequence: PATCH the case, then post the STATUS_UPDATE event."""
    assert si.patch(f"/cases/{case_id}", json={"status": status}).status_code == 204
    event = {"actionType": "STATUS_UPDATE", "caseNewStatus": status, "message": message, "notification": True}
    response = si.post(f"/cases/{case_id}/events", json=event)
    assert response.status_code == 201, response.text
    return response.json()


def drain(client) -> list[dict]:
    """Poll the queue, then delete what was read."""
    notifications = client.get("/notifications", params={"eventDetails": "true"}).json()
    for notification in notifications:
        assert client.delete(f"/notifications/{notification['id']}").status_code == 204
    return notifications


def test_operator_to_software_to_operator(api, world: World):
    dila = api.as_client(World.osl_client("DILA"), "OSL")
    dgs = api.as_client(World.osl_client("DGS"), "OSL")
    si = {
        key: api.as_client(World.si_client(*key), "SI")
        for key in [("A", "JeChangeDeCoordonnees"), ("B", "JeChangeDeCoordonnees"), ("A", "EtatCivil"), ("A", "CERTDC")]
    }
    jcc = send_folder(dila, world, "JCC-100", "JeChangeDeCoordonnees", ["A", "B", "C"])
    etat_civil = send_folder(dila, world, "EC-100", "EtatCivil", ["A"])
    deces = send_folder(dgs, world, "DC-100", "CERTDC", ["A"])
    assert jcc["globalStatus"] == "HUBEE_NOTIFIED" and {c["status"] for c in jcc["cases"]} == {"HUBEE_NOTIFIED"}
    case_a, case_b, case_c = (c["id"] for c in jcc["cases"])

    # Each software sees exactly its subscription's new case.
    assert [n["caseId"] for n in drain(si["A", "EtatCivil"])] == [etat_civil["cases"][0]["id"]]
    assert [n["caseId"] for n in drain(si["A", "CERTDC"])] == [deces["cases"][0]["id"]]
    assert [n["caseId"] for n in drain(si["B", "JeChangeDeCoordonnees"])] == [case_b]
    [news] = drain(si["A", "JeChangeDeCoordonnees"])
    assert news["caseId"] == case_a and news["transmitter"]["companyRegister"] == "13000918600011"

    # Commune A's software takes its case and asks the usager for a complement.
    a = si["A", "JeChangeDeCoordonnees"]
    case = take(a, case_a)
    assert case["applicant"]["lastName"] == "Martin" and len(case["attachments"]) == 2
    move(a, case_a, "SI_RECEIVED")
    move(a, case_a, "IN_PROGRESS")
    request = a.post(
        f"/cases/{case_a}/events",
        json={"actionType": "STATUS_UPDATE", "caseNewStatus": "ADD_AWAITING", "message": "Joindre un justificatif"},
    )
    assert request.status_code == 201 and request.json()["caseCurrentStatus"] == "IN_PROGRESS"

    # DILA hears of each step, and of the message to the usager.
    heard = drain(dila)
    assert [n["event"]["caseNewStatus"] for n in heard] == [
        "SI_RECEIVED",
        "IN_PROGRESS",
        "ADD_AWAITING",
        "ADD_AWAITING",
    ]
    # The complement request is a status change and a message to the usager, written in the same instant.
    message = next(n for n in heard if n["event"]["actionType"] == "SENDING_MESSAGE")
    assert message["event"]["message"] == "Joindre un justificatif"
    assert {n["transmitter"]["companyRegister"] for n in heard} == {world.siret("A")}
    ack = dila.patch(f"/cases/{case_a}/events/{message['eventId']}", json={"status": "RECEIVED"})
    assert ack.status_code == 204

    # The usager's complement comes back through DILA: the case is Nouveau again for A's software.
    deposit = dila.post(
        f"/cases/{case_a}/events",
        json={
            "actionType": "ATTACH_DEPOSIT",
            "message": "Justificatif ajouté",
            "attachments": [
                {"fileName": "justificatif.pdf", "type": "Complément", "size": len(PDF), "mimeType": "application/pdf"}
            ],
        },
    ).json()
    file_id = deposit["attachments"][0]["id"]
    put = dila.put(
        f"/cases/{case_a}/events/{deposit['id']}/attachments/{file_id}", content=PDF, headers={"digest": digest(PDF)}
    )
    assert put.status_code == 204
    assert a.get(f"/cases/{case_a}", params={"lite": "true"}).json()["status"] == "HUBEE_NOTIFIED"
    [complement] = drain(a)
    assert complement["eventId"] == deposit["id"] and complement["event"]["transmitter"]["type"] == "OSL"
    back = a.get(f"/cases/{case_a}/events/{deposit['id']}/attachments/{file_id}")
    assert back.content == PDF and back.headers["digest"] == digest(PDF)

    # Done by A; B's software reports an integration error; DILA closes the folder and every case in it.
    move(a, case_a, "IN_PROGRESS")
    move(a, case_a, "DONE", "Coordonnées mises à jour")
    move(si["B", "JeChangeDeCoordonnees"], case_b, "SI_INTG_ERROR", "Format inattendu")
    assert dila.patch(f"/folders/{jcc['id']}", json={"globalStatus": "CLOSED"}).status_code == 204
    closed = dila.get(f"/folders/{jcc['id']}").json()
    assert closed["globalStatus"] == "CLOSED" and closed["closeDateTime"]
    assert [n["event"]["caseNewStatus"] for n in drain(si["B", "JeChangeDeCoordonnees"])] == ["CLOSED"]
    assert a.get(f"/cases/{case_a}/attachments/{case['attachments'][0]['id']}").status_code == 403  # closed

    with session_scope() as s:
        statuses = {str(c.id): c.status for c in s.exec(select(Case))}
        updates = s.exec(
            select(Event).where(Event.case_id == uuid.UUID(case_c), Event.action_type == EventAction.STATUS_UPDATE)
        )
        assert [e.case_status_after for e in updates] == [CaseStatus.CLOSED]  # the portal commune's case
    assert statuses[case_a] is statuses[case_b] is statuses[case_c] is CaseStatus.CLOSED
    assert statuses[etat_civil["cases"][0]["id"]] is CaseStatus.HUBEE_NOTIFIED
    for client in [dila, dgs, *si.values()]:
        client.close()
