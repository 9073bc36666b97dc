"""The API Particulier client against a local HTTP server replaying the staging test cases (../shared/reference)."""

import json
import socket
import threading
import time
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from core.quotient_familial.api_particulier import CLOSED, PATH, REJECTED, TOO_MANY, TOO_SLOW, ApiParticulierProvider
from core.quotient_familial.base import NOT_FOUND, UNAVAILABLE, PivotIdentity, QFNotFound, QFUnavailable
from tests.unit.french import assert_french_sentence

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
STAGING = SHARED / "reference" / "api-particulier-qf-staging"
TOKEN = "jeton-de-test"
SIRET = "21260271000015"


def _cases() -> list[tuple[str, dict]]:
    return [(path.stem, yaml.safe_load(path.read_text(encoding="utf-8"))) for path in sorted(STAGING.glob("*.yaml"))]


CASES = _cases()
# Without shared/, one case that fails and says why: a missing reference must never pass as skipped.
PARAMS = CASES or [("staging-absent", None)]


def _wire(params: dict) -> dict[str, object]:
    """A query as the server sees it: every value a string, prenoms[] a list."""
    return {
        ("prenoms[]" if key == "prenoms" else key): [str(v) for v in value] if key == "prenoms" else str(value)
        for key, value in params.items()
    }


class Replay(BaseHTTPRequestHandler):
    cases: list[dict] = []
    unmatched: list[dict] = []
    delay = 0.0
    body_override: bytes | None = None

    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.delay:
            time.sleep(self.delay)
        url = urlsplit(self.path)
        query = {k: (v if k == "prenoms[]" else v[0]) for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        if url.path != PATH or self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._send(401, {"errors": [{"code": "50002", "title": "Jeton invalide"}]})
        if self.body_override is not None:
            return self._send(200, self.body_override)
        recipient = query.pop("recipient", None)
        for case in self.cases:
            if recipient == SIRET and query == _wire(case["params"]):
                return self._send(case["status"], case["payload"].encode())
        self.unmatched.append(query)
        return self._send(400, {"errors": [{"code": "00000", "title": "Aucun cas ne correspond"}]})

    def _send(self, status: int, body) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # keep the test output clean
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the timeout test hangs up before the answer: a broken pipe is expected there


@pytest.fixture(scope="module")
def server():
    Replay.cases = [case for _, case in CASES]
    httpd = QuietServer(("127.0.0.1", 0), Replay)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def replay(server):
    Replay.unmatched, Replay.delay, Replay.body_override = [], 0.0, None
    yield server
    Replay.delay, Replay.body_override = 0.0, None


def identity_of(params: dict) -> PivotIdentity:
    return PivotIdentity(
        family_name=params["nomNaissance"],
        given_names=tuple(params.get("prenoms", ())),
        sex=params["sexeEtatCivil"],
        birth_year=params.get("anneeDateNaissance"),
        birth_month=params.get("moisDateNaissance"),
        birth_day=params.get("jourDateNaissance"),
        birthplace=params.get("codeCogInseeCommuneNaissance"),
        birthcountry=params.get("codeCogInseePaysNaissance", "99100"),
    )


EXPECTED_ERRORS = {
    404: (QFNotFound, NOT_FOUND),
    429: (QFUnavailable, TOO_MANY),
    502: (QFUnavailable, UNAVAILABLE),
    504: (QFUnavailable, TOO_SLOW),
}


def test_the_staging_cases_are_there():
    assert STAGING.is_dir(), f"Cas de test API Particulier introuvables : {STAGING} (le dossier shared/ manque)"
    statuses = sorted({case["status"] for _, case in CASES})
    assert statuses == [200, 404, 429, 502, 504]
    assert sum(case["status"] == 200 for _, case in CASES) >= 15


@pytest.mark.parametrize(("name", "case"), PARAMS, ids=[name for name, _ in PARAMS])
def test_each_staging_case_is_answered_as_staging_does(replay, name, case):
    assert case is not None, f"Cas de test API Particulier introuvables : {STAGING}"
    provider = ApiParticulierProvider(replay, TOKEN, timeout=5)
    params = case["params"]
    ask = {
        "identity": identity_of(params),
        "recipient": SIRET,
        "year": params.get("annee"),
        "month": params.get("mois"),
    }
    if case["status"] == 200:
        result = provider.fetch(**ask)
        data = json.loads(case["payload"])["data"]
        assert asdict(result.quotient_familial) == data["quotient_familial"]
        assert [asdict(m) for m in result.allocataires] == data["allocataires"]
        assert [asdict(m) for m in result.enfants] == data["enfants"]
    else:
        kind, message = EXPECTED_ERRORS[case["status"]]
        with pytest.raises(kind) as raised:
            provider.fetch(**ask)
        assert raised.value.message == message
        assert_french_sentence(raised.value.message)
        assert f"HTTP {case['status']}" in raised.value.detail
    assert Replay.unmatched == [], "la requête envoyée ne correspond pas aux paramètres du cas"


def test_born_abroad_sends_the_country_only(replay):
    provider = ApiParticulierProvider(replay, TOKEN)
    identity = PivotIdentity("FAKIR", ("EYMEN", "MOHAMED"), "M", 1992, 11, 14, birthplace="75056", birthcountry="99350")
    result = provider.fetch(identity, recipient=SIRET)  # the commune typed by mistake is not sent
    assert result.quotient_familial.valeur == 4270
    assert result.enfants == ()


def test_a_wrong_token_closes_the_service(replay):
    with pytest.raises(QFUnavailable) as raised:
        ApiParticulierProvider(replay, "mauvais-jeton").fetch(
            identity_of({"nomNaissance": "X", "sexeEtatCivil": "F"}), recipient=SIRET
        )
    assert raised.value.message == CLOSED
    assert "HTTP 401" in raised.value.detail and "50002" in raised.value.detail


def test_no_token_configured_never_calls(replay):
    with pytest.raises(QFUnavailable) as raised:
        ApiParticulierProvider(replay, None).fetch(
            identity_of({"nomNaissance": "X", "sexeEtatCivil": "F"}), recipient=SIRET
        )
    assert raised.value.message == CLOSED


def test_an_unknown_identity_query_is_a_rejection(replay):
    identity = PivotIdentity("INCONNU", ("PAUL",), "M", 1970, 1, 1, "26362")
    with pytest.raises(QFNotFound) as raised:
        ApiParticulierProvider(replay, TOKEN).fetch(identity, recipient=SIRET)
    assert raised.value.message == REJECTED  # the replay answers 400 to anything it does not know
    assert Replay.unmatched and Replay.unmatched[0]["nomNaissance"] == "INCONNU"


def test_a_slow_provider_times_out(replay):
    Replay.delay = 1.0
    started = time.monotonic()
    with pytest.raises(QFUnavailable) as raised:
        ApiParticulierProvider(replay, TOKEN, timeout=0.2).fetch(identity_of(CASES[0][1]["params"]), recipient=SIRET)
    assert raised.value.message == TOO_SLOW
    assert time.monotonic() - started < 1.0


def test_an_unreachable_provider(replay):
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        closed_port = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with pytest.raises(QFUnavailable) as raised:
        ApiParticulierProvider(closed_port, TOKEN, timeout=2).fetch(identity_of(CASES[0][1]["params"]), recipient=SIRET)
    assert raised.value.message == UNAVAILABLE


@pytest.mark.parametrize("body", [b"<html>maintenance</html>", b'{"data": {"allocataires": []}}', b"{}"])
def test_an_unreadable_200_is_unavailable(replay, body):
    Replay.body_override = body
    with pytest.raises(QFUnavailable) as raised:
        ApiParticulierProvider(replay, TOKEN).fetch(identity_of(CASES[0][1]["params"]), recipient=SIRET)
    assert raised.value.message == UNAVAILABLE
    assert "200" in raised.value.detail


def test_a_record_without_qf_value_is_not_found(replay):
    Replay.body_override = json.dumps(
        {"data": {"allocataires": [], "enfants": [], "quotient_familial": {"fournisseur": "CNAF", "valeur": None}}}
    ).encode()
    with pytest.raises(QFNotFound) as raised:
        ApiParticulierProvider(replay, TOKEN).fetch(identity_of(CASES[0][1]["params"]), recipient=SIRET)
    assert_french_sentence(raised.value.message)


def test_every_status_message_is_french():
    for message in (CLOSED, REJECTED, TOO_MANY, TOO_SLOW, NOT_FOUND, UNAVAILABLE):
        assert_french_sentence(message)
