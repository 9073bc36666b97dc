"""The demo's operator client: DILA's credentials (scope OSL), printed by `make run` and listed in the README,
so that both sides of the API — the operator's and the business software's — can be tried with curl at once."""

from datetime import datetime

from sqlmodel import Session

from core.models import OperatorClient
from core.services.api_operator_clients import create_operator_client

DEMO_OSL_CLIENT_ID = "demo-dila"
DEMO_OSL_SECRET = "Dila-Demo-2026!"


def create_demo_operator_client(session: Session, *, now: datetime) -> OperatorClient:
    """DILA's API client with the demo's fixed credentials."""
    client, _ = create_operator_client(
        session,
        actor=None,
        operator_code="DILA",
        label="Démonstration (make run)",
        now=now,
        client_id=DEMO_OSL_CLIENT_ID,
        secret=DEMO_OSL_SECRET,
    )
    return client
