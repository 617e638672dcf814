"""Small HTML and chart helpers shared by the dashboard pages."""

from __future__ import annotations

import html
import io
import os

from .hook import ADMIN_ENV

NAV = [("overview.ipynb", "Class overview"), ("stuck.ipynb", "Stuck now"), ("student.ipynb", "Student"), ("exercise.ipynb", "Exercise"), ("export.ipynb", "Export"), ("assignments.ipynb", "Assignments"), ("gradebook.ipynb", "LMS gradebook"), ("audit.ipynb", "Audit (admins)")]
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


ADMINS_ONLY = {"audit.ipynb"}


def nav(current: str) -> str:
    """The pages' navigation; the admins' pages only for admins (and on those pages themselves)."""
    admin = os.environ.get(ADMIN_ENV) == "1"
    pages = [(p, t) for p, t in NAV if admin or p not in ADMINS_ONLY or p == current]
    links = " ".join(f"<b>{esc(t)}</b>" if p == current else f'<a href="{p}">{esc(t)}</a>' for p, t in pages)
    return f'{STYLE}<div class="cm-nav">{links}</div>'


def table(rows: list[dict], columns: list[tuple[str, str]], empty: str = "nothing yet", html_keys: frozenset = frozenset()) -> str:
    """An HTML table of `rows`, with (key, heading) columns; values are escaped, except the
    columns in `html_keys`, which hold HTML this module made (bar cells)."""
    if not rows:
        return f"<p><i>{esc(empty)}</i></p>"
    head = "".join(f"<th>{esc(h)}</th>" for _, h in columns)
    body = "".join("<tr>" + "".join(f"<td>{r.get(k) if k in html_keys else esc(r.get(k))}</td>" for k, _ in columns) + "</tr>" for r in rows)
    return f'<table class="cm-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def kpi(label: str, value) -> str:
    shown = "not available yet" if value is None else value
    return f'<span class="cm-kpi"><b>{esc(shown)}</b>{esc(label)}</span>'


def error(message: str) -> str:
    return f'<p class="cm-error">{esc(message)}</p>'


def bar_chart(labels: list[str], values: list[float], title: str, ylabel: str, ymax: float | None = None, counts: bool = True) -> bytes:
    """A PNG bar chart (matplotlib, no display needed); `counts` puts only whole numbers on the value axis."""
    fig = bar_figure(labels, values, title, ylabel, ymax, counts)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def bar_figure(labels: list[str], values: list[float], title: str, ylabel: str, ymax: float | None = None, counts: bool = True):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(5.5, 2.8), dpi=90)
    ax = fig.subplots()
    ax.bar([str(x) for x in labels], values, color="#3b7dd8")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if ymax is not None:
        ax.set_ylim(0, ymax)
    if counts:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(axis="x", labelrotation=20, labelsize=8)
    fig.tight_layout()
    return fig


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels, from the PNG's header."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def bar_cell(fraction: float, width_px: int = 120) -> str:
    """A horizontal bar for a table cell (0-1), with the percentage written beside it."""
    fraction = max(0.0, min(1.0, fraction))
    return (f'<span class="cm-bar" style="display:inline-block;width:{width_px}px;height:10px;background:#e3e8ef;vertical-align:middle">'
            f'<span style="display:block;width:{round(fraction * width_px)}px;height:10px;background:#3b7dd8"></span></span> {fraction:.0%}')
