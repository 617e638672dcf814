"""`codementor bench lti-day`: a scripted course day through LTI 1.3 and grade passback, with the
passback log and its figures. Runs from a source checkout (it uses tests/lti_platform.py, the
local LMS the tests run).

Assumptions of the script (change them with the options):
- one LMS with two courses: `cs101` (most of the class) and `art200` (two students), one
  instructor teaching cs101; everyone arrives by an LTI launch (the browser's three requests);
- morning: each student solves one exercise; midday: the LMS is down for `--outage` seconds
  while each solves a second; afternoon: each solves the first again (must not post twice) and
  a third;
- the API looks for due scores every `--poll` seconds and waits `--retry` seconds after a first
  failure (doubling); one API worker. Solves go straight to the API with each student's token
  (their server and kernel are not part of what is measured).

Reference rows: a score's delay after a solve is at most one poll interval plus the LMS's own
answer time; after an outage it is at most the pause the retry schedule had reached when the
LMS came back. The expected number of scores is one per student, exercise and course.
"""

from __future__ import annotations

import html
import importlib.util
import re
import secrets
import statistics
import sys
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from ..hub_config.stack import Stack, free_port

EXERCISES = ("sum-of-evens", "digit-sum", "countdown")


def local_platform():
    path = Path(__file__).resolve().parents[1] / "tests" / "lti_platform.py"
    if not path.is_file():
        sys.exit(f"codementor bench lti-day: run it from a source checkout: {path} is missing")
    spec = importlib.util.spec_from_file_location("codementor_bench_lti_platform", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module.Platform


def launch(hub_url: str, lms, who: str, link: str) -> float:
    """One LTI launch as a browser makes it; returns its seconds."""
    started = time.monotonic()
    with httpx.Client(base_url=hub_url, timeout=30) as browser:
        start = browser.get("/hub/lti13/oauth_login", params={"iss": lms.url, "login_hint": who, "lti_message_hint": link,
                                                             "client_id": lms.client_id, "target_link_uri": lms.redirect_uri})
        page = httpx.get(start.headers["location"], timeout=30)
        form = {k: html.unescape(v) for k, v in re.findall(r'name="(\w+)" value="([^"]*)"', page.text)}
        answer = browser.post("/hub/lti13/oauth_callback", data=form)
    if answer.status_code != 302:
        raise RuntimeError(f"launch of {who} refused: {answer.status_code}")
    return time.monotonic() - started


def solve(api_url: str, token: str, exercise) -> float:
    body = {"exercise_id": exercise.id, "code": exercise.solution, "idempotency_key": uuid.uuid4().hex}
    resp = httpx.post(f"{api_url}/submissions", json=body, headers={"Authorization": f"token {token}"}, timeout=60)
    resp.raise_for_status()
    return time.time()


def arrivals(lms) -> dict:
    """(LMS user, resourceId) -> arrival times of its scores at the platform."""
    items = {i["id"]: i for course in lms.records.line_items.values() for i in course}
    out: dict = {}
    for at, (url, score) in zip(lms.records.score_times, lms.records.scores):
        out.setdefault((score["userId"], items[url]["resourceId"]), []).append(at)
    return out


def wait_for_scores(lms, wanted: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while len(lms.records.scores) < wanted and time.monotonic() < deadline:
        time.sleep(0.05)


def run(students: int = 8, outage: float = 20.0, poll: float = 1.0, retry: float = 1.0) -> None:
    from ..exercise_bank import Bank

    Platform, bank = local_platform(), Bank()
    lms = Platform().start()
    names = [f"s{i:02d}" for i in range(students)]
    courses = {n: ("art200" if i < 2 else "cs101") for i, n in enumerate(names)}
    for n in names + ["teacher"]:
        lms.add_user(n, f"lms-{n}", f"{n}@uni.example")
    lms.add_link("cs101", "cs101", "Programming 1", ["Learner"])
    lms.add_link("art200", "art200", "Generative Art", ["Learner"])
    lms.add_link("teach", "cs101", "Programming 1", ["Instructor"])
    hub_port, ops = free_port(), secrets.token_hex(16)
    lms.redirect_uri = f"http://127.0.0.1:{hub_port}/hub/lti13/oauth_callback"
    lms.tool_jwks_url = f"http://127.0.0.1:{hub_port}/services/codementor/api/v1/lti/jwks"
    state = Path(tempfile.mkdtemp(prefix="codementor-lti-day-"))
    stack = Stack(state_dir=state, hub_port=hub_port, extra_env={
        "CODEMENTOR_AUTH": "lti", "CODEMENTOR_LTI_ISSUER": lms.url, "CODEMENTOR_LTI_CLIENT_ID": lms.client_id,
        "CODEMENTOR_LTI_AUTH_URL": f"{lms.url}/auth", "CODEMENTOR_LTI_PLATFORM_JWKS_URL": f"{lms.url}/jwks",
        "CODEMENTOR_LTI_TOKEN_URL": f"{lms.url}/token", "CODEMENTOR_LTI_USERNAME_KEY": "email", "CODEMENTOR_LTI_POLL_SECONDS": str(poll), "CODEMENTOR_LTI_RETRY_FIRST_SECONDS": str(retry),
        "CODEMENTOR_OPS_TOKEN": ops, "CODEMENTOR_API_WORKERS": "1", "CODEMENTOR_CULL_TIMEOUT": "0",
    })
    try:
        _day(stack, lms, bank, names, courses, ops, outage)
    finally:
        stack.stop()
        lms.stop()
        shutil.rmtree(state, ignore_errors=True)


def _day(stack, lms, bank, names, courses, ops, outage) -> None:
    stack.start(log_file=stack.state_dir / "jupyterhub.log")
    t0 = time.time()
    hub = httpx.Client(base_url=f"{stack.hub_url}/hub/api", headers={"Authorization": f"token {ops}"}, timeout=30)
    launches = [launch(stack.hub_url, lms, n, courses[n]) for n in names] + [launch(stack.hub_url, lms, "teacher", "teach")]
    tokens = {n: hub.post(f"/users/{n}@uni.example/tokens", json={"expires_in": 3600}).json()["token"] for n in names + ["teacher"]}
    first, second, third = (bank.get(e) for e in EXERCISES)
    solved: dict = {}
    for n in names:
        solved[(f"lms-{n}", f"exercise:{first.id}")] = solve(stack.api_url, tokens[n], first)
    wait_for_scores(lms, len(names))
    lms.stop()
    down_at = time.time()
    for n in names:
        solved[(f"lms-{n}", f"exercise:{second.id}")] = solve(stack.api_url, tokens[n], second)
    time.sleep(outage)
    during = httpx.get(f"{stack.api_url}/class/passback", headers={"Authorization": f"token {tokens['teacher']}"}, timeout=30).json()
    lms.start()
    up_at = time.time()
    wait_for_scores(lms, 2 * len(names))
    recovered = time.time() - up_at
    for n in names:
        solve(stack.api_url, tokens[n], first)
        solved[(f"lms-{n}", f"exercise:{third.id}")] = solve(stack.api_url, tokens[n], third)
    wait_for_scores(lms, 3 * len(names))
    time.sleep(3 * float(stack.extra_env["CODEMENTOR_LTI_POLL_SECONDS"]))  # any late duplicate would arrive now
    _report(stack, lms, tokens, launches, solved, during, t0, down_at, up_at, recovered, outage, len(names))


def _report(stack, lms, tokens, launches, solved, during, t0, down_at, up_at, recovered, outage, students) -> None:
    got = arrivals(lms)
    delays = {k: got[k][0] - at for k, at in solved.items() if k in got}
    normal = [d for (sub, item), d in delays.items() if not item.endswith("digit-sum")]
    outage_delays = [d for (sub, item), d in delays.items() if item.endswith("digit-sum")]
    duplicates = sum(len(v) - 1 for v in got.values())
    poll = float(stack.extra_env["CODEMENTOR_LTI_POLL_SECONDS"])
    events = [(at, f"{method:4} {path:42} {status}") for at, method, path, status in lms.records.log if path not in ("/jwks", "/auth") and at >= t0]
    events += [(down_at, f"-- the LMS goes down for {outage:g} s --"), (up_at, "-- the LMS is back --")]
    print("passback log of the day (the platform's requests, seconds from the first launch):")
    for at, what in sorted(events):
        print(f"  +{at - t0:7.2f}  {what}")
    teacher = httpx.get(f"{stack.api_url}/class/passback", headers={"Authorization": f"token {tokens['teacher']}"}, timeout=30).json()
    print("\ninstructor's view during the outage:", [{k: c[k] for k in ("title", "sent", "pending", "retrying", "failed")} for c in during["courses"]])
    print("instructor's view at the end:      ", [{k: c[k] for k in ("title", "sent", "pending", "retrying", "failed")} for c in teacher["courses"]])
    retry = float(stack.extra_env["CODEMENTOR_LTI_RETRY_FIRST_SECONDS"])
    waited, pause = 0.0, retry
    while waited + pause < outage:
        waited, pause = waited + pause, pause * 2
    retried = sum(r["attempts"] - 1 for r in teacher["recent"] if r["item"].endswith("digit-sum"))
    rows = [
        ("students, courses", f"{students}, 2", ""),
        ("LTI launch (3 requests), median / max", f"{statistics.median(launches) * 1000:.0f} / {max(launches) * 1000:.0f} ms", ""),
        ("scores expected / received / duplicates", f"{3 * students} / {sum(len(v) for v in got.values())} / {duplicates}", f"{3 * students} / {3 * students} / 0"),
        ("solve -> score in the gradebook, median / max", f"{statistics.median(normal):.2f} / {max(normal):.2f} s", f"about {poll:g} s poll + grading the others"),
        ("solved while the LMS was down -> score, max", f"{max(outage_delays):.2f} s", f"outage {outage:g} s + the pause reached"),
        ("LMS back -> all queued scores sent", f"{recovered:.2f} s", f"<= {pause:g} s, the retry pause reached"),
        ("failed attempts while down (the instructor's course)", str(retried), "a few per score (1, 2, 4 ... s apart), none lost"),
        ("token requests (client assertion)", str(sum(1 for _, m, p, _ in lms.records.log if p == "/token")), "one per API process and hour"),
        ("line items created", str(sum(len(v) for v in lms.records.line_items.values())), "3 per course = 6"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure':<{width}}  {'here':>22}  reference")
    for name, value, ref in rows:
        print(f"{name:<{width}}  {value:>22}  {ref}")


def main(students: int = 8, outage: float = 20.0, poll: float = 1.0, retry: float = 1.0) -> None:
    run(students, outage, poll, retry)
