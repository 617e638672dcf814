"""The placement check: its questions print what the bank says, the chooser, and the real API end to end."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import httpx
import pytest

from codementor.api.learner import placement
from codementor.api.learner.skills import GENERAL, SkillState
from codementor.exercise_bank.placement import check_answers, line_is_right, load_questions, validate_questions
from codementor.exercise_bank.topics import TOPICS


def test_every_question_prints_what_the_bank_says_and_every_topic_has_one():
    questions = load_questions()
    assert validate_questions(questions) == []
    assert {q.topic for q in questions} == set(TOPICS)
    assert all("output" not in q.public() and q.public()["lines"] == len(q.output) for q in questions)


def test_answers_forgive_spacing_and_quotes_but_nothing_else():
    assert line_is_right("[1, 2]", " [1,  2] ") and line_is_right("hi you", "'hi you'") and line_is_right("hi", '"hi"')
    assert not line_is_right("'a'", "a") and not line_is_right("3", "3.0") and not line_is_right("True", "true")
    question = load_questions()[0]
    assert check_answers(question, list(question.output)) == [True] * len(question.output)
    assert check_answers(question, [question.output[0]]) == [True] + [False] * (len(question.output) - 1)  # a missing line is wrong


def test_the_chooser_spreads_over_topics_and_answers_move_the_skills_not_the_counts():
    questions = [placement.Question.of(q) for q in load_questions()]
    skills, asked = SkillState(level="beginner"), []
    while (q := placement.next_question(skills, questions, asked, TOPICS)) is not None:
        before = skills.belief(GENERAL).mean
        placement.record(skills, q, [True] * len(q.parts))
        assert skills.belief(GENERAL).mean > before  # every line right: the general skill goes up
        asked.append(q.id)
    topics = [q.topic for q in questions if q.id in asked]
    assert placement.MIN_QUESTIONS <= len(asked) <= placement.MAX_QUESTIONS and len(set(topics)) == len(topics)
    assert all(b.attempts == 0 and b.successes == 0 for b in skills.beliefs.values())  # no exercise was attempted
    # a student who gets everything right is asked harder questions than one who gets everything wrong
    weak, weak_asked = SkillState(level="beginner"), []
    while (q := placement.next_question(weak, questions, weak_asked, TOPICS)) is not None:
        placement.record(weak, q, [False] * len(q.parts))
        weak_asked.append(q.id)
    by_id = {q.id: q for q in questions}
    assert sum(by_id[i].difficulty for i in asked) > sum(by_id[i].difficulty for i in weak_asked)


@pytest.fixture(scope="module")
def students(hub):
    for name in ("placed-pia", "placed-quinn"):
        hub.create_user(name)
    return {name: {"Authorization": f"token {hub.user_token(name)}"} for name in ("placed-pia", "placed-quinn")}


@pytest.mark.e2e
def test_a_placement_check_through_the_api(stack, students):
    pia, url = students["placed-pia"], f"{stack.api_url}/me/placement"
    assert httpx.get(url, headers=pia).json()["status"] == "not_started"
    early = httpx.post(f"{url}/answers", json={"question_id": "expressions-a", "answers": ["13"]}, headers=pia)
    assert early.status_code == 409 and "POST /me/placement first" in early.json()["error"]["message"]

    state = httpx.post(url, headers=pia).json()
    assert state["status"] == "in_progress" and 0 < state["seconds_left"] <= 300
    question = state["question"]
    assert set(question) == {"id", "topic", "code", "lines"}  # never the expected output before it is answered
    again = httpx.post(url, headers=pia).json()
    assert again["question"] == question and again["asked"] == 0  # starting again shows where it stands

    wrong_id = httpx.post(f"{url}/answers", json={"question_id": "no-such", "answers": []}, headers=pia)
    assert wrong_id.status_code == 409 and wrong_id.json()["error"]["details"]["current"] == question["id"]
    for bad in ({"question_id": question["id"], "answers": ["x" * 201]}, {"question_id": question["id"], "answers": ["1"] * 21},
                {"question_id": question["id"]}, {"question_id": question["id"], "answers": [], "extra": 1}):
        assert httpx.post(f"{url}/answers", json=bad, headers=pia).status_code == 400, bad

    bank = {q.id: q for q in load_questions()}
    progress_before = httpx.get(f"{stack.api_url}/progress", headers=pia).json()
    seen, answered = [], 0
    while state["question"] is not None:
        q = bank[state["question"]["id"]]
        seen.append(q.topic)
        state = httpx.post(f"{url}/answers", json={"question_id": q.id, "answers": list(q.output)}, headers=pia).json()
        answered += 1
        assert state["last"] == {"question": q.id, "correct": [True] * len(q.output), "expected": list(q.output)}
    assert state["status"] == "finished" and placement.MIN_QUESTIONS <= answered <= placement.MAX_QUESTIONS
    assert len(set(seen)) == len(seen) and state["answered"][0]["right"] == state["answered"][0]["lines"]
    late = httpx.post(f"{url}/answers", json={"question_id": seen and state["answered"][0]["question"], "answers": []}, headers=pia)
    assert late.status_code == 409 and "over" in late.json()["error"]["message"]

    # the answers seeded the skills (all right: every estimate went up) without counting as exercises
    after = {s["topic"]: s for s in httpx.get(f"{stack.api_url}/progress", headers=pia).json()["skills"]}
    before = {s["topic"]: s for s in progress_before["skills"]}
    assert all(after[t]["level"] > before[t]["level"] for t in after) and all(s["attempts"] == 0 for s in after.values())
    # the other student's check is their own
    assert httpx.get(url, headers=students["placed-quinn"]).json()["status"] == "not_started"


@pytest.mark.e2e
def test_skipping_ends_the_check_and_keeps_what_was_answered(stack, students):
    quinn, url = students["placed-quinn"], f"{stack.api_url}/me/placement"
    first = httpx.post(url, headers=quinn).json()["question"]
    state = httpx.post(f"{url}/answers", json={"question_id": first["id"], "answers": ["?"]}, headers=quinn).json()
    assert state["last"]["correct"][0] is False and state["question"]["id"] != first["id"]
    done = httpx.post(f"{url}/finish", headers=quinn).json()
    assert done["status"] == "finished" and done["question"] is None and [a["question"] for a in done["answered"]] == [first["id"]]
    assert httpx.post(url, headers=quinn).json()["status"] == "finished"  # it runs once


async def test_the_time_limit_closes_the_check(services):
    from codementor.api import db
    from codementor.api.services import placement as service
    from codementor.api.services.clock import utcnow
    from codementor.api.services.users import Identity, UserDirectory

    engine = db.make_engine(services.database_url)
    sessions = db.make_sessionmaker(engine)
    now = [utcnow()]
    ctx = SimpleNamespace(sessionmaker=sessions, users=UserDirectory(sessions, ["instructors"]), clock=lambda: now[0])
    who = Identity("placement-clock", "student", ())
    try:
        started = await service.start_placement(ctx, who)
        assert started["status"] == "in_progress" and started["question"] is not None
        now[0] += timedelta(seconds=placement.TIME_LIMIT_SECONDS + 1)  # the student went for a coffee
        later = await service.my_placement(ctx, who)
        assert later["status"] == "finished" and later["question"] is None and later["answered"] == []
    finally:
        await engine.dispose()
