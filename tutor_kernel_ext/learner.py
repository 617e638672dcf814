"""%onboard and %progress: the student's profile and progress, as text (widgets when available)."""

from __future__ import annotations

import html

from .client import TutorError

LEVELS = ("beginner", "intermediate", "advanced")
BAR_WIDTH = 10


def bar(fraction: float, full: str = "█", empty: str = "░") -> str:
    filled = round(max(0.0, min(1.0, fraction)) * BAR_WIDTH)
    return full * filled + empty * (BAR_WIDTH - filled)


SKILL_MEANING = (
    "your estimated chance to solve a medium exercise of each topic, from your attempts "
    "(hints and failed attempts count for less). A solve never lowers it; "
    "a topic you have not tried yet shows a guess from your other topics."
)


def shown(skill: dict) -> float:
    """The estimate a student sees (an API without `shown` gives the model's own)."""
    return skill.get("shown", skill["level"])


def format_progress(p: dict) -> tuple[str, str]:
    """Markdown and plain text for GET /progress: streak, badges, skills as a bar chart."""
    streak = p["streak"]
    today = "you practised today" if streak["active_today"] else "practise today to keep it going"
    lines = [f"**Streak:** {plural(streak['current'], 'day')}, longest {plural(streak['longest'], 'day')} ({today})", ""]
    total = len(p["badges"]) + len(p["badges_to_earn"])
    earned = ", ".join(f"🏅 {b['title']}" for b in p["badges"]) or "none yet"
    lines += [f"**Badges ({len(p['badges'])} of {total}):** {earned}"]
    if p["badges_to_earn"]:
        nxt = p["badges_to_earn"][0]
        lines += [f"Next to earn: *{nxt['title']}*: {nxt['rule']}"]
    lines += ["", "**Skills**: " + SKILL_MEANING, "", "```"]
    width = max((len(s["topic"]) for s in p["skills"]), default=5)
    for s in p["skills"]:
        lines.append(f"{s['topic']:<{width}} {bar(shown(s))} {shown(s):>4.0%}  {skill_note(s)}")
    lines.append("```")
    markdown = "\n".join(lines)
    plain = markdown.replace("**", "").replace("```", "").replace("🏅 ", "").replace("*", "")
    plain = plain.replace("█", "#").replace("░", ".")
    return markdown, plain


def skill_note(s: dict) -> str:
    """'not tried yet', or how many exercises of the topic were solved, and 'mastered'."""
    solved = s.get("solved", s["successes"])
    tried = "not tried yet" if not s["attempts"] and not solved else f"{plural(solved, 'exercise')} solved"
    return tried + (" mastered" if s["mastered"] else "")


def progress_widget(p: dict):
    """The same view as `format_progress`, as widgets: a bar per topic to look at rather than read.

    None when ipywidgets is missing (the text view is shown instead)."""
    try:
        import ipywidgets as w
    except ImportError:
        return None
    streak = p["streak"]
    today = "you practised today" if streak["active_today"] else "practise today to keep it going"
    total = len(p["badges"]) + len(p["badges_to_earn"])
    badges = ", ".join(f"🏅 {esc(b['title'])}" for b in p["badges"]) or "none yet"
    lines = [
        f"<b>Streak:</b> {plural(streak['current'], 'day')}, longest {plural(streak['longest'], 'day')} ({today})",
        f"<b>Badges ({len(p['badges'])} of {total}):</b> {badges}",
    ]
    if p["badges_to_earn"]:
        nxt = p["badges_to_earn"][0]
        lines.append(f"Next to earn: <i>{esc(nxt['title'])}</i>: {esc(nxt['rule'])}")
    lines.append(f"<b>Skills</b>: {esc(SKILL_MEANING)}")
    rows = []
    for s in p["skills"]:
        level = shown(s)
        rows.append(w.HBox([
            w.Label(s["topic"], layout=w.Layout(width="9em")),
            w.FloatProgress(value=level, min=0.0, max=1.0, bar_style="success" if s["mastered"] else "info", layout=w.Layout(width="14em")),
            w.Label(f"{level:.0%} · {skill_note(s)}"),
        ]))
    return w.VBox([w.HTML("".join(f"<p>{line}</p>" for line in lines)), *rows])


def esc(text) -> str:
    return html.escape(str(text))


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 question', '2 questions'."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def format_placement(state: dict) -> tuple[str, str]:
    """Markdown and plain text for a placement check's state: the last verdicts, then the question to answer."""
    lines = []
    last = state.get("last")
    if last:
        right = sum(last["correct"])
        lines.append(f"{right} of {plural(len(last['correct']), 'line')} right.")
        for n, (ok, want) in enumerate(zip(last["correct"], last["expected"]), 1):
            lines.append(f"- line {n}: {'right' if ok else 'it prints'} `{want}`")
        lines.append("")
    question = state.get("question")
    if state["status"] == "not_started":
        lines.append(
            f"A short placement check: up to {plural(state['max_questions'], 'snippet')}, at most "
            f"{state['time_limit_seconds'] // 60} minutes. Start it with `%placement start`."
        )
    elif question is not None:
        left = state.get("seconds_left")
        lines += [
            f"**Question {state['asked'] + 1}** ({question['topic']}; {left // 60}:{left % 60:02d} left). "
            f"What does this print? Write the {plural(question['lines'], 'line')} it shows in a cell that starts "
            "with `%%placement`, one line per printed line (`%placement skip` ends the check).",
            "",
            "```python",
            question["code"].rstrip(),
            "```",
        ]
    else:
        right = sum(a["right"] for a in state["answered"])
        total = sum(a["lines"] for a in state["answered"])
        lines.append(
            f"Placement check done: {plural(len(state['answered']), 'snippet')} answered, {right} of {plural(total, 'line')} right. "
            "Your first exercises are chosen from it; `%progress` shows where you stand."
        )
    markdown = "\n".join(lines)
    return markdown, markdown.replace("**", "").replace("```python", "").replace("```", "").replace("`", "")


def profile_line(me: dict) -> str:
    topics = ", ".join(me["topics"]) or "none chosen"
    return f"Level: {me['level']} · topics: {topics} · time zone: {me['timezone']}"


def onboarding_form(me: dict, save):
    """An ipywidgets form calling `save(level, topics, timezone)`; None when ipywidgets is missing."""
    try:
        import ipywidgets as w
    except ImportError:
        return None
    level = w.Dropdown(options=list(LEVELS), value=me.get("level") or "beginner", description="Level")
    topics = w.SelectMultiple(options=me.get("topics_available", []), value=tuple(me.get("topics", [])), description="Topics", rows=8)
    zone = w.Text(value="" if me.get("timezone_is_course_default", True) else me["timezone"], description="Time zone", placeholder="e.g. Europe/Paris")
    button, out = w.Button(description="Save", button_style="primary"), w.Output()

    def on_click(_):
        out.clear_output()
        with out:
            try:
                print(save(level.value, list(topics.value), zone.value.strip() or None))
            except TutorError as err:
                print(err)

    button.on_click(on_click)
    return w.VBox([level, topics, zone, button, out])
