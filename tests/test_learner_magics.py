"""%onboard and %progress in an IPython shell, talking to the real API service."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from tutor_kernel_ext.learner import format_progress
from tutor_kernel_ext.magics import TutorMagics

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def ip(stack, hub, ipython_shell):
    hub.create_user("nora")
    shell = ipython_shell
    magics = TutorMagics(shell=shell, api_url=stack.api_url, api_token=hub.user_token("nora"))
    shell.register_magics(magics)
    yield shell


def test_onboard_sets_the_profile_and_explains_mistakes(ip, capsys):
    ip.run_line_magic("onboard", "--level beginner --topics loops,strings --timezone Europe/Paris")
    assert "Level: beginner · topics: loops, strings · time zone: Europe/Paris" in capsys.readouterr().out
    ip.run_line_magic("onboard", "--level advanced")  # keeps topics and time zone
    assert "Level: advanced · topics: loops, strings · time zone: Europe/Paris" in capsys.readouterr().out
    with pytest.raises(UsageError, match="unknown time zone 'Mars/Base'"):
        ip.run_line_magic("onboard", "--level beginner --timezone Mars/Base")
    with pytest.raises(UsageError, match="unknown topic 'cooking'"):
        ip.run_line_magic("onboard", "--level beginner --topics cooking")
    with pytest.raises(UsageError):
        ip.run_line_magic("onboard", "--level wizard")


def test_the_placement_check_in_a_notebook(ip, capsys):
    from codementor.exercise_bank.placement import load_questions

    ip.run_line_magic("placement", "")
    assert "%placement start" in capsys.readouterr().out
    ip.run_line_magic("placement", "start")
    shown = capsys.readouterr().out
    assert "Question 1" in shown and "%%placement" in shown and "What does this print?" in shown
    question = next(q for q in load_questions() if q.code.rstrip() in shown)
    ip.run_cell_magic("placement", "", "\n".join(question.output[:-1]) + "\nnot it\n")
    verdict = capsys.readouterr().out
    assert f"{len(question.output) - 1} of {len(question.output)} lines right" in verdict and f"it prints {question.output[-1]}" in verdict
    assert "Question 2" in verdict
    ip.run_line_magic("placement", "skip")
    assert "Placement check done: 1 snippet answered" in capsys.readouterr().out
    with pytest.raises(UsageError, match="no placement question"):
        ip.run_cell_magic("placement", "", "13\n")


def test_progress_shows_streak_badges_and_skills_as_text(ip, capsys):
    ip.run_line_magic("progress", "")
    out = capsys.readouterr().out
    assert "Streak: 0 days, longest 0 days" in out and "Badges (0 of" in out and "Next to earn: First attempt" in out
    assert "loops" in out and "#" in out and "█" not in out  # plain text falls back from the bar glyphs


def test_format_progress_draws_a_bar_per_topic():
    data = {
        "streak": {"current": 3, "longest": 4, "active_today": True},
        "badges": [{"id": "first-solve", "title": "First solve", "rule": "..."}],
        "badges_to_earn": [],
        "skills": [{"topic": "loops", "level": 0.8, "successes": 2, "attempts": 3, "solved": 4, "mastered": False},
                   {"topic": "recursion", "level": 0.95, "successes": 9, "attempts": 9, "mastered": True}],
    }
    markdown, plain = format_progress(data)
    assert "████████░░  80%" in markdown and "🏅 First solve" in markdown
    assert "loops     ########..  80%  4 exercises solved" in plain
    assert "recursion ##########  95%  9 exercises solved mastered" in plain and "Streak: 3 days, longest 4 days" in plain


def test_progress_as_widgets_is_the_same_view_with_a_bar_per_topic():
    import ipywidgets as w

    from tutor_kernel_ext.learner import progress_widget

    data = {
        "streak": {"current": 1, "longest": 1, "active_today": True},
        "badges": [{"id": "first-solve", "title": "First <solve>", "rule": "..."}], "badges_to_earn": [],
        "skills": [{"topic": "loops", "level": 0.5, "shown": 0.62, "successes": 1, "attempts": 1, "solved": 1, "mastered": False},
                   {"topic": "strings", "level": 0.3, "successes": 0, "attempts": 0, "mastered": False}],
    }
    view = progress_widget(data)
    header, *rows = view.children
    assert "Streak:</b> 1 day, longest 1 day" in header.value and "First &lt;solve&gt;" in header.value  # escaped, singular
    bars = [next(c for c in row.children if isinstance(c, w.FloatProgress)) for row in rows]
    assert [round(b.value, 2) for b in bars] == [0.62, 0.3]  # the shown estimate, never the raw one
    assert rows[0].children[-1].value == "62% · 1 exercise solved" and rows[1].children[-1].value == "30% · not tried yet"


def test_submission_results_name_each_verdict_in_words_and_count_correctly():
    from tutor_kernel_ext.magics import format_results

    one = {"passed": True, "tests": [{"name": "t1", "hidden": False, "passed": True}]}
    assert format_results(one)[0].startswith("**The test passed.**")
    some = {"passed": False, "tests": [{"name": "t1", "hidden": False, "passed": True}, {"name": "t2", "hidden": True, "passed": False}]}
    markdown, plain = format_results(some)
    assert "**1 of 2 tests passed.**" in markdown and "✅ passed: t1" in markdown and "❌ failed: t2 (hidden)" in markdown
    assert "- passed: t1" in plain and "- failed: t2 (hidden)" in plain and "✅" not in plain  # an older API's answer
    counted = {"passed": False, "tests": [{"name": "t1", "hidden": False, "passed": True}, {"name": "t2", "hidden": False, "passed": False}],
               "hidden_tests": {"passed": 2, "total": 3, "all_passed": False}}
    markdown, plain = format_results(counted)
    assert "**3 of 5 tests passed.**" in markdown and "❌ failed: t2" in markdown
    assert "- ❌ hidden tests: 2 of 3 passed (which ones is not shown)" in markdown and "- hidden tests: 2 of 3 passed" in plain
    solved = {"passed": True, "tests": [{"name": "t1", "hidden": False, "passed": True}], "hidden_tests": {"passed": 3, "total": 3, "all_passed": True}}
    assert format_results(solved)[0].startswith("**All 4 tests passed.**")


def test_the_onboarding_form_saves_what_was_picked():
    from tutor_kernel_ext.learner import onboarding_form

    me = {"level": None, "topics": [], "timezone": "UTC", "timezone_is_course_default": True, "topics_available": ["loops", "strings"]}
    saved = []
    form = onboarding_form(me, lambda *args: saved.append(args) or "Saved.")
    level, topics, zone, button, _ = form.children
    level.value, topics.value, zone.value = "advanced", ("strings",), " Europe/Oslo "
    button.click()
    assert saved == [("advanced", ["strings"], "Europe/Oslo")]
