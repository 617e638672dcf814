"""Plain functions behind the class endpoints and the dashboards (no servers needed)."""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path

import nbformat

from codementor.api.services.classroom import streak, streak_distribution
from codementor.api.services.roster import student_groups
from codementor.api.services.users import Identity
from codementor.dashboards.client import to_csv
from codementor.dashboards.hook import ADMIN_ENV, CELL_ID, TOKEN_ENV, forward_viewer_token, offline_page_config
from codementor.dashboards.widgets_html import nav

TODAY = date(2026, 11, 27)
MAPPING = {"instructors": ["students"]}


def days_back(*offsets: int) -> set[date]:
    return {TODAY - timedelta(days=n) for n in offsets}


def test_a_streak_counts_back_from_today_or_yesterday():
    assert streak(days_back(0, 1, 2), TODAY) == 3
    assert streak(days_back(1, 2), TODAY) == 2  # today is not over yet
    assert streak(days_back(0, 2, 3), TODAY) == 1
    assert streak(days_back(2, 3), TODAY) == 0
    assert streak_distribution({"a": 0, "b": 2, "c": 2}) == [{"days": 0, "students": 1}, {"days": 2, "students": 2}]


def test_instructors_see_their_own_groups_or_the_mapped_ones():
    own = Identity("otto", "instructor", ("instructors", "cs101", "cs102"))
    assert student_groups(own, MAPPING, {"instructors"}) == ["cs101", "cs102"]
    mapped = Identity("ines", "instructor", ("instructors",))
    assert student_groups(mapped, MAPPING, {"instructors"}) == ["students"]
    assert student_groups(mapped, {}, {"instructors"}) == []


def test_csv_has_the_export_columns_and_escapes_commas():
    text = to_csv([{"student": "ann", "exercise_id": "sum-of-evens", "topic": "loops, basics", "attempts": 2, "passed": True}])
    header, row = text.splitlines()
    assert header.startswith("student,exercise_id,topic,attempts,passed")
    assert row.startswith('ann,sum-of-evens,"loops, basics",2,True')


class FakeHubAuth:
    def get_token(self, handler):
        return "t0ken"


def test_the_viewer_token_reaches_the_kernel_through_a_private_file_never_a_cell(tmp_path, monkeypatch):
    handler = type("H", (), {"identity_provider": type("P", (), {"hub_auth": FakeHubAuth()})()})()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("overview_page()")])
    for _ in range(2):
        nb = forward_viewer_token(handler, nb, "/", folder=tmp_path)
    assert [c["id"] for c in nb.cells].count(CELL_ID) == 1
    first = nb.cells[0]
    assert first["id"] == CELL_ID and "t0ken" not in first.source
    (named,) = re.findall(r"_take\('([^']+)', False\)", first.source)  # not an admin: no admins' pages in the navigation
    assert Path(named).parent == tmp_path and Path(named).stat().st_mode & 0o777 == 0o600
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    monkeypatch.delenv(ADMIN_ENV, raising=False)
    exec(first.source, {})  # what the kernel runs: the token into its environment, the file gone
    assert os.environ[TOKEN_ENV] == "t0ken" and not Path(named).exists()
    assert "audit.ipynb" not in nav("overview.ipynb") and "Audit (admins)" in nav("audit.ipynb")
    admin = type("H", (), {"identity_provider": handler.identity_provider, "current_user": type("U", (), {"hub_user": {"admin": True}})()})()
    exec(forward_viewer_token(admin, nb, "/", folder=tmp_path).cells[0].source, {})
    assert "audit.ipynb" in nav("overview.ipynb")
    assert offline_page_config({"fullMathjaxUrl": "https://cdn"})["fullMathjaxUrl"] == "null"
    assert offline_page_config({"fullMathjaxUrl": "https://cdn"})["fullMathjaxUrl"] == "null"


def test_count_charts_have_whole_number_ticks_and_keep_their_natural_size():
    from codementor.dashboards.views import chart
    from codementor.dashboards.widgets_html import bar_chart, bar_figure, png_size

    fig = bar_figure([1, 2, 3], [1, 3, 2], "Attempts needed to pass", "students")
    ticks = fig.axes[0].get_yticks()
    assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks)  # no "1.5 students"
    png = bar_chart([1, 2], [1, 2], "t", "students")
    image = chart(png)
    assert (int(image.width), int(image.height)) == png_size(png) == (495, 252)  # 5.5 x 2.8 inches at 90 dpi
    assert chart(None).layout.display == "none"


def test_the_pass_rates_are_one_sortable_table_with_a_bar_per_row():
    from codementor.dashboards.views import exercises_table

    rows = [{"exercise_id": "b-ex", "title": "<b>", "submissions": 9, "students_attempted": 3, "students_passed": 1, "pass_rate": 1 / 3},
            {"exercise_id": "a-ex", "title": "A", "submissions": 2, "students_attempted": 2, "students_passed": 2, "pass_rate": 1.0}]
    lowest = exercises_table(rows, "pass rate, lowest first")
    assert lowest.index("b-ex") < lowest.index("a-ex") and "33%" in lowest and "&lt;b&gt;" in lowest and 'class="cm-bar"' in lowest
    by_name = exercises_table(rows, "exercise")
    assert by_name.index("a-ex") < by_name.index("b-ex")
