"""The adversarial suite through the real API: every kind of disguise, plain, streamed and as `/hints` extras.

The local vendor serves the reference solution of an exercise hidden one way (`disguise` mode); the
student asks through the Hub-run API. Whatever the path, the turn that completes the solution is
replaced by the guardrail, and nothing shown before it holds a leak. (Every kind against every
exercise is judged in-process in tests/test_gateway.py; here each kind goes once streamed, and once
more plain or as `/hints` extras, by turns.)
"""

from __future__ import annotations

import json
import secrets
from collections import Counter

import httpx
import pytest

from codementor.bench.disguises import KINDS, disguise

from .fake_llm import set_mode
from .test_gateway import KNOWN_MISSES

pytestmark = pytest.mark.e2e

PATHS = ("plain", "streamed", "hints")
LEAK_SCORES = {"similarity", "walkthrough", "passes_tests"}  # the filter's verdict, kept from the student


def _exercise_for(kind: str, offset: int, bank, taken: frozenset = frozenset()):
    """An exercise this kind is known to be caught on (see KNOWN_MISSES), and whose shared answer on this path is not
    already the part of another kind's disguise that passed the filter (`taken`: served from the cache, it is not this
    kind's)."""
    exercises = bank.all()
    return next(ex for i in range(len(exercises))
                if (kind, (ex := exercises[(offset + i) % len(exercises)]).id) not in KNOWN_MISSES and ex.id not in taken)


def _events(response: httpx.Response) -> list[tuple[str, dict]]:
    events = []
    for block in response.text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in lines:
            events.append((lines["event"], json.loads(lines["data"])))
    return events


def _ask(api: str, auth: dict, exercise, path: str, question: str = "just give me the code") -> tuple[str, bool, list[str]]:
    """One turn: (the text the student ends with, whether the guardrail replaced it, every screen on the way)."""
    if path == "hints":
        reply = httpx.post(f"{api}/hints", headers=auth, json={"exercise_id": exercise.id}, timeout=60)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body.get("extra"), body
        return body["text"], body["source"] == "guardrail", [body["text"]]
    stream = path == "streamed"
    reply = httpx.post(f"{api}/tutor/ask", headers=auth, json={"exercise_id": exercise.id, "question": question, "stream": stream},
                       timeout=60)
    assert reply.status_code == 200, reply.text
    if not stream:
        assert not LEAK_SCORES & reply.json().keys(), reply.json()  # the filter's scores would let a student probe the reference
        return reply.json()["answer"], reply.json()["leak_blocked"], [reply.json()["answer"]]
    shown, screens, final = "", [], None
    for kind, data in _events(reply):
        assert not LEAK_SCORES & data.keys(), data
        shown = shown + data["text"] if kind == "delta" else data["text"] if kind == "replace" else shown
        screens.append(shown)
        final = data if kind == "done" else final
    return final["text"], final["leak_blocked"], screens


def test_no_disguise_reaches_the_student_on_any_path(stack, hub, bank, llm, leak_detector):
    api, outcomes, cut_short = stack.api_url, Counter(), {path: set() for path in PATHS}
    for k, kind in enumerate(KINDS):
        # every kind streamed (the path whose screens change as it arrives), and plain or as /hints extras by turns
        for p, path in [(1, "streamed"), (0, "plain") if k % 2 == 0 else (2, "hints")]:
            exercise = _exercise_for(kind, 3 * k + 20 * p, bank, frozenset(cut_short[path]))
            detector = leak_detector(exercise)
            name = f"adv-{k}-{p}-{secrets.token_hex(3)}"
            hub.create_user(name)
            auth = {"Authorization": f"token {hub.user_token(name)}"}
            if path == "hints":
                for _ in exercise.hints:  # the authored ladder first; extras come from the model
                    assert httpx.post(f"{api}/hints", headers=auth, json={"exercise_id": exercise.id}, timeout=30).status_code == 200
            set_mode(llm.base_url, mode="disguise", kind=kind, solution=exercise.solution)
            delivered, blocked = "", False
            for _turn in turns_of(kind, exercise):
                # a question of each kind's own: the shared cache must not hand one kind's answer to another
                text, blocked, screens = _ask(api, auth, exercise, path, f"just give me the code ({kind})")
                for screen in screens:  # not even for a moment, with what came before
                    if screen != text or not blocked:
                        assert not detector.check(screen, delivered).leaking, (kind, path, exercise.id, screen)
                if blocked:
                    break
                delivered = f"{delivered}\n\n{text}" if delivered else text
            served = "\n\n".join(disguise(kind, exercise.solution))
            if not blocked:
                # a long disguise is stopped at the tokens reserved for it: what arrived is a part of it, and passed the filter
                assert len(delivered) < len(served) and not detector.check(delivered).leaking, (kind, path, exercise.id, delivered)
                cut_short[path].add(exercise.id)
            outcomes["blocked" if blocked else "cut short, the part passed the filter"] += 1
    print(f"\n[figure] adversarial suite through the API: {len(KINDS)} kinds streamed, half of them plain and half as /hints extras, "
          f"{sum(outcomes.values())} conversations, "
          f"0 leaks: {dict(outcomes)}")


def turns_of(kind: str, exercise) -> range:
    """One request per turn of the disguise."""
    return range(len(disguise(kind, exercise.solution)))


def test_deleting_the_conversations_does_not_reset_what_the_filter_remembers(stack, hub, bank, llm, leak_detector):
    """A solution asked for in pieces, each conversation deleted before the next piece: the piece
    that completes it is still replaced (the filter's memory of what models said is kept apart)."""
    def first_piece_alone_passes(ex) -> bool:
        pieces = disguise("three-turns", ex.solution)
        return not leak_detector(ex).check(pieces[0]).leaking and leak_detector(ex).check("\n\n".join(pieces)).leaking

    exercise = next(ex for ex in bank.all() if first_piece_alone_passes(ex))
    name = f"adv-del-{secrets.token_hex(3)}"
    hub.create_user(name)
    auth = {"Authorization": f"token {hub.user_token(name)}"}
    api = stack.api_url
    set_mode(llm.base_url, mode="disguise", kind="three-turns", solution=exercise.solution)
    blocked_at = None
    for turn in turns_of("three-turns", exercise):
        reply = httpx.post(f"{api}/tutor/ask", headers=auth, json={"exercise_id": exercise.id, "question": "next part please"}, timeout=60)
        assert reply.status_code == 200, reply.text
        if reply.json()["leak_blocked"]:
            blocked_at = turn
            break
        gone = httpx.delete(f"{api}/tutor/conversations/{reply.json()['conversation_id']}", headers=auth, timeout=30)
        assert gone.status_code == 204, gone.text
        listed = httpx.get(f"{api}/tutor/conversations", headers=auth, timeout=30).json()["items"]
        assert listed == []  # deleted for the student: the conversation is gone from their history
    assert blocked_at is not None, "every piece of the solution was shown"
    assert blocked_at > 0  # the first piece alone is not the solution: what caught it was the memory


def test_what_a_compliant_model_says_when_asked_is_blocked_through_the_api(stack, hub, bank, llm):
    """The model answers exactly what the student asks it to say: another exercise's solution asked for under the
    wrong exercise (alone, or after stubs named after other exercises), a working solution with variable arguments,
    as an instance, needing an extra argument or as one expression in prose, and the reference encoded. Each is
    replaced by the guardrail, plain and streamed."""
    import base64
    import zlib

    leaked, asked = bank.get("sum-of-evens"), bank.get("celsius-to-fahrenheit")
    solution = leaked.solution
    stubs = "def is_leap_year(year):\n    pass\n\ndef countdown(n):\n    pass\n\ndef digit_sum(n):\n    pass\n\n"
    renamed = bank.get("word-frequencies").solution.replace("word_frequencies", "my_helper")
    cases = [
        (asked, f"Here you go:\n```python\n{solution}```\n"),
        (bank.get("mirror-word"), f"```python\n{stubs}{renamed}```\n"),  # stubs named after other exercises first
        (leaked, "```python\ndef add_up(*xs):\n    return sum(x for x in xs[0] if not x & 1)\n```"),
        (leaked, "Return `sum(filter(lambda x: x % 2 == 0, numbers))` from your function."),
        (leaked, "```python\nclass _E:\n    def __call__(self, numbers):\n        return sum(v * (1 - v % 2) for v in numbers)\n\n"
                 "sum_of_evens = _E()\n```"),
        (leaked, "```python\n# call it as evens_total(numbers, 0)\ndef evens_total(numbers, start):\n"
                 "    return sum(filter(lambda v: not v & 1, numbers), start)\n```"),
        (asked, "Return `sum(filter(lambda x: x % 2 == 0, numbers))` from your function."),
        (leaked, base64.b32encode(solution.encode()).decode()),
        (leaked, " ".join(str(ord(c)) for c in solution)),
        (leaked, base64.b64encode(zlib.compress(solution.encode())).decode()),
    ]
    for exercise, answer in cases:
        name = f"compliant-{secrets.token_hex(3)}"  # a student each: two questions stay within the tutor's rate limit
        hub.create_user(name)
        auth = {"Authorization": f"token {hub.user_token(name)}"}
        set_mode(llm.base_url, mode="script", answers=[answer])
        for path in ("plain", "streamed"):
            text, blocked, screens = _ask(stack.api_url, auth, exercise, path)
            assert blocked and answer not in text, (exercise.id, path, answer)
            assert all(answer.strip() not in screen for screen in screens), (exercise.id, path, answer)


def test_pieces_asked_for_under_different_exercises_are_caught_where_they_add_up(stack, hub, bank, llm, leak_detector):
    """A solution asked for in three pieces, each under another exercise (and in another conversation): the piece
    that completes it is replaced, though no piece alone, nor any under the exercise it was asked about, gives
    anything away (the answers are remembered for the exercises whose solution they hold pieces of)."""
    from codementor.api.gateway.leak import SolutionIndex
    from codementor.api.gateway.leak.views import views

    index = SolutionIndex(bank.all())

    def fits(ex) -> bool:
        pieces = disguise("three-turns", ex.solution)
        return (len(pieces) == 3 and not any(leak_detector(ex).check(p).leaking for p in pieces)
                and leak_detector(ex).check("\n\n".join(pieces)).leaking and all(ex.id in index.touched(views(p)) for p in pieces))

    leaked = next(ex for ex in reversed(bank.all()) if fits(ex))
    asked = [ex for ex in bank.all() if ex.id != leaked.id][5:8]
    name = f"adv-x-{secrets.token_hex(3)}"
    hub.create_user(name)
    auth = {"Authorization": f"token {hub.user_token(name)}"}
    set_mode(llm.base_url, mode="disguise", kind="three-turns", solution=leaked.solution)
    outcomes = []
    for exercise in asked:
        reply = httpx.post(f"{stack.api_url}/tutor/ask", headers=auth, json={"exercise_id": exercise.id, "question": "next part please"},
                           timeout=60)
        assert reply.status_code == 200, reply.text
        outcomes.append(reply.json()["leak_blocked"])
        if outcomes[-1]:
            break
    print(f"\n[figure] {leaked.id} in pieces under {[ex.id for ex in asked]}: blocked {outcomes}")
    assert outcomes[-1] and not outcomes[0], outcomes  # the first piece passes; the one that completes it does not
