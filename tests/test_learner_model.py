"""Unit tests of the pure learner model: skill updates, the daily choice, streaks, badges."""

from __future__ import annotations

from datetime import date, timedelta

from codementor.api.learner.progress import BADGES, BADGES_BY_ID, Facts, earned_badges, streaks
from codementor.api.learner.selector import BAND, History, Item, Selector, band_probability, review_topics
from codementor.api.learner.skills import GENERAL, TEST_PRIOR_VAR, TESTLET_VAR, Belief, SkillState, attempt_credit, key_of_test

DAY = date(2026, 3, 2)


def test_a_clean_solve_raises_the_skill_more_than_a_hinted_one():
    clean, hinted, failed = SkillState("beginner"), SkillState("beginner"), SkillState("beginner")
    clean.update("loops", 0.0, attempt_credit(True, 1.0, 0))
    hinted.update("loops", 0.0, attempt_credit(True, 1.0, 3))
    failed.update("loops", 0.0, attempt_credit(False, 0.2, 0))
    assert clean.ability("loops")[0] > hinted.ability("loops")[0] > 0 > failed.ability("loops")[0]
    assert attempt_credit(True, 1.0, 3) < attempt_credit(True, 1.0, 1) < attempt_credit(True, 1.0, 0) == 1.0
    assert attempt_credit(True, 1.0, 50) == 0.5


def test_updates_shrink_uncertainty_and_spill_over_to_other_topics():
    s = SkillState("intermediate")
    before = s.ability("strings")
    var0 = s.ability("loops")[1]
    for _ in range(5):
        s.update("loops", 1.0, 1.0)
    assert s.ability("loops")[1] < var0
    assert s.ability("strings")[0] > before[0]  # through the general skill
    assert s.belief("loops").attempts == 5 and s.belief("loops").successes == 5


def test_the_self_reported_level_sets_the_prior_and_idle_days_widen_beliefs():
    assert SkillState("advanced").expected("loops", 0.0) > SkillState("intermediate").expected("loops", 0.0) > SkillState("beginner").expected("loops", 0.0)
    s = SkillState("beginner")
    for _ in range(10):
        s.update("loops", 0.0, 1.0)
    var = s.belief(GENERAL).var
    s.age(30)
    assert s.belief(GENERAL).var > var


def test_mastery_needs_evidence():
    s = SkillState("beginner")
    assert not s.mastered("loops")
    for _ in range(25):
        s.update("loops", 1.0, 1.0)
    assert s.mastered("loops") and s.summary("loops")["mastered"]


def bank() -> list[Item]:
    items = []
    for topic, prereq in (("expressions", ()), ("loops", ("expressions",)), ("recursion", ("loops",))):
        for level, d in (("easy", -1.0), ("medium", 0.0), ("hard", 1.0)):
            items.append(Item(f"{topic}-{level}", topic, d, prereq))
    return items


def test_the_choice_is_deterministic_per_student_and_day_and_varies_across_days():
    sel, skills, history = Selector(bank()), SkillState("intermediate"), History()
    first = [c.item.id for c in sel.choose(skills, history, "ann", DAY, 2)]
    assert first == [c.item.id for c in sel.choose(SkillState("intermediate"), History(), "ann", DAY, 2)]
    assert len(set(first)) == 2
    days = {tuple(c.item.id for c in sel.choose(skills, history, "ann", DAY + timedelta(days=n), 2)) for n in range(10)}
    assert all(len(d) == 2 for d in days)


def test_the_choice_aims_at_the_band_and_respects_prerequisites():
    sel = Selector(bank())
    beginner = sel.choose(SkillState("beginner"), History(), "bo", DAY, 3)
    assert all(c.item.topic == "expressions" for c in beginner)  # loops needs expressions first
    assert beginner[0].item.id == "expressions-easy"  # 73 % predicted: the one nearest the band
    advanced = sel.choose(SkillState("advanced"), History(), "bo", DAY, 1)[0]
    assert advanced.item.difficulty >= 0.0 and BAND[0] - 0.1 <= advanced.predicted <= BAND[1]


def test_solved_exercises_are_not_repeated_soon_and_a_failed_topic_comes_back_spaced():
    sel, skills = Selector(bank()), SkillState("advanced")
    history = History(solved={"loops-hard": DAY - timedelta(days=2)}, failed_topics={"recursion": DAY - timedelta(days=3)})
    chosen = sel.choose(skills, history, "cy", DAY, 2)
    assert "loops-hard" not in [c.item.id for c in chosen]
    assert chosen[0].review and chosen[0].item.topic == "recursion"
    assert review_topics(history, DAY + timedelta(days=1)) == []  # 4 days after: not a review day
    assert review_topics(history, DAY + timedelta(days=4)) == ["recursion"]  # 7 days after
    assert not any(c.review for c in sel.choose(skills, history, "cy", DAY + timedelta(days=1), 2))


def test_streaks_count_consecutive_days_and_survive_until_the_day_ends():
    days = [DAY - timedelta(days=n) for n in (1, 2, 3, 5, 6)]
    assert streaks(days, DAY) == {"current": 3, "longest": 3, "active_today": False}
    assert streaks(days + [DAY], DAY)["current"] == 4
    assert streaks(days, DAY + timedelta(days=1))["current"] == 0
    assert streaks([], DAY) == {"current": 0, "longest": 0, "active_today": False}


def facts(**kw) -> Facts:
    base = dict(passed=False, hints=0, difficulty="easy", earlier_attempts=0, earlier_failures=0, solved_before=False,
                submissions=1, solved_exercises=0, solved_topics=0, streak=1, gap_days=None, mastered_topics=0)
    return Facts(**{**base, **kw})


def test_badge_rules():
    assert len(BADGES) >= 10 and len({b.id for b in BADGES}) == len(BADGES)
    assert earned_badges(facts()) == ["first-steps"]
    clean = earned_badges(facts(passed=True, solved_exercises=1, solved_topics=1))
    assert {"first-solve", "on-your-own", "first-try"} <= set(clean)
    assert "on-your-own" not in earned_badges(facts(passed=True, hints=2, solved_exercises=1))
    assert "persistence" in earned_badges(facts(passed=True, earlier_attempts=3, earlier_failures=3, solved_exercises=1))
    assert "streak-7" in earned_badges(facts(streak=7)) and "streak-7" not in earned_badges(facts(streak=6))
    assert "comeback" in earned_badges(facts(gap_days=9)) and "comeback" not in earned_badges(facts(gap_days=2))
    assert "hard-nut" in earned_badges(facts(passed=True, difficulty="hard", solved_exercises=1))
    assert {"ten-solved", "explorer", "topic-mastered"} <= set(earned_badges(facts(solved_exercises=10, solved_topics=5, mastered_topics=1)))


def test_an_exercise_rating_moves_with_the_class():
    from codementor.api.learner.skills import ITEM_PRIOR_VAR, Belief

    item = Belief(0.0, ITEM_PRIOR_VAR)
    for _ in range(20):
        SkillState("advanced").update("loops", item, 0.0)  # strong students keep failing it
    assert item.mean > 0.5 and item.var < ITEM_PRIOR_VAR and item.attempts == 20


def test_an_empty_bank_gives_an_empty_day():
    assert Selector([]).choose(SkillState(), History(), "dee", DAY, 3) == []


def test_the_benchmark_runs_and_the_adaptive_policy_beats_the_baselines(capsys):
    from codementor.cli import main
    import json

    main(["bench", "adaptive", "--students", "60", "--days", "10", "--json"])
    result = json.loads(capsys.readouterr().out)
    rows = {r["policy"]: r for r in result["rows"]}
    assert set(rows) == {"adaptive", "adaptive+placement", "adaptive-pf", "random", "fixed", "informed", "told-g", "knows-g", "oracle"}
    assert result["students"] == 60 and rows["adaptive+placement"]["placement_questions"] >= 4 and rows["adaptive"]["placement_questions"] == 0
    assert all(r["assignments"] == 600 and 0 <= r["in_band_share"] <= 1 for r in rows.values())
    assert rows["adaptive"]["in_band_share"] > max(rows["random"]["in_band_share"], rows["fixed"]["in_band_share"])
    # knowing the truth helps, and knowing g without the topic offsets helps less than knowing them
    assert rows["informed"]["in_band_share"] > rows["knows-g"]["in_band_share"] > rows["adaptive"]["in_band_share"]
    assert result["topic_sd"] == 0.5 and 0.5 < result["unpractised_topic_bound"] < 0.7
    own = rows["adaptive"]["own_success"]  # days 8-10 of the 10: every student has 3 assignments there
    assert own["assignments_per_student"] == 3 and abs(sum(own["realised"]["histogram"]) - 1) < 1e-3
    # with 3 assignments a realised rate is 0, 1/3, 2/3 or 1: none in 70-85 %, whatever the policy
    assert result["goals"]["realised_ceiling"] == 0.0 and "first_week_gain_points" in result["goals"]
    # calibration: told-g knows g exactly; the placement check brings the general skill nearer the truth
    cal = {name: rows[name]["calibration"] for name in ("adaptive", "adaptive+placement", "told-g")}
    assert cal["told-g"]["general_at_start"]["rmse"] < 0.01 and cal["told-g"]["first_week_topics"]["rmse"] > 0.1
    assert cal["adaptive+placement"]["general_at_start"]["rmse"] < cal["adaptive"]["general_at_start"]["rmse"]
    assert all(c["first_week_topics"]["claimed_sd"] > 0 for c in cal.values()) and rows["random"]["calibration"]["first_week_topics"] is None


def test_the_placement_lines_what_if_repeats_each_questions_levels():
    import random
    from types import SimpleNamespace

    import pytest

    from codementor.bench.adaptive import main, make_world

    bank, longer = make_world(random.Random(2), per_level=1), make_world(random.Random(2), per_level=1, placement_lines=7)
    for q, w in zip(bank.questions, longer.questions):
        assert w.id == q.id and len(w.parts) == 7 and len(longer.question_parts[w.id]) == 7
        assert w.parts[: len(q.parts)] == q.parts[:7] and set(w.parts) == set(q.parts)
    with pytest.raises(SystemExit, match="--placement-lines is a number of lines"):
        main(SimpleNamespace(placement_lines=-1))
    with pytest.raises(SystemExit, match="--placement-questions is a number of questions"):
        main(SimpleNamespace(placement_lines=0, placement_questions=-2))


def test_the_placement_questions_what_if_asks_exactly_that_many():
    import random

    from codementor.bench.adaptive import Placed, make_student, make_world

    world = make_world(random.Random(4), per_level=1, placement_lines=40)  # the general skill is soon known: the API's rule stops at 4
    asked = Placed(world, make_student(random.Random(1), 1), Placed.shared(world)).place(world, random.Random(2))
    world.placement_questions = 6
    assert asked == 4 and Placed(world, make_student(random.Random(1), 1), Placed.shared(world)).place(world, random.Random(2)) == 6


def test_the_printed_bound_is_what_a_centred_choice_catches():
    """Monte Carlo: with the ability known to sd s, a band centred on the estimate catches it band_bound of the time."""
    import random

    from codementor.bench.adaptive import band_bound

    rng, width, sd = random.Random(7), 0.85, 0.5
    errors = [rng.gauss(0, sd) for _ in range(40_000)]
    centred = sum(abs(e) <= width / 2 for e in errors) / len(errors)
    shifted = sum(0.2 - width / 2 <= e <= 0.2 + width / 2 for e in errors) / len(errors)  # a band 0.2 off the estimate
    assert abs(centred - band_bound(width, sd)) < 0.01
    assert shifted < centred
    assert band_bound(width, 0.0) == 1.0 and band_bound(width, 0.33) > 0.79 > band_bound(width, 0.34)


def test_the_simulated_grader_is_consistent_with_the_band():
    import random

    from codementor.bench.adaptive import make_world

    world = make_world(random.Random(3), per_level=1)
    item = world.items[4]
    tests, (low, high) = world.tests[item.id], world.band[item.id]
    assert 7 <= len(tests) <= 19 and low < high
    assert abs(world.success_chance(world.true_difficulty[item.id], tests) - 0.5) < 1e-6
    assert abs(world.success_chance(low, tests) - BAND[0]) < 1e-6 and abs(world.success_chance(high, tests) - BAND[1]) < 1e-6


def fresh_tests(n: int, mean: float = -2.0) -> list[Belief]:
    return [Belief(mean, TEST_PRIOR_VAR) for _ in range(n)]


def test_per_test_results_say_more_than_pass_or_fail():
    near, far = SkillState("beginner"), SkillState("beginner")
    near.update_tests("loops", Belief(0.0, 0.3), list(zip(fresh_tests(10), [True] * 9 + [False])), passed=False)
    far.update_tests("loops", Belief(0.0, 0.3), list(zip(fresh_tests(10), [False] * 10)), passed=False)
    assert near.ability("loops")[0] > far.ability("loops")[0]  # a near miss is not a zero
    graded, binary = SkillState("beginner"), SkillState("beginner")
    graded.update_tests("loops", Belief(0.0, 0.3), list(zip(fresh_tests(10), [True] * 10)), passed=True)
    binary.update("loops", Belief(0.0, 0.3), 1.0)
    assert graded.ability("loops")[0] > binary.ability("loops")[0] > 0
    assert graded.ability("loops")[1] < binary.ability("loops")[1]  # and leaves the estimate surer


def test_many_tests_of_one_attempt_are_not_many_attempts():
    def after(n_tests: int) -> float:
        s = SkillState("beginner")
        s.update_tests("loops", Belief(0.0, 0.3), list(zip(fresh_tests(n_tests, 0.0), [False] * n_tests)), passed=False)
        return s.ability("loops")[1]

    assert after(200) < after(10)  # more tests, more evidence...
    assert after(200) - after(10_000) < 0.01  # ...up to the cap the attempt effect sets
    assert after(10_000) > TESTLET_VAR


def test_hints_discount_the_passed_tests_and_every_rating_moves():
    clean, hinted = SkillState("beginner"), SkillState("beginner")
    exercise, ratings = Belief(0.0, 0.3), fresh_tests(8)
    clean.update_tests("loops", exercise, list(zip(ratings, [True] * 8)), passed=True)
    hinted.update_tests("loops", Belief(0.0, 0.3), list(zip(fresh_tests(8), [True] * 8)), passed=True, hints=3)
    assert clean.ability("loops")[0] > hinted.ability("loops")[0] > 0
    assert exercise.mean < 0.0 and exercise.attempts == 1 and exercise.successes == 1
    assert all(r.mean < -2.0 and r.attempts == 1 for r in ratings)  # passed by a beginner: easier than thought
    assert key_of_test("loops-sum", "empty list") == key_of_test("loops-sum", "empty list") != key_of_test("loops-sum", "one item")
    assert "#" in key_of_test("loops-sum", "x") and len(key_of_test("x" * 100, "y")) <= 100


def test_the_choice_prefers_the_exercise_most_likely_in_the_band():
    skills = SkillState("intermediate")
    for _ in range(6):
        skills.update("loops", 0.0, 1.0)
    mean, _ = skills.ability("loops")
    items = [Item(f"loops-{k}", "loops", mean - shift, ()) for k, shift in enumerate((0.0, 1.3, 3.0))]
    scores = [band_probability(skills, it) for it in items]
    assert scores[1] == max(scores)  # predicted chance about 78 %
    assert Selector(items).choose(skills, History(), "eve", DAY, 1)[0].item.id == "loops-1"
    known, unknown = Item("k", "loops", mean - 1.3), Item("u", "strings", skills.ability("strings")[0] - 1.3)
    assert band_probability(skills, known) > band_probability(skills, unknown)  # the same aim, but surer


SUCCESS_WORDS = ("solve", "solution", "success", "master", "pass", "nut", "first try", "on your own")


def test_a_failed_submission_earns_no_badge_named_like_a_success():
    failing = [facts(), facts(streak=30, gap_days=9), facts(earlier_attempts=3, earlier_failures=3, submissions=4)]
    earned = {b for f in failing for b in earned_badges(f)}
    assert "first-steps" in earned and "streak-30" in earned and "comeback" in earned
    for badge_id in earned:
        title = BADGES_BY_ID[badge_id].title.lower()
        assert not any(word in title for word in SUCCESS_WORDS), title
    assert BADGES_BY_ID["first-steps"].title == "First attempt"


def test_a_hinted_solve_after_failures_never_shows_as_a_drop():
    """The filter may lower its estimate at a hinted solve; the shown estimate does not fall,
    and the topic is not shown below one never tried."""
    for graded in (False, True):
        state = SkillState(level="intermediate")
        exercise = Belief(1.0, 0.1)
        tests = [Belief(-1.0, 1.0) for _ in range(4)]
        for _ in range(2):  # two failed attempts at a hard loops exercise
            if graded:
                state.update_tests("loops", exercise, [(t, i == 0) for i, t in enumerate(tests)], False, hints=3)
            else:
                state.update("loops", exercise, attempt_credit(False, 0.25, 3))
        before, model_before = state.shown_level("loops"), state.summary("loops")["level"]
        if graded:
            state.update_tests("loops", exercise, [(t, True) for t in tests], True, hints=3)
        else:
            state.update("loops", exercise, attempt_credit(True, 1.0, 3))
        state.note_solve("loops", before)
        after = state.summary("loops")
        assert after["shown"] >= round(before, 3) and after["shown"] >= round(state.untouched_level(), 3), (graded, before, after)
        assert after["shown"] >= state.summary("strings")["shown"]
        if not graded:  # the case the view used to show: the filter's own estimate went below an untouched topic
            assert model_before > after["level"] or after["level"] < state.summary("strings")["level"]


def test_the_skills_after_a_submission_tell_how_many_hidden_tests_passed_not_which():
    """A student is told the hidden tests' count only; their skills, shown after each submission,
    must not tell which hidden test passed either (the tests' own ratings differ). Without hints a
    step depends on the number of passes alone; hints discount the passes, and then on which."""
    def after(passes: list[bool], hidden=frozenset({3, 4, 5})) -> tuple:
        state = SkillState("beginner")
        ratings = [Belief(m, 0.2) for m in (-2.5, -2.0, -1.5, -3.0, -1.0, 0.5)]  # three visible, three hidden
        state.update_tests("loops", Belief(0.0, 0.3), list(zip(ratings, passes)), passed=False, hints=2, hidden=hidden)
        return tuple((round(b.mean, 9), round(b.var, 9)) for b in (state.belief(GENERAL), state.belief("loops")))

    visible = [True, False, True]
    # one hidden test of three passed: the easiest one, the middle one or the hardest one
    shown = {after(visible + pattern) for pattern in ([True, False, False], [False, True, False], [False, False, True])}
    assert len(shown) == 1
    assert after(visible + [True, True, False]) != after(visible + [True, False, False])  # the count still counts
    # the control: were the hidden tests stepped one by one, which one passed would show
    assert len({after(visible + p, frozenset()) for p in ([True, False, False], [False, False, True])}) == 2
