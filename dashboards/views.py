"""The dashboard pages as ipywidgets: each notebook calls one of these and displays it."""

from __future__ import annotations

import base64
from datetime import date, timedelta

import ipywidgets as w

from .client import ClassAPI, DashboardError, to_csv, query_params
from .widgets_html import bar_cell, bar_chart, error, esc, kpi, nav, png_size, table


def chart(png: bytes | None = None) -> w.Image:
    """A chart at its natural size (a stretched PNG blurs its text)."""
    image = w.Image(format="png")
    set_chart(image, png)
    return image


def set_chart(image: w.Image, png: bytes | None) -> None:
    if png is None:
        image.layout.display = "none"
        return
    width, height = png_size(png)
    image.value, image.width, image.height = png, str(width), str(height)
    image.layout.display, image.layout.max_width = "", "100%"


EXERCISE_SORTS = {
    "pass rate, lowest first": (lambda e: (e["pass_rate"], e["exercise_id"]), False),
    "most submissions": (lambda e: (e["submissions"], e["exercise_id"]), True),
    "exercise": (lambda e: e["exercise_id"], False),
}


def exercises_table(exercises: list[dict], sort: str) -> str:
    """Pass rate per exercise, one row each, the rate drawn as a bar beside its number."""
    key, reverse = EXERCISE_SORTS[sort]
    rows = [{**e, "pass_rate": bar_cell(e["pass_rate"])} for e in sorted(exercises, key=key, reverse=reverse)]
    columns = [("exercise_id", "exercise"), ("title", "title"), ("submissions", "submissions"), ("students_attempted", "attempted"),
               ("students_passed", "passed"), ("pass_rate", "pass rate")]
    return table(rows, columns, "no submissions in this window", html_keys=frozenset({"pass_rate"}))


def _api_or_error(current: str):
    try:
        return ClassAPI(), None
    except DashboardError as err:
        return None, w.HTML(nav(current) + error(str(err)))


def overview_page() -> w.Widget:
    """Class overview: activity, pass rate per exercise, streaks, hints, tutor, LLM cost."""
    api, failed = _api_or_error("overview.ipynb")
    if failed:
        return failed
    try:
        data = api.get("overview")
    except DashboardError as err:
        return w.HTML(nav("overview.ipynb") + error(str(err)))
    scope = data["scope"]["groups"]
    header = nav("overview.ipynb") + f"<h2>Class overview, {data['day']}</h2><p>Groups: {'all students' if scope == 'all' else ', '.join(scope) or 'none'}</p>"
    kpis = "".join(
        [
            kpi("students", data["students"]),
            kpi("active today", data["active_today"]),
            kpi("submissions today", data["submissions"]["today"]),
            kpi("submissions this week", data["submissions"]["week"]),
            kpi("hints today", data["hints"]["today"]),
            kpi("hints this week", data["hints"]["week"]),
            kpi("tutor questions today", data["tutor"]["questions_today"]),
            kpi("LLM cost today (USD)", data["llm_cost_usd"]["today"]),
            kpi("LLM cost this week (USD)", data["llm_cost_usd"]["week"]),
        ]
    )
    exercises = data["exercises"]
    # one view of the pass rates (a sortable table with a bar per row), not a table and a chart of the same numbers
    sort = w.ToggleButtons(options=list(EXERCISE_SORTS), description="Sort by", style={"button_width": "auto"})
    listing = w.HTML(exercises_table(exercises, sort.value))
    sort.observe(lambda change: setattr(listing, "value", exercises_table(exercises, change["new"])), names="value")
    streaks = chart(bar_chart([s["days"] for s in data["streaks"]], [s["students"] for s in data["streaks"]], "Current streaks (days)", "students")
                    if data["streaks"] else None)
    return w.VBox([w.HTML(header + kpis), w.HTML(f"<h3>Exercises, last {data['window_days']} days</h3>"), sort, listing, streaks])


def _timeline_rows(items: list[dict]) -> list[dict]:
    out = []
    for ev in items:
        if ev["kind"] == "hint":
            what = f"hint rung {ev['rung']} ({ev['source']})"
        elif ev["kind"] == "tutor":
            what = "asked: " + ev["question"]
        else:
            what = ("passed" if ev["passed"] else "failed") + f", score {ev['score']:.0%}"
        out.append({"at": ev["at"][:19].replace("T", " "), "kind": ev["kind"], "exercise_id": ev["exercise_id"], "what": what})
    return out


def student_page() -> w.Widget:
    """One student's timeline and skills; the name comes from ?student= or the picker."""
    api, failed = _api_or_error("student.ipynb")
    if failed:
        return failed
    try:
        names = [s["name"] for s in api.all_items("students", limit=200, max_pages=50)]
    except DashboardError as err:
        return w.HTML(nav("student.ipynb") + error(str(err)))
    wanted = query_params().get("student", "")
    picker = w.Combobox(value=wanted, options=names, placeholder="student name", description="Student", ensure_option=False)
    out = w.HTML()

    def show(_=None):
        name = picker.value.strip()
        if not name:
            out.value = "<p><i>pick a student</i></p>"
            return
        try:
            data = api.get(f"students/{name}", limit=100)
        except DashboardError as err:
            out.value = error(str(err))
            return
        skills = table(data["skills"], [("topic", "topic"), ("exercises", "exercises"), ("attempted", "attempted"), ("passed", "passed")])
        events = table(_timeline_rows(data["timeline"]["items"]), [("at", "when (UTC)"), ("kind", "kind"), ("exercise_id", "exercise"), ("what", "result")], "no activity yet")
        out.value = f'<h3 class="cm-student">{esc(name)}</h3><h4>Skills per topic</h4>{skills}<h4>Timeline (newest first)</h4>{events}'

    picker.observe(show, names="value")
    show()
    return w.VBox([w.HTML(nav("student.ipynb") + "<h2>Student drill-down</h2>"), picker, out])


def exercise_page() -> w.Widget:
    """One exercise across the class: attempts to pass, common errors, hint rungs."""
    api, failed = _api_or_error("exercise.ipynb")
    if failed:
        return failed
    try:
        ids = [e["exercise_id"] for e in api.get("overview", days=90)["exercises"]]
    except DashboardError as err:
        return w.HTML(nav("exercise.ipynb") + error(str(err)))
    wanted = query_params().get("exercise", "")
    picker = w.Combobox(value=wanted or (ids[0] if ids else ""), options=ids, description="Exercise", ensure_option=False)
    out, attempts = w.HTML(), chart()

    def show(_=None):
        try:
            data = api.get(f"exercises/{picker.value.strip()}")
        except DashboardError as err:
            out.value = error(str(err))
            set_chart(attempts, None)
            return
        summary = f"<h3>{esc(data['title'])}</h3><p>{data['students_passed']} of {data['students_attempted']} students passed</p>"
        errors = table(data["common_errors"], [("error", "failing test or error"), ("count", "times")], "no failures")
        rungs = table(data["hint_rungs"], [("rung", "hint rung"), ("students", "students"), ("of", "rungs in ladder")], "no hints taken")
        out.value = summary + "<h4>Common errors</h4>" + errors + "<h4>Hint rungs used</h4>" + rungs
        att = data["attempts_to_pass"]
        set_chart(attempts, bar_chart([a["attempts"] for a in att], [a["students"] for a in att], "Attempts needed to pass", "students") if att else None)

    picker.observe(show, names="value")
    if picker.value:
        show()
    return w.VBox([w.HTML(nav("exercise.ipynb") + "<h2>Exercise drill-down</h2>"), picker, attempts, out])


def export_page() -> w.Widget:
    """CSV of grades and progress per student and exercise for a date range."""
    api, failed = _api_or_error("export.ipynb")
    if failed:
        return failed
    today = date.today()
    start, end = w.DatePicker(value=today - timedelta(days=6), description="From"), w.DatePicker(value=today, description="To")
    button, out = w.Button(description="Build CSV", icon="download"), w.HTML()

    def build(_=None):
        if not start.value or not end.value:
            out.value = error("pick both dates")
            return
        try:
            rows = api.all_items("export", limit=1000, **{"from": start.value.isoformat(), "to": end.value.isoformat()})
        except DashboardError as err:
            out.value = error(str(err))
            return
        data = base64.b64encode(to_csv(rows).encode()).decode()
        name = f"grades-{start.value.isoformat()}-{end.value.isoformat()}.csv"
        shown = [{**r, "due_at": (r.get("due_at") or "")[:16].replace("T", " "), "late": {True: "late", False: "on time"}.get(r.get("late"), "")} for r in rows[:10]]
        preview = table(shown, [(c, c.replace("_", " ")) for c in ("student", "exercise_id", "attempts", "passed", "best_score", "hints", "due_at", "late")],
                        "no submissions in this range")
        out.value = f'<p>{len(rows)} rows. <a class="cm-download" download="{name}" href="data:text/csv;base64,{data}">Download {name}</a></p>{preview}'

    button.on_click(build)
    build()
    return w.VBox([w.HTML(nav("export.ipynb") + "<h2>Export grades and progress</h2>"), w.HBox([start, end, button]), out])


PASSBACK_COURSE_COLUMNS = [("title", "LMS course"), ("group", "Hub group"), ("last_sync", "last sync"), ("sent", "sent"),
                           ("pending", "queued"), ("retrying", "retrying"), ("failed", "failed"), ("next_attempt", "next attempt")]
PASSBACK_ROW_COLUMNS = [("student", "student"), ("label", "column"), ("score", "score"), ("maximum", "of"), ("status", "status"),
                        ("attempts", "attempts"), ("sent_at", "sent"), ("next_attempt", "next attempt"), ("last_error", "last error")]


def gradebook_html(data: dict) -> str:
    """The LMS grade passback of the viewer's courses (GET /class/passback) as HTML."""
    if data.get("mode") == "off" and not data["courses"]:
        return "<p>Grade passback to an LMS is off (sign-in by LTI 1.3 and CODEMENTOR_LTI_TOKEN_URL turn it on).</p>"
    failing = sum(c["failed"] for c in data["courses"])
    retrying = sum(c["retrying"] for c in data["courses"])
    alert = error(f"{failing} scores could not be posted; see the last error below") if failing else ""
    if retrying:
        alert += f"<p>{retrying} scores wait for the LMS to answer again; they are retried with growing pauses.</p>"
    return (f"<h2>LMS gradebook sync</h2><p>Posting: {esc(data.get('mode'))}</p>{alert}"
            + table(data["courses"], PASSBACK_COURSE_COLUMNS, "no launches from an LMS course yet")
            + "<h3>Latest scores</h3>" + table(data["recent"], PASSBACK_ROW_COLUMNS, "no scores yet"))


def gradebook_page() -> w.Widget:
    """LMS grade passback: last sync, queued and failed scores per course of the viewer."""
    api, failed = _api_or_error("gradebook.ipynb")
    if failed:
        return failed
    try:
        data = api.get("passback")
    except DashboardError as err:
        return w.HTML(nav("gradebook.ipynb") + error(str(err)))
    return w.HTML(nav("gradebook.ipynb") + gradebook_html(data))


ASSIGNMENT_COLUMNS = [("day", "day"), ("group", "group"), ("exercise_id", "exercise"), ("due", "due (UTC)"), ("id", "id")]


def assignments_html(items: list[dict]) -> str:
    rows = [{**a, "due": (a["due_at"] or "")[:16].replace("T", " ")} for a in items]
    return table(rows, ASSIGNMENT_COLUMNS, "no assignments from this week on")


def assignments_page() -> w.Widget:
    """Pin exercises to a day for one of the viewer's groups, with an optional due time; see and remove them."""
    api, failed = _api_or_error("assignments.ipynb")
    if failed:
        return failed
    try:
        groups = api.get("overview")["scope"]["groups"]
        exercises = [e["id"] for e in api.get("exercises", area="course")["exercises"]]
    except DashboardError as err:
        return w.HTML(nav("assignments.ipynb") + error(str(err)))
    group = w.Combobox(options=[] if groups == "all" else list(groups), placeholder="Hub group", description="Group", ensure_option=False)
    exercise = w.Combobox(options=exercises, placeholder="exercise id", description="Exercise", ensure_option=True)
    day = w.DatePicker(value=date.today(), description="Day")
    due = w.Text(placeholder="e.g. 17:00 (course time zone), optional", description="Due")
    add, remove_id, remove = w.Button(description="Pin", button_style="primary"), w.IntText(description="Id"), w.Button(description="Remove")
    status, listing = w.HTML(), w.HTML()

    def refresh() -> None:
        since = (date.today() - timedelta(days=7)).isoformat()
        try:
            listing.value = assignments_html(api.get("assignments", since=since)["items"])
        except DashboardError as err:
            listing.value = error(str(err))

    def on_add(_=None) -> None:
        body = {"group": group.value.strip(), "exercise_id": exercise.value.strip(), "day": day.value.isoformat() if day.value else ""}
        if due.value.strip():
            body["due_at"] = f"{body['day']}T{due.value.strip()}"
        try:
            made = api.send("POST", "assignments", body)
            status.value = f"<p>Pinned {esc(made['exercise_id'])} for {esc(made['group'])} on {esc(made['day'])}.</p>"
        except DashboardError as err:
            status.value = error(str(err))
        refresh()

    def on_remove(_=None) -> None:
        try:
            api.send("DELETE", f"assignments/{remove_id.value}")
            status.value = f"<p>Removed assignment {remove_id.value}.</p>"
        except DashboardError as err:
            status.value = error(str(err))
        refresh()

    add.on_click(on_add)
    remove.on_click(on_remove)
    refresh()
    intro = ("<h2>Assignments</h2><p>An exercise pinned to a day is delivered to every member of the group that day, in place of "
             "the adaptive choice. A pass after the due time, or none by then, shows as late in the export.</p>")
    return w.VBox([w.HTML(nav("assignments.ipynb") + intro), w.HBox([group, exercise]), w.HBox([day, due, add]), status, listing, w.HBox([remove_id, remove])])
