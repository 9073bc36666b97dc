"""A small world for the API tests: four communes, API and portal subscriptions, two operator clients."""

import io
from dataclasses import dataclass
from datetime import UTC, datetime

from core.models import AccessMode, Organization, SubscriptionStatus
from core.services.api_clients import hash_client_secret
from core.services.api_operator_clients import create_operator_client
from tests.factories import make_organization, subscribe

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
SECRET = "Secret-de-test-2026"
# (commune, démarche, access mode, status)
SUBSCRIPTIONS = (
    ("A", "EtatCivil", AccessMode.API, SubscriptionStatus.ACTIF),
    ("A", "JeChangeDeCoordonnees", AccessMode.API, SubscriptionStatus.ACTIF),
    ("A", "CERTDC", AccessMode.API, SubscriptionStatus.ACTIF),
    ("B", "JeChangeDeCoordonnees", AccessMode.API, SubscriptionStatus.ACTIF),
    ("B", "EtatCivil", AccessMode.PORTAIL, SubscriptionStatus.ACTIF),
    ("C", "JeChangeDeCoordonnees", AccessMode.PORTAIL, SubscriptionStatus.ACTIF),
    ("C", "depotDossierPACS", AccessMode.API, SubscriptionStatus.SUSPENDU),
    ("D", "JeChangeDeCoordonnees", None, SubscriptionStatus.INACTIF),
)
OPERATORS = ("DILA", "DGS")


@dataclass
class World:
    organizations: dict[str, Organization]
    subscription_ids: dict[tuple[str, str], int]

    def siret(self, key: str) -> str:
        return self.organizations[key].siret

    @staticmethod
    def si_client(key: str, process_code: str) -> str:
        return f"si-{key.lower()}-{process_code.lower()}"

    @staticmethod
    def osl_client(operator_code: str) -> str:
        return f"osl-{operator_code.lower()}-test"


def build_world(session, now: datetime = NOW) -> World:
    """Create the world in `session` (flushed, not committed)."""
    organizations = {key: make_organization(session, name=f"Commune {key}") for key in "ABCD"}
    secret_hash = hash_client_secret(SECRET)
    ids = {}
    for key, code, mode, status in SUBSCRIPTIONS:
        subscription = subscribe(session, organizations[key], code, access_mode=mode, status=status)
        if mode is AccessMode.API:
            subscription.api_client_id = World.si_client(key, code)
            subscription.api_secret_hash = secret_hash
            subscription.editor_name = "Éditeur de test"
        ids[key, code] = subscription.id
    for code in OPERATORS:
        create_operator_client(
            session, actor=None, operator_code=code, now=now, client_id=World.osl_client(code), secret=SECRET
        )
    session.flush()
    return World(organizations, ids)


def folder_payload(world: World, external_id: str, process_code: str, recipients: list[str], files=None) -> dict:
    """A createFolder body: one case per recipient commune, `files` as (name, bytes)."""
    files = files or [(f"{external_id}.xml", b"<demande/>"), (f"{external_id}.pdf", b"%PDF-1.4 test")]
    return {
        "processCode": process_code,
        "externalId": external_id,
        "applicant": {"firstName": "Jeanne", "lastName": "Martin", "email": "jeanne.martin@exemple.test"},
        "cases": [
            {
                "recipient": {"type": "SI", "companyRegister": world.siret(key), "branchCode": "26395"},
                "externalId": f"{external_id}-{i:02d}",
            }
            for i, key in enumerate(recipients, start=1)
        ],
        "attachments": [
            {
                "fileName": name,
                "type": "Document principal" if i == 0 else "Justificatif",
                "size": len(content),
                "mimeType": "application/pdf" if name.endswith(".pdf") else "application/xml",
                "recipients": [f"{external_id}-{j:02d}" for j in range(1, len(recipients) + 1)],
            }
            for i, (name, content) in enumerate(files)
        ],
    }


def stream(content: bytes) -> io.BytesIO:
    return io.BytesIO(content)
