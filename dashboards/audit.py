"""The admins' page of the audit trail: who looked at or changed whose data, newest first."""

from __future__ import annotations

import ipywidgets as w

from .client import ClassAPI, DashboardError
from .widgets_html import error, nav, table

COLUMNS = [("at", "when"), ("actor", "who"), ("actor_role", "role"), ("action", "what"), ("subject", "whom"), ("subject_id", "whom (id)"), ("details", "details")]


def audit_rows(events: list[dict]) -> list[dict]:
    """Events as table rows: a deleted user shows as their opaque id only."""
    return [{**e, "actor": e["actor"] or _nameless_actor(e), "subject": e["subject"] or ""} for e in events]


def _nameless_actor(event: dict) -> str:
    if event["actor_id"]:
        return f"#{event['actor_id']}"
    service = (event.get("details") or {}).get("service")
    return f"Hub service {service}" if service else "server command"


def audit_page(limit: int = 50) -> w.Widget:
    """One page of the trail at a time, with a button for older events (admins only: the API refuses others)."""
    try:
        api = ClassAPI()
    except DashboardError as err:
        return w.HTML(nav("audit.ipynb") + error(str(err)))
    out, more = w.HTML(), w.Button(description="Older events")
    state = {"cursor": None, "rows": []}

    def load(_=None):
        try:
            page = api.get("audit", area="admin", limit=limit, cursor=state["cursor"])
        except DashboardError as err:
            out.value = error(str(err))
            return
        state["rows"] += audit_rows(page["events"])
        state["cursor"] = page["next_cursor"]
        more.disabled = not state["cursor"]
        out.value = table(state["rows"], COLUMNS, "no audited actions yet")

    more.on_click(load)
    load()
    return w.VBox([w.HTML(nav("audit.ipynb") + "<h2>Audit trail</h2><p>Access to students' data by instructors and admins (append-only).</p>"), out, more])
