"""A student day with a known name and e-mail, then every log line the stack wrote during it
is searched: the API's (JSON lines) must hold neither, nor may the Hub's or the student
server's access lines; their other lines are counted and printed (JupyterHub's own messages,
the proxy's routes and the server's first start-up line still name users; see README)."""

from __future__ import annotations

import json
import re
import time
import uuid

import httpx
import pytest

from .conftest import ARTIFACTS

pytestmark = pytest.mark.e2e

NAME, EMAIL = "yara-quillfeather", "yara.quillfeather@example.edu"
NEEDLES = (NAME, "quillfeather", EMAIL)
HUB_LINE = re.compile(r"^\[[A-Z] \d{4}-\d\d-\d\d [\d:.]+ JupyterHub ")
PROXY_LINE = re.compile(r"\[ConfigProxy\]")


def source_of(line: str) -> str:
    """Which process wrote a line of the shared log: the API (JSON), the Hub, the proxy, or a student server."""
    if line.startswith("{"):
        try:
            if "logger" in json.loads(line):
                return "api"
        except ValueError:
            pass
    if HUB_LINE.match(line):
        return "hub"
    if PROXY_LINE.search(line):
        return "proxy"
    return "student server and other"


def call(url: str, token: str, method: str = "GET", **kwargs) -> httpx.Response:
    return httpx.request(method, url, headers={"Authorization": f"token {token}"}, timeout=60, **kwargs)


def student_day(stack, hub, bank) -> None:
    api, ex = stack.api_url, bank.get("sum-of-evens")
    hub.create_user(NAME)
    token, admin = hub.user_token(NAME), hub.user_token("admin")
    assert call(f"{api}/me", token, "PUT", json={"level": "beginner", "topics": ["loops"], "timezone": "UTC"}).status_code == 200
    assert call(f"{api}/exercises/today", token).status_code == 200
    assert call(f"{api}/hints", token, "POST", json={"exercise_id": ex.id}).status_code == 200
    code = f"# Yara Quillfeather <{EMAIL}>\ndef sum_of_evens(numbers):\n    return -1\n"
    question = f"I am {NAME} ({EMAIL}), why does my loop return -1?"
    assert call(f"{api}/tutor/ask", token, "POST", json={"exercise_id": ex.id, "question": question, "code": code}).status_code == 200
    for body in (code, ex.solution):
        assert call(f"{api}/submissions", token, "POST", json={"exercise_id": ex.id, "code": body, "idempotency_key": uuid.uuid4().hex}).status_code == 201
    assert call(f"{api}/hints", token, "POST", json={"exercise_id": f"no-such-{NAME}"}).status_code == 404
    assert call(f"{api}/progress", token).status_code == 200
    assert call(f"{api}/class/students/{NAME}", admin).status_code == 200
    assert call(f"{api}/class/students/{NAME}", token).status_code in (403, 404)
    assert call(f"{api}/me/export", token).status_code == 200
    hub.spawn(NAME)
    with hub.server(NAME) as server:
        assert server.get("/api/status").status_code == 200
        assert server.get(f"/api/contents/{NAME}-missing.ipynb").status_code == 404
    hub.stop(NAME)


def test_logs_name_no_one(stack, hub, bank):
    log = ARTIFACTS / "jupyterhub.log"
    start = log.stat().st_size
    student_day(stack, hub, bank)
    time.sleep(2)  # the processes write their last lines
    with open(log, "rb") as f:
        f.seek(start)
        lines = f.read().decode("utf-8", "replace").splitlines()
    found: dict[str, dict] = {}
    for line in lines:
        entry = found.setdefault(source_of(line), {"lines": 0, "naming": 0, "examples": []})
        entry["lines"] += 1
        if any(n.lower() in line.lower() for n in NEEDLES):
            entry["naming"] += 1
            entry["examples"].append(line[:200])
    print("\nlog lines written during the student day, and those naming the student, per source:")
    for source, entry in sorted(found.items()):
        print(f"  {source}: {entry['lines']} lines, {entry['naming']} naming {NAME} or {EMAIL}")
        for example in entry["examples"][:6]:
            print(f"      {example}")
    assert found.get("api", {}).get("lines", 0) >= 10, "the API's access lines should be in the stack's log"
    assert found["api"]["naming"] == 0, found["api"]["examples"]
    for source in ("hub", "student server and other"):  # access lines: hub_config/hub_logs.py, extensions/access_log.py
        access = [x for x in found.get(source, {}).get("examples", []) if re.search(r"\d{3} (GET|POST|PUT|DELETE|PATCH) ", x)]
        assert not access, f"the {source}'s access log names the student: {access}"
