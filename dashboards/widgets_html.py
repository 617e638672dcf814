"""Small HTML and chart helpers shared by the dashboard pages."""

from __future__ import annotations

import html
import io

NAV = [("overview.ipynb", "Class overview"), ("stuck.ipynb", "Stuck now"), ("student.ipynb", "Student"), ("exercise.ipynb", "Exercise"), ("export.ipynb", "Export"), ("gradebook.ipynb", "LMS gradebook"), ("audit.ipynb", "Audit (admins)")]
STYLE = """<style>
.cm-table{border-collapse:collapse;font-size:13px;margin:4px 0}
.cm-table th,.cm-table td{border-bottom:1px solid #ddd;padding:3px 10px;text-align:left}
.cm-kpi{display:inline-block;margin:4px 14px 4px 0;padding:6px 12px;border:1px solid #ddd;border-radius:6px}
.cm-kpi b{display:block;font-size:20px}
.cm-nav a,.cm-nav b{margin-right:14px}
.cm-nav a,a.cm-download{color:#1a62c7;text-decoration:underline}
.cm-error{color:#a00}
</style>"""


def esc(value) -> str:
    return html.escape("" if value is None else str(value))


def nav(current: str) -> str:
    links = " ".join(f"<b>{esc(t)}</b>" if p == current else f'<a href="{p}">{esc(t)}</a>' for p, t in NAV)
    return f'{STYLE}<div class="cm-nav">{links}</div>'


def table(rows: list[dict], columns: list[tuple[str, str]], empty: str = "nothing yet") -> str:
    """An HTML table of `rows`, with (key, heading) columns; values are escaped."""
    if not rows:
        return f"<p><i>{esc(empty)}</i></p>"
    head = "".join(f"<th>{esc(h)}</th>" for _, h in columns)
    body = "".join("<tr>" + "".join(f"<td>{esc(r.get(k))}</td>" for k, _ in columns) + "</tr>" for r in rows)
    return f'<table class="cm-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def kpi(label: str, value) -> str:
    shown = "not available yet" if value is None else value
    return f'<span class="cm-kpi"><b>{esc(shown)}</b>{esc(label)}</span>'


def error(message: str) -> str:
    return f'<p class="cm-error">{esc(message)}</p>'


def bar_chart(labels: list[str], values: list[float], title: str, ylabel: str, ymax: float | None = None) -> bytes:
    """A PNG bar chart (matplotlib, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.5, 2.8), dpi=90)
    ax = fig.subplots()
    ax.bar([str(x) for x in labels], values, color="#3b7dd8")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if ymax is not None:
        ax.set_ylim(0, ymax)
    ax.tick_params(axis="x", labelrotation=20, labelsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
