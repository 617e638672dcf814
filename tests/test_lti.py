"""LTI 1.3 against a local platform (tests/lti_platform.py) and the real Hub, API, Postgres and grader:
launches as a student and an instructor, course groups, an assignment link opening its notebook,
solved exercises appearing as scores in the platform's gradebook, an LMS outage and the retried
score, and the launches that must be refused (replayed, badly signed, wrong audience, unknown
deployment)."""

from __future__ import annotations

import html
import json
import re
import secrets
import stat
import time
import uuid

import httpx
import pytest

from codementor.hub_config.stack import Stack, free_port

from .hubclient import HubClient
from .lti_platform import Platform

pytestmark = pytest.mark.e2e

ANN, BEN, INES, MALLORY = "ann@uni.example", "ben@uni.example", "ines@uni.example", "mallory@uni.example"


@pytest.fixture(scope="module")
def platform():
    lms = Platform().start()
    lms.add_user("ann", "lms-user-ann", ANN)
    lms.add_user("ben", "lms-user-ben", BEN)
    lms.add_user("ines", "lms-user-ines", INES)
    lms.add_user("mallory", "lms-user-mallory", MALLORY)
    lms.add_link("cs101-evens", "cs101", "Programming 1", ["Learner"], custom={"exercise": "sum-of-evens"}, column="Assignment 1: even numbers")
    lms.add_link("cs101-home", "cs101", "Programming 1", ["Learner"])
    lms.add_link("cs101-teach", "cs101", "Programming 1", ["Instructor"])
    lms.add_link("art200-home", "art200", "Generative Art", ["Learner"])
    yield lms
    lms.stop()


@pytest.fixture(scope="module")
def lti_stack(services, platform, tmp_path_factory):
    """A Hub whose sign-in is LTI 1.3 from the local platform, its API posting scores there."""
    hub_port, ops = free_port(), secrets.token_hex(16)
    platform.redirect_uri = f"http://127.0.0.1:{hub_port}/hub/lti13/oauth_callback"
    platform.tool_jwks_url = f"http://127.0.0.1:{hub_port}/services/codementor/api/v1/lti/jwks"
    stack = Stack(
        state_dir=tmp_path_factory.mktemp("lti-hub"), hub_port=hub_port, database_url=services.database_url, redis_url=services.redis_url,
        extra_env={
            "CODEMENTOR_AUTH": "lti", "CODEMENTOR_LTI_ISSUER": platform.url, "CODEMENTOR_LTI_CLIENT_ID": platform.client_id,
            "CODEMENTOR_LTI_AUTH_URL": f"{platform.url}/auth", "CODEMENTOR_LTI_PLATFORM_JWKS_URL": f"{platform.url}/jwks",
            "CODEMENTOR_LTI_TOKEN_URL": f"{platform.url}/token", "CODEMENTOR_LTI_DEPLOYMENT_IDS": platform.deployment_id,
            # readable names: this LMS's e-mail addresses are fixed (the default, `sub`, suits any LMS)
            "CODEMENTOR_LTI_USERNAME_KEY": "email",
            # scores due are looked for every 0.3 s, a first failure waits 0.5 s (then 1, 2, 4 ...)
            "CODEMENTOR_LTI_POLL_SECONDS": "0.3", "CODEMENTOR_LTI_RETRY_FIRST_SECONDS": "0.5",
            "CODEMENTOR_OPS_TOKEN": ops, "CODEMENTOR_ROSTER_CACHE_SECONDS": "0", "CODEMENTOR_API_WORKERS": "1", "CODEMENTOR_CULL_TIMEOUT": "0",
        },
    )
    stack.start(log_file=stack.state_dir / "jupyterhub.log")
    stack.ops = HubClient(stack.hub_url, ops)
    yield stack
    stack.stop()


def launch(stack, platform, who: str, link: str):
    """An LMS launch as a browser makes it; returns (the launch's answer, the form posted, the cookies it was posted with)."""
    browser = httpx.Client(base_url=stack.hub_url, timeout=30)
    start = browser.get("/hub/lti13/oauth_login", params={
        "iss": platform.url, "login_hint": who, "lti_message_hint": link, "client_id": platform.client_id,
        "target_link_uri": platform.redirect_uri, "lti_deployment_id": platform.deployment_id,
    })
    assert start.status_code == 302 and start.headers["location"].startswith(f"{platform.url}/auth?"), start.text
    page = httpx.get(start.headers["location"], timeout=30)
    assert page.status_code == 200, page.text
    form = {k: html.unescape(v) for k, v in re.findall(r'name="(\w+)" value="([^"]*)"', page.text)}
    cookies = dict(browser.cookies)
    answer = browser.post("/hub/lti13/oauth_callback", data=form)
    return answer, form, cookies, browser


def hub_user(stack, name: str) -> dict | None:
    resp = stack.ops.api("GET", f"/users/{name}")
    return resp.json() if resp.status_code == 200 else None


def api(stack, token: str, method: str, path: str, **kwargs) -> httpx.Response:
    return httpx.request(method, f"{stack.api_url}{path}", headers={"Authorization": f"token {token}"}, timeout=60, **kwargs)


def solve(stack, token: str, exercise) -> dict:
    resp = api(stack, token, "POST", "/submissions", json={"exercise_id": exercise.id, "code": exercise.solution, "idempotency_key": uuid.uuid4().hex})
    assert resp.status_code == 201 and resp.json()["passed"], resp.text
    return resp.json()


def wait_until(check, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s")


def scores_of(platform, sub: str, resource_id: str) -> list:
    items = {i["id"]: i for items in platform.records.line_items.values() for i in items}
    return [s for url, s in platform.records.scores if s["userId"] == sub and items[url].get("resourceId", items[url]["label"]) == resource_id]


@pytest.fixture(scope="module")
def course(lti_stack, platform):
    """Ann (cs101, through an assignment link), Ben (art200) and Ines (teaches cs101) launch."""
    answers = {name: launch(lti_stack, platform, name, link)[0] for name, link in (("ann", "cs101-evens"), ("ben", "art200-home"), ("ines", "cs101-teach"))}
    groups = {name: sorted(hub_user(lti_stack, email)["groups"]) for name, email in (("ann", ANN), ("ben", BEN), ("ines", INES))}
    return {"answers": answers, "groups": groups, "tokens": {n: lti_stack.ops.user_token(e) for n, e in (("ann", ANN), ("ben", BEN), ("ines", INES))}}


def test_student_launch_joins_the_course_group_and_opens_the_assignments_notebook(lti_stack, course):
    answer = course["answers"]["ann"]
    assert answer.status_code == 302, answer.text
    assert answer.headers["location"] == "/hub/user-redirect/codementor/open-exercise?id=sum-of-evens"
    (cs101,) = course["groups"]["ann"]
    assert cs101.startswith("course-cs101-") and course["groups"]["ben"][0].startswith("course-art200-")
    lti_stack.ops.spawn(ANN)
    # the browser, signed in by the launch, follows the assignment link into JupyterLab
    browser = httpx.Client(base_url=lti_stack.hub_url, timeout=60, cookies=answer.cookies)
    opened = browser.get(answer.headers["location"], follow_redirects=True)
    assert opened.status_code == 200
    assert re.search(r"/user/ann@uni.example/lab/tree/exercises/\d{4}-\d\d-\d\d-sum-of-evens.ipynb$", str(opened.url)), opened.url
    listing = lti_stack.ops.server(ANN).get("/api/contents/exercises").json()
    assert any(f["name"].endswith("-sum-of-evens.ipynb") for f in listing["content"])
    lti_stack.ops.stop(ANN)


def test_instructor_launch_sees_exactly_their_courses_students(lti_stack, course):
    answer = course["answers"]["ines"]
    assert answer.status_code == 302 and answer.headers["location"].endswith("/services/dashboards/voila/render/overview.ipynb"), answer.headers
    assert course["groups"]["ines"] == sorted(["instructors", course["groups"]["ann"][0]])
    roster = api(lti_stack, course["tokens"]["ines"], "GET", "/class/students")
    assert roster.status_code == 200, roster.text
    assert {s["name"] for s in roster.json()["items"]} == {ANN}
    # a student is no instructor: no class, and no launch reports of their own
    assert api(lti_stack, course["tokens"]["ann"], "GET", "/class/passback").status_code == 403
    forged = {"user": ANN, "issuer": "x", "client_id": "x", "deployment_id": "x", "context_id": "x", "hub_group": "x", "lms_subject": "x",
              "role": "instructor", "lineitems_url": "https://attacker.example/lineitems", "scopes": []}
    assert api(lti_stack, course["tokens"]["ann"], "POST", "/lti/launches", json=forged).status_code == 403


def test_the_tools_key_is_private_and_its_public_half_published(lti_stack, course):
    key_file = lti_stack.state_dir / "lti" / "tool-key.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    nonces = lti_stack.state_dir / "lti-used-nonces.json"  # the launches' nonces, kept across restarts
    assert stat.S_IMODE(nonces.stat().st_mode) == 0o600 and len(json.loads(nonces.read_text())) >= 3
    jwks = httpx.get(f"{lti_stack.hub_url}/services/codementor/api/v1/lti/jwks", timeout=10).json()
    assert [k["kty"] for k in jwks["keys"]] == ["RSA"] and "d" not in jwks["keys"][0]
    log = (lti_stack.state_dir / "jupyterhub.log").read_text()
    assert "BEGIN PRIVATE KEY" not in log and "access_token" not in log


def test_a_solved_exercise_becomes_one_score_in_the_course_gradebook(lti_stack, platform, course, bank):
    ex = bank.get("sum-of-evens")
    solve(lti_stack, course["tokens"]["ann"], ex)
    # Ann came by the assignment's link: its own gradebook column receives the score
    (score,) = wait_until(lambda: scores_of(platform, "lms-user-ann", "Assignment 1: even numbers"), "Ann's score in the assignment's column")
    assert (score["scoreGiven"], score["scoreMaximum"], score["activityProgress"], score["gradingProgress"]) == (1.0, 1.0, "Completed", "FullyGraded")
    assert not any(i.get("resourceId") == "exercise:sum-of-evens" for i in platform.records.line_items["cs101"])  # no second column
    assert not platform.records.refusals  # every client assertion passed the platform's checks
    # solving again, and Ben (art200, not in cs101's gradebook) solving, adds no score to cs101
    solve(lti_stack, course["tokens"]["ann"], ex)
    solve(lti_stack, course["tokens"]["ben"], ex)
    wait_until(lambda: scores_of(platform, "lms-user-ben", "exercise:sum-of-evens"), "Ben's score in art200")
    (item,) = [i for i in platform.records.line_items["art200"] if i.get("resourceId") == "exercise:sum-of-evens"]  # made by the tool
    assert (item["tag"], item["scoreMaximum"], item["label"]) == ("codementor", 1.0, f"CodeMentor: {ex.title}")
    time.sleep(1.0)  # three more passes of the queue
    assert len(scores_of(platform, "lms-user-ann", "Assignment 1: even numbers")) == 1
    assert all(len([s for u, s in platform.records.scores if u == i["id"]]) <= 1
               for items in platform.records.line_items.values() for i in items)


def passback(stack, token) -> dict:
    resp = api(stack, token, "GET", "/class/passback")
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_an_lms_outage_is_retried_and_shown_to_the_instructor(lti_stack, platform, course, bank):
    ines, ex = course["tokens"]["ines"], bank.get("digit-sum")
    platform.stop()
    try:
        solve(lti_stack, course["tokens"]["ann"], ex)
        failing = wait_until(
            lambda: next((r for r in passback(lti_stack, ines)["recent"] if r["item"] == "exercise:digit-sum" and r["attempts"] >= 2), None),
            "two failed attempts while the LMS is down",
        )
        assert failing["status"] == "pending" and "did not answer" in failing["last_error"] and failing["next_attempt"], failing
        (cs101,) = passback(lti_stack, ines)["courses"]
        assert cs101["retrying"] == 1 and cs101["pending"] == 1 and cs101["last_sync"], cs101
    finally:
        platform.start()
    wait_until(lambda: scores_of(platform, "lms-user-ann", "exercise:digit-sum"), "the retried score after the outage")
    status = passback(lti_stack, ines)
    (cs101,) = status["courses"]
    assert (cs101["sent"], cs101["pending"], cs101["failed"]) == (2, 0, 0), cs101
    assert [r["student"] for r in status["recent"]] == [ANN, ANN]  # Ines sees her course only: not Ben's art200 row
    print("\npassback log (the platform's requests):")
    start = platform.records.log[0][0]
    for at, method, path, code in platform.records.log:
        if path != "/jwks" and not path.startswith("/auth"):
            print(f"  +{at - start:6.2f} s  {method:4} {path}  {code}")
    print("the API's passback log:")
    for line in (lti_stack.state_dir / "jupyterhub.log").read_text().splitlines():
        if "lti passback" in line:
            print("  ", line[-200:])
    print("instructor's view:", {k: cs101[k] for k in ("title", "sent", "pending", "failed", "last_sync")})
    for row in status["recent"]:
        print("  ", row["item"], row["status"], "attempts", row["attempts"], "sent", row["sent_at"])


def refused(answer, status: int, words: str):
    assert answer.status_code == status, (answer.status_code, answer.text[-500:])
    assert words in answer.text, answer.text[-1500:]


def test_replayed_badly_signed_wrong_audience_and_foreign_launches_are_refused(lti_stack, platform):
    answer, form, cookies, _ = launch(lti_stack, platform, "ben", "art200-home")
    assert answer.status_code == 302
    # the captured form and cookies, posted again (the cookie check alone would let it through)
    replay = httpx.post(f"{lti_stack.hub_url}/hub/lti13/oauth_callback", data=form, cookies=cookies, timeout=30)
    refused(replay, 400, "already used")
    # the same form from another browser (no state cookie)
    refused(httpx.post(f"{lti_stack.hub_url}/hub/lti13/oauth_callback", data=form, timeout=30), 400, "state")
    assert form["id_token"] not in (lti_stack.state_dir / "jupyterhub.log").read_text()  # no launch token in the logs
    for fault, status, words in (("bad_signature", 400, "Signature verification failed"), ("wrong_audience", 401, "audience"),
                                 ("other_deployment", 400, "not installed for deployment")):
        platform.faults = {fault}
        try:
            refused(launch(lti_stack, platform, "mallory", "cs101-teach")[0], status, words)
        finally:
            platform.faults = set()
    assert hub_user(lti_stack, MALLORY) is None  # no account came of any refused launch
    # the Hub's sign-in opened directly, not from the LMS
    direct = httpx.get(f"{lti_stack.hub_url}/hub/login", follow_redirects=True, timeout=30)
    assert direct.status_code == 200 and "Sign in with LTI 1.3" in direct.text, direct.text[-800:]
    refused(httpx.get(f"{lti_stack.hub_url}/hub/lti13/oauth_login", timeout=30), 400, "open CodeMentor from its link in your LMS")


def test_the_gradebook_dashboard_shows_the_instructor_their_courses_sync(lti_stack, course, bank, monkeypatch):
    from codementor.dashboards.client import TOKEN_ENV
    from codementor.dashboards.views import gradebook_page

    # what the page's kernel runs (Voila renders the widget in the browser), with Ines's token
    monkeypatch.setenv("CODEMENTOR_API_URL", lti_stack.api_url)
    monkeypatch.setenv(TOKEN_ENV, course["tokens"]["ines"])
    shown = gradebook_page().value
    assert "LMS gradebook sync" in shown and "Programming 1" in shown and "Generative Art" not in shown
    assert f"CodeMentor: {bank.get('sum-of-evens').title}" in shown and "sent" in shown
    page = httpx.get(f"{lti_stack.hub_url}/services/dashboards/voila/render/gradebook.ipynb", headers={"Authorization": f"token {course['tokens']['ines']}"}, timeout=90)
    assert page.status_code == 200 and "voila" in page.text.lower()
