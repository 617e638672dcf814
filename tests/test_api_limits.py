"""The API's edges that a client or a proxy meets first: body limits and how long a token is trusted."""

from __future__ import annotations

import http.client
import json
import socket
import time
from urllib.parse import urlparse

import httpx
import pytest

pytestmark = pytest.mark.e2e

TWO_MIB = b'{"exercise_id": "sum-of-evens", "code": "' + b"x" * (2 * 1024 * 1024) + b'"}'


@pytest.fixture(scope="module")
def token(hub):
    hub.create_user("limits-lea")
    return hub.user_token("limits-lea")


def envelope(resp: httpx.Response, status: int) -> dict:
    assert resp.status_code == status, resp.text[:300]
    assert resp.headers["Content-Type"].startswith("application/json")
    return resp.json()["error"]


def direct_url(stack) -> str:
    """The API's own port, as the Hub's proxy reaches it."""
    return stack.api_url


def proxied_url(stack) -> str:
    """Through the Hub's public port and its proxy, as students and browsers reach it."""
    return f"{stack.hub_url}/services/codementor/api/v1"


@pytest.mark.parametrize("where", ["proxy", "direct"])
def test_a_body_over_the_limit_is_a_413_in_the_envelope(stack, token, where):
    base = proxied_url(stack) if where == "proxy" else direct_url(stack)
    headers = {"Authorization": f"token {token}"}
    err = envelope(httpx.post(f"{base}/submissions", content=TWO_MIB, headers=headers, timeout=60), 413)
    assert err["code"] == "payload_too_large" and "262144" in err["message"]

    def chunks():  # no Content-Length: the size is only known while reading
        for _ in range(32):
            yield b"y" * 65536

    err = envelope(httpx.post(f"{base}/hints", content=chunks(), headers=headers, timeout=60), 413)
    assert err["code"] == "payload_too_large"
    def many_chunks():  # 80 MiB, far over the limit and more than the proxy's first buffers: read and dropped, then the 413
        for _ in range(80):
            yield b"z" * (1024 * 1024)

    err = envelope(httpx.post(f"{base}/submissions", content=many_chunks(), headers=headers, timeout=120), 413)
    assert err["code"] == "payload_too_large"
    # an operation that reads no body refuses one over the limit too
    for path in ("/me/placement", "/me/placement/finish"):
        err = envelope(httpx.post(f"{base}{path}", content=b"z" * (2 * 1024 * 1024), headers=headers, timeout=60), 413)
        assert err["code"] == "payload_too_large"
    # the connection and the API are fine afterwards
    assert httpx.get(f"{base}/me", headers=headers, timeout=30).status_code == 200


def test_a_body_declared_far_too_large_is_refused_before_it_is_read(stack, token):
    url = urlparse(direct_url(stack))
    request = (
        f"POST {url.path}/submissions HTTP/1.1\r\nHost: {url.netloc}\r\nAuthorization: token {token}\r\n"
        "Content-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n{"
    ).encode()
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), head
    assert b'"payload_too_large"' in body


def test_a_client_waiting_for_100_continue_is_answered_413_before_it_sends_the_body(stack, token):
    """curl sends `Expect: 100-continue` for a large file and waits for a word before the body; the size is declared."""
    url = urlparse(direct_url(stack))
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=20)
    try:
        conn.putrequest("POST", f"{url.path}/submissions")
        for name, value in (("Authorization", f"token {token}"), ("Content-Type", "application/json"),
                            ("Content-Length", str(5 * 1024 * 1024)), ("Expect", "100-continue")):
            conn.putheader(name, value)
        conn.endheaders()
        resp = conn.getresponse()
        assert resp.status == 413
        assert json.loads(resp.read())["error"]["code"] == "payload_too_large"
    finally:
        conn.close()


def test_a_revoked_token_stops_working_within_the_auth_cache_time(hub, stack):
    hub.create_user("limits-rita")
    made = hub.api("POST", "/users/limits-rita/tokens", json={"note": "revoke me", "expires_in": 600}).json()
    headers = {"Authorization": f"token {made['token']}"}
    assert httpx.get(f"{proxied_url(stack)}/me", headers=headers, timeout=30).status_code == 200  # now cached
    assert hub.api("DELETE", f"/users/limits-rita/tokens/{made['id']}").status_code == 204
    revoked_at = time.monotonic()
    status = 200
    while status == 200 and time.monotonic() - revoked_at < 10 + 5:  # the documented bound, plus slack
        status = httpx.get(f"{proxied_url(stack)}/me", headers=headers, timeout=30).status_code
        time.sleep(0.5)
    assert status == 401


def test_a_connection_kept_alive_after_an_error_serves_the_next_request(stack, token):
    """Errors answered before a body arrives close the connection and say so; clients never meet a reset."""
    with httpx.Client(base_url=direct_url(stack), headers={"Authorization": f"token {token}"}, timeout=30) as client:
        for _ in range(5):
            assert envelope(client.get("/no/such/endpoint"), 404)["code"] == "not_found"
            assert envelope(client.post("/submissions", content=b"{not json"), 400)["code"] == "invalid_request"
            assert envelope(client.get("/me", headers={"Authorization": "token not-a-real-one"}), 401)["code"] == "unauthorized"
            assert client.get("/me").status_code == 200


@pytest.mark.parametrize("path", ["/exercises/%zz", "/exercises/%E0%A4%A", "/%"])
@pytest.mark.parametrize("where", ["proxy", "direct"])
def test_a_path_that_is_not_valid_percent_encoding_is_a_4xx_in_the_envelope(stack, token, where, path):
    """The proxy decodes a path to route it: a bad escape was its 500 with the Hub's HTML error page."""
    url = urlparse(proxied_url(stack) if where == "proxy" else direct_url(stack))
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.request("GET", url.path + path, headers={"Authorization": f"token {token}"})  # sent as written, not re-encoded
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    assert 400 <= resp.status < 500, (resp.status, body[:300])
    assert resp.getheader("Content-Type").startswith("application/json"), body[:300]
    assert json.loads(body)["error"]["code"] in ("invalid_request", "not_found")


def test_the_hubs_own_pages_answer_a_bad_escape_with_400_too(stack):
    url = urlparse(stack.hub_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.request("GET", "/hub/%zz")
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    assert resp.status == 400 and b"percent-encoding" in body, (resp.status, body[:300])
