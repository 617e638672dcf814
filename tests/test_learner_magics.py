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
    assert "Streak: 0 day(s)" in out and "Badges (0 of" in out and "Next to earn: First attempt" in out
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
    assert "recursion ##########  95%  9 exercises solved mastered" in plain and "Streak: 3 day(s), longest 4" in plain


def test_the_skills_chart_is_a_png_with_a_bar_per_topic():
    from tutor_kernel_ext.learner import skills_chart_png

    skills = [{"topic": t, "level": 0.2 + 0.1 * i, "mastered": i == 3} for i, t in enumerate(("loops", "strings", "lists", "recursion"))]
    png = skills_chart_png(skills)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    taller = skills_chart_png(skills * 3)
    assert int.from_bytes(taller[20:24], "big") > int.from_bytes(png[20:24], "big")  # height grows with topics
    assert skills_chart_png([]) is None


def test_the_onboarding_form_saves_what_was_picked():
    from tutor_kernel_ext.learner import onboarding_form

    me = {"level": None, "topics": [], "timezone": "UTC", "timezone_is_course_default": True, "topics_available": ["loops", "strings"]}
    saved = []
    form = onboarding_form(me, lambda *args: saved.append(args) or "Saved.")
    level, topics, zone, button, _ = form.children
    level.value, topics.value, zone.value = "advanced", ("strings",), " Europe/Oslo "
    button.click()
    assert saved == [("advanced", ["strings"], "Europe/Oslo")]
