"""A submission that dumps its whole memory gets no hidden test back, through the real API.

The visible tests run in a job that never held a hidden test; the hidden tests run in another
job whose results leave it only as pass/fail per test name. Every body a student (or their
instructor's dashboard) can read is checked: the submission's response, `GET
/submissions/{id}`, the history list, the stored row and the `%submit` text.
"""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from sqlalchemy import create_engine, text

from tutor_kernel_ext.magics import format_results

pytestmark = pytest.mark.e2e

# everything the code can reach: frames, globals, every object the collector tracks, every
# module's namespace and whatever is left on stdin; strings that look like calls or set-ups
HARVEST = '''
import gc, os, sys

def _harvest():
    found = set()

    def take(value, depth=0):
        if isinstance(value, str):
            if "sum_of_evens" in value or "data" in value:
                found.add(value[:400])
        elif isinstance(value, dict) and depth < 4:
            for k, v in list(value.items()):
                take(k, depth + 1)
                take(v, depth + 1)
        elif isinstance(value, (list, tuple)) and depth < 4:
            for v in list(value)[:2000]:
                take(v, depth + 1)

    frame = sys._getframe()
    while frame is not None:
        take(frame.f_locals)
        take(frame.f_globals)
        take(frame.f_code.co_consts)
        frame = frame.f_back
    for obj in gc.get_objects():
        if isinstance(obj, (dict, list, tuple)):
            take(obj, 3)
    for module in list(sys.modules.values()):
        take(getattr(module, "__dict__", {}), 2)
    for reader in (lambda: sys.stdin.read(), lambda: sys.__stdin__.read(), lambda: os.read(0, 1 << 20).decode()):
        try:
            take(reader())
        except BaseException:
            pass
    # what looks like a call first, shortest first: a message shows its first 400 characters
    return " || ".join(sorted(found, key=lambda s: ("sum_of_evens(" not in s, len(s), s)))
'''

RETURNS = HARVEST + "\ndef sum_of_evens(numbers):\n    dump = _harvest()\n    print(dump)\n    return dump\n"
RAISES = HARVEST + "\ndef sum_of_evens(numbers):\n    dump = _harvest()\n    print(dump)\n    raise ValueError(dump)\n"
AT_LOAD = HARVEST + "\nraise ValueError(_harvest())\n"

# the hidden tests of sum-of-evens: their calls, their set-up and a value only they expect
HIDDEN = ["sum_of_evens([])", "[-4, -3, 2]", "[0, 7, 10]", "range(1, 101)", "[2, 5, 8]", "2550"]


@pytest.fixture(scope="module")
def student(hub, stack):
    hub.create_user("dumper")
    return httpx.Client(base_url=stack.api_url, headers={"Authorization": f"token {hub.user_token('dumper')}"}, timeout=60)


def submit(client, code: str) -> list[str]:
    """Submit; return every body the student can read about it afterwards."""
    resp = client.post("/submissions", json={"exercise_id": "sum-of-evens", "code": code, "idempotency_key": uuid.uuid4().hex})
    assert resp.status_code == 201, resp.text
    sub = resp.json()
    one = client.get(f"/submissions/{sub['id']}")
    history = client.get("/submissions", params={"exercise_id": "sum-of-evens", "limit": 100})
    for r in (one, history):
        assert r.status_code == 200, r.text
    markdown, plain = format_results(sub)
    return [resp.text, one.text, history.text, markdown, plain, json.dumps(sub)]


def stored(database_url: str) -> str:
    """The rows the instructors' dashboards read (message and per-test results)."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT s.message, s.results::text FROM submissions s JOIN users u ON u.id = s.user_id WHERE u.name = 'dumper'"
        )).all()
    engine.dispose()
    return "\n".join(f"{m}\n{r}" for m, r in rows)


def test_a_memory_dump_returns_no_hidden_test(student, services, capsys):
    bodies = {name: submit(student, code) for name, code in (("returns", RETURNS), ("raises", RAISES), ("at_load", AT_LOAD))}
    # the harvest works: the visible feedback shows what the visible job held (its own calls)
    assert "sum_of_evens([1, 2, 3, 4])" in bodies["returns"][0]
    assert "sum_of_evens" in bodies["raises"][0] and "ValueError" in bodies["at_load"][0]
    leaked = {name: [h for h in HIDDEN if any(h in body for body in texts)] for name, texts in bodies.items()}
    leaked["stored rows"] = [h for h in HIDDEN if h in stored(services.database_url)]
    with capsys.disabled():
        print(f"\n[figure] memory-dumping submission: hidden calls or values found in its feedback: {leaked}")
    assert all(not found for found in leaked.values()), leaked
    sub = json.loads(bodies["returns"][0])
    assert not any(t["hidden"] for t in sub["tests"])  # the hidden tests are counted, never listed
    assert sub["hidden_tests"]["total"] > 0 and sub["hidden_tests"]["passed"] < sub["hidden_tests"]["total"]
