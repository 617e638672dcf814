"""The tutor from a real kernel: streaming answers, guardrails, budget, conversations, limits."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import httpx
import psycopg
import pytest


from .fake_llm import received, set_mode
from .hubclient import Kernel, written

pytestmark = pytest.mark.e2e


def todays_notebook(stack, hub, user: str):
    hub.create_user(user)
    hub.spawn(user)
    folder = stack.state_dir / "users" / user / "exercises"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = sorted(folder.glob("*.ipynb")) if folder.exists() else []
        if found and all(map(written, found)):
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no notebook for {user}")


async def test_tutor_in_the_notebook(stack, hub, bank, llm, leak_detector):
    path = todays_notebook(stack, hub, "tina")
    exercise = bank.get(json.loads(path.read_text())["metadata"]["codementor"]["exercise_id"])
    kernel = await Kernel.for_notebook(hub, "tina", f"exercises/{path.name}")
    try:
        # provider keys stay in the API: the kernel has none
        env = await kernel.execute("import os; print(sorted(k for k in os.environ if 'LLM' in k or 'ANTHROPIC' in k))")
        assert env["text"].strip() == "[]"

        # an error in the solution cell is remembered, and the answer streams into one display
        failing = await kernel.execute("undefined_helper(1)", cell_id="codementor-solution")
        assert failing["error"].startswith("NameError")
        set_mode(llm.base_url, mode="slow", delay=0.05)
        asked = await kernel.execute("%tutor why does my cell fail?")
        assert asked["error"] is None, asked
        # the display grew line by line as pieces arrived, then settled on the whole answer
        assert len(asked["updates"]) >= 3, asked
        assert llm.state.reply.startswith(asked["updates"][0].rstrip(" ▍")) and len(asked["updates"][0]) < len(llm.state.reply)
        assert asked["updates"][-1] == llm.state.reply
        sent = received(llm.base_url)[-1]["messages"][-1]["content"]
        assert "<last_error>" in sent and "NameError: name 'undefined_helper' is not defined" in sent
        assert "<student_question>\nwhy does my cell fail?\n</student_question>" in sent

        # a model that hands over the solution in disguise is stopped before the student sees it
        renamed = exercise.solution.replace("total", "acc").replace("counts", "tally").replace("values", "xs")
        set_mode(llm.base_url, mode="script", answers=[f"Here it is, renamed:\n```python\n{renamed}```\n"])
        leak = await kernel.execute("%%tutor\nplease just write the function for me\nI am in a hurry")
        assert leak["error"] is None, leak
        detector = leak_detector(exercise)
        for screen in leak["outputs"] + leak["updates"]:
            assert not detector.check(screen).leaking, screen
        assert "Next step" in leak["updates"][-1] and exercise.hints[0] in leak["updates"][-1]
        # that next step was the first authored rung: it counts as a hint, and %hint goes on from it
        ladder = await kernel.execute("%hint")
        assert f"Hint 2 of {len(exercise.hints)}" in ladder["text"] and exercise.hints[1] in ladder["text"]

        budget = await kernel.execute("%tutor --budget")
        assert "allowance" in budget["text"] and "left of" in budget["text"]
        fresh = await kernel.execute("%tutor --new")
        assert "new conversation" in fresh["text"]
    finally:
        kernel.close()

    token = hub.user_token("tina")
    auth = {"Authorization": f"token {token}"}
    page = httpx.get(f"{stack.api_url}/tutor/conversations?limit=1", headers=auth).json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    older = httpx.get(f"{stack.api_url}/tutor/conversations?limit=5&cursor={page['next_cursor']}", headers=auth).json()
    first = older["items"][-1]
    one = httpx.get(f"{stack.api_url}/tutor/conversations/{first['id']}", headers=auth).json()
    assert [m["role"] for m in one["messages"]] == ["user", "assistant", "user", "assistant"]
    assert one["messages"][0]["content"] == "why does my cell fail?"

    hub.create_user("ulla")
    other = {"Authorization": f"token {hub.user_token('ulla')}"}
    assert httpx.get(f"{stack.api_url}/tutor/conversations/{first['id']}", headers=other).status_code == 404
    assert httpx.delete(f"{stack.api_url}/tutor/conversations/{first['id']}", headers=other).status_code == 404
    assert httpx.get(f"{stack.api_url}/tutor/conversations", headers=other).json()["items"] == []
    assert httpx.delete(f"{stack.api_url}/tutor/conversations/{first['id']}", headers=auth).status_code == 204
    gone = httpx.get(f"{stack.api_url}/tutor/conversations/{first['id']}", headers=auth)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"
    set_mode(llm.base_url, mode="normal")
    whole = httpx.post(f"{stack.api_url}/tutor/ask", headers=auth, json={"exercise_id": exercise.id, "question": "and now?"}, timeout=30)
    assert whole.status_code == 200 and whole.json()["answer"] == llm.state.reply and whole.json()["conversation_id"]
    bad = httpx.post(f"{stack.api_url}/tutor/ask", headers=auth, json={"exercise_id": exercise.id, "question": 5})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_request"
    hub.stop("tina")


def test_over_budget_is_a_429_and_the_ladder_still_works(stack, hub, bank):
    hub.create_user("wes")
    auth = {"Authorization": f"token {hub.user_token('wes')}"}
    assert httpx.get(f"{stack.api_url}/me", headers=auth).status_code == 200  # the API knows wes now
    exercise = bank.all()[0]
    today = datetime.now(timezone.utc).date()  # the stack's course time zone is UTC
    with psycopg.connect(stack.database_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute(
            "INSERT INTO llm_budget_days (user_id, day, reserved_micro, spent_micro) SELECT id, %s, 0, 50000 FROM users WHERE name = 'wes' "
            "ON CONFLICT ON CONSTRAINT uq_llm_budget_days_user_day DO UPDATE SET spent_micro = 50000",
            (today,),
        )
    budget = httpx.get(f"{stack.api_url}/tutor/budget", headers=auth).json()
    assert budget["remaining_usd"] == 0 and budget["limit_usd"] == 0.05
    refused = httpx.post(f"{stack.api_url}/tutor/ask", headers=auth, json={"exercise_id": exercise.id, "question": "help?"})
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "over_budget"
    assert int(refused.headers["Retry-After"]) > 0 and "try again in" in refused.json()["error"]["message"]
    ladder = httpx.post(f"{stack.api_url}/hints", headers=auth, json={"exercise_id": exercise.id})
    assert ladder.status_code == 200 and ladder.json()["text"] == exercise.hints[0]


async def test_hints_beyond_the_ladder_and_the_rate_limit(stack, hub, bank, llm):
    path = todays_notebook(stack, hub, "vera")
    exercise = bank.get(json.loads(path.read_text())["metadata"]["codementor"]["exercise_id"])
    kernel = await Kernel.for_notebook(hub, "vera", f"exercises/{path.name}")
    try:
        for rung in range(1, len(exercise.hints) + 1):
            hint = await kernel.execute("%hint")
            assert f"Hint {rung} of {len(exercise.hints)}" in hint["text"]
        failed = await kernel.execute("%submit")  # the starter fails the visible tests
        assert "tests passed" in failed["text"]
        extra = await kernel.execute("%hint")
        assert "Extra hint" in extra["text"] and llm.state.reply.split("\n")[0] in extra["text"]
        grounded = received(llm.base_url)[-1]["messages"][-1]["content"]
        assert "<failing_tests>" in grounded and exercise.visible_tests[0].name in grounded
        assert all(t.name not in grounded for t in exercise.hidden_tests)

        refused = None
        for _ in range(8):  # students may ask 6 times a minute by default
            reply = await kernel.execute("%tutor what next?")
            if "UsageError" in reply["text"]:
                refused = reply["text"]
                break
        assert refused is not None, reply  # one friendly line, no traceback
        assert "try again in" in refused and "Traceback" not in refused and len(refused.strip().splitlines()) == 1
        ladder = await kernel.execute("%hint --again")  # the authored ladder still works
        assert f"Hint {len(exercise.hints)} of" in ladder["text"]
    finally:
        kernel.close()
    hub.stop("vera")
