"""Requests a fuzzer or an unlucky moment sends: each gets a 4xx in the error envelope, never a 500 or an HTML page."""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from urllib.parse import urlparse

import httpx
import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def token(hub):
    hub.create_user("edges-eve")
    return hub.user_token("edges-eve")


def call(stack, token, method, path, headers=(), **kwargs) -> httpx.Response:
    return httpx.request(method, f"{stack.api_url}{path}", headers={"Authorization": f"token {token}", **dict(headers)}, timeout=60,
                         **kwargs)


def error_of(resp: httpx.Response, status: int) -> dict:
    assert resp.status_code == status, resp.text[:300]
    assert resp.headers["Content-Type"].startswith("application/json")
    return resp.json()["error"]


def test_a_number_longer_than_python_reads_is_a_400(stack, token):
    body = '{"exercise_id": "sum-of-evens", "again": ' + "9" * 5000 + "}"
    for path in ("/hints", "/submissions"):
        error = error_of(call(stack, token, "POST", path, content=body, headers={"Content-Type": "application/json"}), 400)
        assert error["code"] == "invalid_request" and "number" in error["message"]


@pytest.mark.parametrize("count", [True, "5", 2.5, None])
def test_delivery_counts_are_whole_numbers_as_documented(stack, token, count):
    error = error_of(call(stack, token, "POST", "/delivery/failures", json={"failures": {"api_error": count}}), 400)
    assert any(field.startswith("failures") for field in error["details"]["fields"]), error


def test_delivery_counts_that_are_integers_are_taken(stack, token):
    """JSON Schema's integer: 2 and 2.0 alike."""
    assert call(stack, token, "POST", "/delivery/failures", json={"failures": {"api_error": 2, "gave_up": 3.0}}).status_code == 204


def test_an_idempotency_key_reused_for_another_submission_is_a_409(stack, token):
    key = f"edges-{uuid.uuid4().hex}"
    first = call(stack, token, "POST", "/submissions", json={"exercise_id": "sum-of-evens", "code": "pass\n", "idempotency_key": key})
    assert first.status_code == 201, first.text[:300]
    again = call(stack, token, "POST", "/submissions", json={"exercise_id": "sum-of-evens", "code": "pass\n", "idempotency_key": key})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    other_code = call(stack, token, "POST", "/submissions", json={"exercise_id": "sum-of-evens", "code": "x = 1\n", "idempotency_key": key})
    assert error_of(other_code, 409)["code"] == "conflict"
    other_exercise = call(stack, token, "POST", "/submissions",
                          json={"exercise_id": "celsius-to-fahrenheit", "code": "pass\n", "idempotency_key": key})
    assert error_of(other_exercise, 409)["code"] == "conflict"
    mine = call(stack, token, "GET", "/submissions?limit=100").json()["items"]
    assert [s["id"] for s in mine].count(first.json()["id"]) == 1 and len({s["id"] for s in mine}) == len(mine)


def test_a_student_deleted_while_her_submission_is_graded_gets_a_401_not_a_500(stack, hub):
    hub.create_user("edges-dora")
    student, admin = hub.user_token("edges-dora"), hub.user_token("admin")
    assert call(stack, student, "GET", "/me").status_code == 200  # her row exists before the submission
    answer = {}

    def submit():
        answer["resp"] = call(stack, student, "POST", "/submissions", json={
            "exercise_id": "sum-of-evens", "code": "import time\ntime.sleep(1.5)\ndef sum_of_evens(n):\n    return 0\n",
            "idempotency_key": f"edges-{uuid.uuid4().hex}"})

    grading = threading.Thread(target=submit)
    grading.start()
    time.sleep(0.7)
    assert call(stack, admin, "DELETE", "/users/edges-dora").status_code == 200
    grading.join(120)
    resp = answer["resp"]
    assert error_of(resp, 401)["code"] == "unauthorized", resp.text[:300]
    assert "deleted" in resp.json()["error"]["message"]


@pytest.mark.parametrize("path", ["/services/codementor", "/services/codementor/", "/services/codementor/api", "/elsewhere"])
def test_paths_outside_the_api_on_its_own_port_get_the_envelope(stack, path):
    url = urlparse(stack.api_url)
    resp = httpx.get(f"{url.scheme}://{url.netloc}{path}", timeout=30)
    assert error_of(resp, 404)["code"] == "not_found"


def test_an_absolute_form_request_target_gets_the_envelope(stack):
    url = urlparse(stack.api_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.request("GET", "http://elsewhere.example/anything")
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    assert resp.status == 404 and json.loads(body)["error"]["code"] == "not_found", body[:300]
