"""Steps of an operator's and a business software's work over HTTP, shared by the API tests and the bench."""

import base64
import hashlib

from tests.api.world import folder_payload

XML, PDF = b"<EnveloppeMetierType>changement</EnveloppeMetierType>", b"%PDF-1.4 justificatif de domicile"


def digest(content: bytes) -> str:
    return base64.b64encode(hashlib.sha256(content).digest()).decode()


def send_folder(osl, world, number, code, recipients, files=(("x.xml", XML), ("x.pdf", PDF))) -> dict:
    """Create, upload every file with its digest, complete: what an operator does for one folder."""
    files = [(name.replace("x.", f"{number}."), content) for name, content in files]
    created = osl.post("/folders", json=folder_payload(world, number, code, recipients, files))
    assert created.status_code == 201, created.text
    folder = created.json()
    assert folder["globalStatus"] == "HUBEE_RECEIVED" and len(folder["cases"]) == len(recipients)
    contents = dict(files)
    for attachment in folder["attachments"]:
        content = contents[attachment["fileName"]]
        put = osl.put(
            f"/folders/{folder['id']}/attachments/{attachment['id']}",
            content=content,
            headers={"Content-Type": "application/octet-stream", "digest": digest(content)},
        )
        assert put.status_code == 204, put.text
    assert osl.patch(f"/folders/{folder['id']}", json={"globalStatus": "HUBEE_COMPLETED"}).status_code == 204
    return osl.get(f"/folders/{folder['id']}").json()
