"""Personal data never reaches the vendor, and only non-personal answers are shared.

The catalogue goes through every path a prompt is built from (question, code, comments,
traceback, conversation history, summary) with the real gateway, Postgres, Redis and the local
vendor, whose request log is read back. The shared cache is tried with two students through
the real API.
"""

from __future__ import annotations

import json
import random
import re
import string
import uuid

import httpx
import pytest

from codementor.api.gateway.cache import PREFIX as CACHE_PREFIX
from codementor.api.gateway.privacy import scrub
from codementor.api.schemas import TutorRequest
from codementor.api.services import tutoring
from codementor.api.services.users import login_identities

from .fake_llm import received, set_mode

# who the platform knows: the student (login name, the name and e-mail the login gives) and the class
LOGIN = {"name": "ana.lopez", "auth_state": {"oauth_user": {"name": "Ana Lopez", "email": "ana.lopez@uni.example.edu", "sub": "u-88213"}}}
ROSTER = ("bram.janssen", "carla_v", "dmitri.ivanov", "Bram Janssen")

# (what the student wrote, what must not reach the vendor); names are matched as whole words
CATALOGUE = [
    ("ana.lopez@uni.example.edu", ["ana.lopez", "uni.example"]),
    ("jdoe99@gmail.com", ["jdoe99"]),
    ("k.smith+cs101@student.uva.nl", ["k.smith", "smith+cs101"]),
    ("piet [at] hva [dot] nl", ["piet"]),
    ("rosa(at)hva(dot)nl", ["rosa"]),
    ("tom.b at school dot edu", ["tom.b"]),
    ("lena {at} mail {dot} com", ["lena"]),
    ("Ana.Lopez AT uni DOT edu", ["ana.lopez"]),
    ("m.berg @ uni.nl", ["m.berg"]),
    ("+44 20 7946 0958", ["7946"]),
    ("+31 6 12345678", ["12345678"]),
    ("0031 6 2345 6789", ["2345 6789"]),
    ("06 12 34 56 78", ["12 34 56 78"]),
    ("06-87654321", ["87654321"]),
    ("555-0134", ["555-0134"]),
    ("(555) 013-4567", ["013-4567"]),
    ("555.013.4567", ["013.4567"]),
    ("+1 (617) 555-0199", ["555-0199"]),
    ("0612345678", ["0612345678"]),
    ("+49 30 901820", ["901820"]),
    ("s1234567", ["s1234567"]),
    ("student number: 2345671", ["2345671"]),
    ("my studentnummer is 12-3456", ["12-3456"]),
    ("u7654321", ["u7654321"]),
    ("student_id = 48213977", ["48213977"]),
    ("Student: Ana Lopez (s2345678)", ["lopez", "s2345678"]),
    ("u-88213", ["u-88213"]),
    ("Thanks,\nAna", ["ana"]),
    ("my name is Bram Janssen", ["bram", "janssen"]),
    ("I'm Carla, hi", ["carla"]),
    ("ask dmitri.ivanov about it", ["dmitri", "ivanov"]),
    ("-- Ana Lopez", ["lopez"]),
    ("Cheers, Ana", ["ana"]),
    ("author: Ana Lopez", ["lopez"]),
    ("__author__ = 'Bram Janssen'", ["janssen"]),
    ("ANA LOPEZ wrote this", ["lopez"]),
    ("written by Ines Moreau", ["ines", "moreau"]),
    ('File "/home/ana/exercises/ex.py", line 3', ["home/ana"]),
    ('File "/Users/bjanssen/Desktop/x.py", line 1', ["bjanssen"]),
    ('File "C:\\Users\\pieter\\Desktop\\x.py", line 2', ["pieter"]),
    ("'C:\\\\Users\\\\wouter\\\\x.py'", ["wouter"]),
    ("/home/jupyter-marta/work/x.py", ["jupyter-marta", "marta"]),
    ("http://hub.example.edu/user/rkhan/lab", ["rkhan"]),
    ("192.168.17.42", ["192.168.17.42"]),
    ("ssh 10.20.30.41", ["10.20.30.41"]),
    ("2001:db8:85a3::8a2e:370:7334", ["8a2e:370:7334"]),
]
PATHS = ("question", "code", "comments", "traceback", "history", "summary")
# ordinary code the scrubber must leave as it is
KEPT = [
    "MOD = 1000000007", "for i in range(100000):", "x = 123456", "print(3.14159265)", "limit = 2 ** 20  # 1048576",
    "nums[10::20]", "day = '2024-12-04'", "best = max(numbers)", "values = [10, 20, 30, 40]", "big = 1000000",
    "total = sum(n for n in numbers if n % 2 == 0)", "Look at this dot product", "server = '127.0.0.1'",
]


def test_the_catalogue_is_big_enough_and_ordinary_code_is_kept():
    assert len(CATALOGUE) >= 40
    names = login_identities(LOGIN) + ROSTER
    assert {"ana.lopez", "Ana Lopez", "ana.lopez@uni.example.edu", "u-88213"} <= set(login_identities(LOGIN))
    for code in KEPT:
        assert scrub(code, names) == code
    assert scrub("best = max(numbers)  # Max wrote it", ("max",)) == "best = max(numbers)  # [name] wrote it"
    assert scrub("see the example at uni", names) == "see the example at uni"  # the login e-mail's domain is no name


@pytest.fixture
def gateway(make_gateway):
    return make_gateway(cache_enabled=False, history_turns=2)


def found(secrets: list[str], text: str) -> list[str]:
    return [s for s in secrets if re.search(rf"(?i)(?<![a-z0-9]){re.escape(s)}(?![a-z0-9])", text)]


def user_contents(bodies: list[dict]) -> list[list[str]]:
    """Per request, what the vendor got besides the fixed system text."""
    return [[m["content"] for m in body["messages"] if m["role"] != "system"] for body in bodies]


def request(exercise, **fields) -> TutorRequest:
    return TutorRequest(exercise_id=exercise.id, **fields)


def _padding(snippet: str) -> str:
    """Words that put `snippet` across the summary's 160-character cut of a message."""
    return ("I tried again and again to get this right but it still fails on the second test, "
            "so here is everything about me and my setup, just in case it helps: ")[: 160 - min(len(snippet) // 2, 40)].rsplit(" ", 1)[0] + " "


async def ask(gw, sessionmaker, asker, exercise, identities, **fields):
    events = tutoring.ask(sessionmaker, gw, asker, exercise, request(exercise, **fields), identities)
    done = [e async for e in events if e.kind == "done"][-1]
    assert done.meta["source"] == "openai", done.meta  # the vendor was asked (the offline path would prove nothing)


async def one_case(gw, infra, new_asker, llm, exercise, snippet: str, identities) -> dict[str, str]:
    """Send `snippet` along every path; return path -> what of it reached the vendor."""
    sessionmaker = infra[0]
    singles = {
        "question": {"question": f"I'm stuck. {snippet} What next?"},
        "code": {"code": exercise.starter + f"\nNOTE = {snippet!r}\n"},
        "comments": {"code": "".join(f"# {line}\n" for line in snippet.splitlines()) + exercise.starter},
        "traceback": {"error": "ValueError", "traceback": (
            'Traceback (most recent call last):\n  File "<cell>", line 3, in <module>\n' f"ValueError: {snippet}\n")},
    }
    sent: dict[str, str] = {}
    for path, fields in singles.items():
        llm.state.reset()
        await ask(gw, sessionmaker, await new_asker(prefix="pd"), exercise, identities, **fields)
        sent[path] = "\n".join(user_contents(received(llm.base_url))[0])
    # one conversation: the snippet is sent as a question, then read back from the history, then from the summary
    asker = await new_asker(prefix="pd")
    llm.state.reset()
    for question in (_padding(snippet) + snippet + " thanks", "And now?", "Still lost, what next?"):
        await ask(gw, sessionmaker, asker, exercise, identities, question=question)
    second, third = user_contents(received(llm.base_url))[1:3]
    sent["history"] = "\n".join(second[:-1])
    sent["summary"] = re.search(r"<conversation>(.*?)</conversation>", third[-1], re.S).group(1)
    return sent


async def test_no_personal_data_reaches_the_vendor(gateway, infra, llm, bank, capsys, new_asker):
    exercise = bank.get("sum-of-evens")
    identities = login_identities(LOGIN) + ROSTER
    arrived = {}
    for snippet, secrets in CATALOGUE:
        sent = await one_case(gateway, infra, new_asker, llm, exercise, snippet, identities)
        assert set(sent) == set(PATHS)
        assert "Student asked: I tried again" in sent["summary"], sent["summary"]  # the message reached the summary
        for path, text in sent.items():
            if found(secrets, text):
                arrived[(snippet, path)] = found(secrets, text)
    with capsys.disabled():
        print(f"\n[figure] personal-data catalogue: {len(CATALOGUE)} cases x {len(PATHS)} paths, "
              f"{len(arrived)} arrived at the vendor: {arrived}")
    assert not arrived


async def test_a_cut_through_an_email_leaves_no_fragment(gateway, infra, llm, bank, new_asker):
    """The summary keeps 160 characters of a message: the address is removed before that cut."""
    exercise = bank.get("sum-of-evens")
    asker = await new_asker(prefix="pd")
    question = "x" * 130 + " mail maria.gonzalez@example.org please"  # the raw cut (160) falls inside the address
    llm.state.reset()
    for q in (question, "And now?", "And then?"):
        await ask(gateway, infra[0], asker, exercise, (), question=q)
    summary = re.search(r"<conversation>(.*?)</conversation>", user_contents(received(llm.base_url))[2][-1], re.S).group(1)
    assert "[email]" in summary and "maria" not in summary and "gonz" not in summary


# ---- the shared cache, with two students, through the real API ---------------------------------------------------------

@pytest.fixture(scope="module")
def students(hub, stack):
    clients = []
    for _ in range(3):
        name = f"sharer-{uuid.uuid4().hex[:8]}"
        hub.create_user(name)
        clients.append(httpx.Client(base_url=stack.api_url, headers={"Authorization": f"token {hub.user_token(name)}"}, timeout=60))
    yield clients
    for c in clients:
        c.close()


def tutor(client, code: str, question: str = "why does my loop fail?") -> dict:
    resp = client.post("/tutor/ask", json={"exercise_id": "sum-of-evens", "question": question, "code": code, "error": "AssertionError"})
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.mark.e2e
def test_the_shared_cache_holds_no_personal_answer(students, llm, services):
    first, second, third_student = students
    body = "def sum_of_evens(numbers):\n    total = 0\n    for n in numbers:\n        total += n\n    return total\n"
    marker = "".join(random.choice(string.ascii_lowercase) for _ in range(10))
    # the vendor's answer names an address: whatever is shared is stored scrubbed
    set_mode(llm.base_url, mode="normal", reply=f"Check which numbers you add ({marker}); mail tutor.desk@example.org if stuck.\n")
    personal = tutor(first, f"# s4820193 {marker}\n" + body)
    again = tutor(second, f"# {marker}\n" + body)  # the same code to the cache key (comments are normalised away)
    assert not personal["cached"] and not again["cached"]  # the first, personal prompt was never stored
    assert len(received(llm.base_url)) == 2 and "s4820193" not in json.dumps(received(llm.base_url))
    third = tutor(third_student, f"# {marker}\n" + body)  # the second prompt held nothing personal: it is shared
    assert third["cached"] and "tutor.desk@example.org" not in third["answer"] and "[email]" in third["answer"]
    assert len(received(llm.base_url)) == 2
    stored = redis_values(services.redis_url)
    assert stored and not any("tutor.desk@example.org" in v or "s4820193" in v for v in stored)


def redis_values(url: str) -> list[str]:
    import redis

    client = redis.Redis.from_url(url)
    try:
        return [client.get(k).decode() for k in client.scan_iter(f"{CACHE_PREFIX}:sum-of-evens:*") if client.type(k) == b"string"]
    finally:
        client.close()


@pytest.mark.e2e
def test_the_class_roster_and_the_login_name_are_scrubbed(hub, stack, llm):
    """Through the real API: names come from the Hub (the user and the members of their groups)."""
    group = f"priv-{uuid.uuid4().hex[:6]}"
    assert hub.api("POST", f"/groups/{group}").status_code in (201, 409)
    for name in ("priv-ana", "priv-bram"):
        hub.create_user(name, groups=("students", group))
    client = httpx.Client(base_url=stack.api_url, headers={"Authorization": f"token {hub.user_token('priv-ana')}"}, timeout=60)
    llm.state.reset()
    resp = client.post("/tutor/ask", json={"exercise_id": "sum-of-evens", "question": "Bram (priv-bram) and I, priv-ana, are stuck. Cheers, Ana",
                                           "code": "# by priv-ana\n"})
    assert resp.status_code == 200, resp.text
    sent = json.dumps(user_contents(received(llm.base_url)))
    assert received(llm.base_url) and not found(["priv-ana", "priv-bram", "bram", "ana"], sent), sent


def test_emails_are_found_where_a_run_of_address_characters_starts():
    from codementor.api.gateway.privacy import EMAIL, EMAIL_BRACKETED, scrub

    # the patterns start only at the start of a run (a search from inside a long run of digits or
    # letters took time quadratic in its length: 20 000 digits in a traceback took 50 s)
    assert EMAIL.pattern.startswith("(?<![") and "(?<![" in EMAIL_BRACKETED.pattern
    assert scrub("mail x.y-z+tag@uni.edu or (ana [at] uni [dot] edu)") == "mail [email] or ([email])"
    assert scrub("0" * 20000 + "@") == "0" * 20000 + "@"


def test_roster_names_are_found_word_by_word_as_one_alternation_of_them_would():
    """The roster matcher looks names up word by word (a class of 1,000 made the alternation slow):
    on texts made of names, their parts, other words and punctuation in any case, it replaces
    exactly what the alternation of every name (whole words, any case, longest first) replaces."""
    from codementor.api.gateway.privacy import _identities, _identity_pattern, _name_or_code, _normalised

    rng = random.Random(7)
    roster = ("ana.lopez", "Ana Lopez", "ana", "Bram Janssen", "bram.janssen", "carla_v", "dmitri", "max", "li", "o'neil",
              "jo-ann smith", "Zoë", "ana.lopez@uni.example.edu", "u-88213", "-dash", "x.y.z", "straße", "İlker", "ſam")
    terms = _normalised(frozenset(roster))
    reference = _identity_pattern(terms)
    pieces = [*roster, *(t.upper() for t in roster), "Ana", "LOPEZ", "lopezz", "anabel", "max(", "Max", "smith", "jo", "ann",
              "bram janssen", "zoë", "ZOË", "u-88213x", "STRASSE", "ILKER", "ilker", "SAM", "print", "1", "_", " ", " ", "\n", ".", "-", "@", "(", ")", "'", ","]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        assert _identities(terms).sub(text) == reference.sub(_name_or_code, text), text
    assert scrub("# Ana Lopez and bram.janssen, see max(xs)", roster) == "# [name] and [name], see max(xs)"
