"""Every API response carries an `X-Request-ID`: the caller's (or the proxy's) when sane, else a new one."""

import httpx


def test_a_request_id_is_generated_and_returned(api_url):
    first = httpx.get(f"{api_url}/healthz")
    second = httpx.get(f"{api_url}/healthz")
    assert first.status_code == 200
    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert all(len(i) == 32 for i in ids) and ids[0] != ids[1]


def test_the_given_request_id_comes_back_even_on_an_error(api_url):
    ok = httpx.get(f"{api_url}/healthz", headers={"X-Request-ID": "nginx-0123456789abcdef"})
    assert ok.headers.get_list("x-request-id") == ["nginx-0123456789abcdef"]
    refused = httpx.get(f"{api_url}/teledossiers/v1/notifications", headers={"X-Request-ID": "client-req-0001"})
    assert refused.status_code == 401 and refused.headers["x-request-id"] == "client-req-0001"


def test_an_unsafe_request_id_is_replaced(api_url):
    response = httpx.get(f"{api_url}/healthz", headers={"X-Request-ID": "bad id; injected"})
    assert response.headers["x-request-id"] != "bad id; injected" and len(response.headers["x-request-id"]) == 32
