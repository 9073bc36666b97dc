"""The credentials that `make run` prints and the README lists open both sides of the API on the demo data."""

from core.db import session_scope
from core.demo import DEMO_API_CLIENT_ID, DEMO_API_SECRET, DEMO_OSL_CLIENT_ID, DEMO_OSL_SECRET, load_demo_data
from core.demo.world import MONTCLAR
from tests.api.world import NOW


def test_demo_credentials_work_for_both_flows(api, db):
    with session_scope(db) as s:
        load_demo_data(s, now=NOW)
    software = api.http.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "SI"},
        auth=(DEMO_API_CLIENT_ID, DEMO_API_SECRET),
    )
    operator = api.http.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "OSL"},
        auth=(DEMO_OSL_CLIENT_ID, DEMO_OSL_SECRET),
    )
    assert software.status_code == operator.status_code == 200
    si = {"Authorization": f"Bearer {software.json()['access_token']}"}
    osl = {"Authorization": f"Bearer {operator.json()['access_token']}"}
    waiting = api.http.get("/teledossiers/v1/notifications", headers=si).json()
    assert waiting and {n["processCode"] for n in waiting} == {"EtatCivil"}
    case = api.http.get(f"/teledossiers/v1/cases/{waiting[0]['caseId']}", headers=si).json()
    assert case["recipient"]["companyRegister"] == MONTCLAR.siret and case["status"] == "HUBEE_NOTIFIED"
    folder = {
        "processCode": "EtatCivil",
        "externalId": "DEMO-CURL-0001",
        "applicant": {"firstName": "Jeanne", "lastName": "Martin"},
        "cases": [{"recipient": {"type": "SI", "companyRegister": MONTCLAR.siret, "branchCode": "26395"},
                   "externalId": "DEMO-CURL-0001-01"}],
        "attachments": [{"fileName": "demande.xml", "type": "Document principal", "size": 10,
                         "mimeType": "application/xml", "recipients": ["DEMO-CURL-0001-01"]}],
    }  # fmt: skip
    created = api.http.post("/teledossiers/v1/folders", json=folder, headers=osl)
    assert created.status_code == 201, created.text
