"""Who gets in, and what each client reaches: the token endpoint, expiry, revocation, isolation."""

import uuid
from datetime import timedelta

import httpx
import pytest

from core import clock
from core.db import session_scope
from core.services.api_clients import revoke_tokens_for_subscription
from tests.api.flows import send_folder
from tests.api.world import NOW, SECRET, World, folder_payload


def test_token_endpoint_speaks_oauth2(api, world):
    basic = api.http.post(
        "/oauth2/token", data={"grant_type": "client_credentials", "scope": "SI"}, auth=("si-a-etatcivil", SECRET)
    )
    assert basic.status_code == 200 and basic.headers["cache-control"] == "no-store"
    assert basic.json()["token_type"] == "Bearer" and basic.json()["expires_in"] == 3600
    in_body = api.http.post(
        "/token",  # the contract's tokenUrl, as well
        data={"grant_type": "client_credentials", "client_id": "osl-dila-test", "client_secret": SECRET},
    )
    assert in_body.status_code == 200 and in_body.json()["scope"] == "OSL"
    wrong = api.http.post("/oauth2/token", data={"grant_type": "client_credentials"}, auth=("si-a-etatcivil", "x"))
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert wrong.json()["errors"][0]["message"] == "Identifiant client ou clé secrète incorrect."
    grant = api.http.post("/oauth2/token", data={"grant_type": "password"}, auth=("si-a-etatcivil", SECRET))
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    scope = api.http.post(
        "/oauth2/token", data={"grant_type": "client_credentials", "scope": "OSL"}, auth=("si-a-etatcivil", SECRET)
    )
    assert scope.status_code == 400 and scope.json()["error"] == "invalid_scope"


def test_token_expires_after_one_hour(api, world, monkeypatch):
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)
    si = api.as_client("si-a-etatcivil", "SI")
    assert si.get("/notifications").status_code == 200
    monkeypatch.setattr(clock, "utcnow", lambda: NOW + timedelta(minutes=59, seconds=59))
    assert si.get("/notifications").status_code == 200
    monkeypatch.setattr(clock, "utcnow", lambda: NOW + timedelta(hours=1))
    expired = si.get("/notifications")
    assert expired.status_code == 401 and "expiré" in expired.json()["errors"][0]["message"]


def test_regenerated_secret_kills_live_tokens(api, world):
    si = api.as_client("si-a-etatcivil", "SI")
    other = api.as_client("si-b-jechangedecoordonnees", "SI")
    with session_scope() as s:
        revoke_tokens_for_subscription(s, subscription_id=world.subscription_ids["A", "EtatCivil"], now=clock.utcnow())
    assert si.get("/notifications").status_code == 401
    assert other.get("/notifications").status_code == 200


def test_no_client_reaches_what_is_not_its_own(api, world):
    dila = api.as_client("osl-dila-test", "OSL")
    folder = send_folder(dila, world, "JCC-400", "JeChangeDeCoordonnees", ["A", "B"])
    case_a, case_b = (c["id"] for c in folder["cases"])
    file_id = folder["attachments"][0]["id"]
    si_a = api.as_client(World.si_client("A", "JeChangeDeCoordonnees"), "SI")
    strangers = [
        api.as_client(World.si_client("B", "JeChangeDeCoordonnees"), "SI"),  # another commune
        api.as_client(World.si_client("A", "EtatCivil"), "SI"),  # the same commune, another démarche
        api.as_client(World.osl_client("DGS"), "OSL"),  # another operator
    ]
    unknown = si_a.get(f"/cases/{uuid.uuid4()}")
    assert unknown.status_code == 404
    for stranger in strangers[1:]:
        for path in (f"/cases/{case_a}", f"/cases/{case_a}/attachments/{file_id}"):
            response = stranger.get(path)
            assert response.status_code == 404 and response.json() == unknown.json(), path  # nothing leaks
        assert stranger.patch(f"/cases/{case_a}", json={"status": "DONE"}).status_code == 404
        assert (
            stranger.post(f"/cases/{case_a}/events", json={"actionType": "COM_ADD", "comment": "x"}).status_code == 404
        )
    assert strangers[0].get(f"/cases/{case_b}").status_code == 200
    assert strangers[0].get(f"/cases/{case_a}").status_code == 404
    assert strangers[2].get(f"/folders/{folder['id']}").status_code == 404
    assert si_a.get(f"/folders/{folder['id']}").status_code == 403
    as_operator = si_a.post("/folders", json=folder_payload(world, "JCC-401", "JeChangeDeCoordonnees", ["A"]))
    assert as_operator.status_code == 403  # a software never sends folders, even for its own démarche
    assert si_a.patch(f"/cases/{case_a}", json={"status": "CLOSED"}).status_code == 400  # only the operator closes
    assert dila.patch(f"/cases/{case_a}", json={"status": "DONE"}).status_code == 403  # the operator only closes
    for client in [dila, si_a, *strangers]:
        client.close()


@pytest.mark.parametrize("header", ["Bearer pas-un-jeton", "Basic abc", ""])
def test_requests_without_a_valid_token_are_refused(api_url, api, header):
    with httpx.Client(base_url=api_url, event_hooks={"response": [api._check]}) as anonymous:
        response = anonymous.get("/teledossiers/v1/notifications", headers={"Authorization": header} if header else {})
    assert response.status_code == 401 and response.json()["errors"][0]["code"] == 401
