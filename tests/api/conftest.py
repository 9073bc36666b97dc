"""A real API server on loopback (uvicorn in a thread) over the test database, and clients that check every
response against the reference contract."""

import socket
import threading
import time

import httpx
import pytest
import uvicorn

from core.db import session_scope
from tests.api.contract import CONTRACT_PATH, Contract
from tests.api.world import SECRET, build_world


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def api_url(engine):
    """The API served by uvicorn on a free loopback port for the whole session."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config("api.main:app", host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the API server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def contract():
    if not CONTRACT_PATH.exists():
        pytest.fail(
            f"Contrat de référence introuvable : {CONTRACT_PATH} (le dossier shared/ doit être à côté du dépôt)"
        )
    return Contract()


@pytest.fixture
def world(db):
    """The small world of tests/api/world.py, committed so that the server sees it; wiped after the test."""
    with session_scope(db) as s:
        return build_world(s)


class Api:
    """HTTP to the box as a HubEE client does it: a token per client, every response checked."""

    def __init__(self, base_url: str, contract: Contract):
        self.base_url = base_url
        self.contract = contract
        self.http = httpx.Client(base_url=base_url, timeout=30, event_hooks={"response": [self._check]})

    def _check(self, response: httpx.Response) -> None:
        response.read()
        if self.contract is not None:
            self.contract.check(response)

    def token(self, client_id: str, scope: str, secret: str = SECRET) -> str:
        response = self.http.post(
            "/oauth2/token", data={"grant_type": "client_credentials", "scope": scope}, auth=(client_id, secret)
        )
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def as_client(self, client_id: str, scope: str) -> httpx.Client:
        """A client for /teledossiers/v1 carrying this client's bearer token."""
        headers = {"Authorization": f"Bearer {self.token(client_id, scope)}"}
        return httpx.Client(
            base_url=self.base_url + "/teledossiers/v1",
            headers=headers,
            timeout=30,
            event_hooks={"response": [self._check]},
        )


@pytest.fixture
def api(api_url, contract):
    instance = Api(api_url, contract)
    yield instance
    instance.http.close()
