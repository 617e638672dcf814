"""The dashboard notebooks' calls to the API's class endpoints (on the shared client, codementor.client)."""

from __future__ import annotations

import asyncio
import csv
import io
import os
from urllib.parse import parse_qs

from codementor.client import APIClient, ClientError

TOKEN_ENV = "CODEMENTOR_VIEWER_TOKEN"
EXPORT_COLUMNS = ["student", "exercise_id", "topic", "attempts", "passed", "best_score", "first_passed_at", "last_submission_at", "hints",
                  "due_at", "late"]


class DashboardError(Exception):
    """Something the viewer should read: the API's message, in one line."""


class ClassAPI:
    """Calls /api/v1/class/... (and /admin/...) with the viewing instructor's token, through the shared client."""

    def __init__(self, url: str | None = None, token: str | None = None, timeout: float = 30, retries: int = 2):
        url = (url or os.environ.get("CODEMENTOR_API_URL", "")).rstrip("/")
        token = token if token is not None else os.environ.get(TOKEN_ENV, "")
        if not url:
            raise DashboardError("CODEMENTOR_API_URL is not set: the dashboards service's environment in jupyterhub_config.py sets it")
        if not token:
            raise DashboardError("no viewer token: open this page through the Hub (/services/dashboards/...)")
        self.client = APIClient(url, token, timeout)
        self.retries = retries  # for GETs, when no answer arrived

    @property
    def url(self) -> str:
        return self.client.base_url

    def get(self, path: str, area: str = "class", **params) -> dict:
        """GET /api/v1/<area>/<path> (area: `class`, or `admin` for the admins' pages)."""
        try:
            return self.client.get(f"{area}/{path}", retries=self.retries, **params)
        except ClientError as err:
            raise DashboardError(str(err)) from None

    def send(self, method: str, path: str, body: dict | None = None) -> dict:
        """POST or DELETE /api/v1/class/<path>; the API's message as a DashboardError when refused (never retried)."""
        try:
            return self.client.request(method, f"class/{path}", body)
        except ClientError as err:
            raise DashboardError(str(err)) from None

    async def aget(self, path: str, **params) -> dict:
        """`get` off the kernel's event loop (the widgets stay responsive while the API answers)."""
        return await asyncio.to_thread(self.get, path, **params)

    def all_items(self, path: str, max_pages: int = 1000, **params) -> list[dict]:
        """Every item of a paginated endpoint, following next_cursor."""
        items, cursor = [], None
        for _ in range(max_pages):
            page = self.get(path, cursor=cursor, **params)
            items.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                break
        return items


def to_csv(rows: list[dict], columns: list[str] = EXPORT_COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def query_params() -> dict[str, str]:
    """The page's query string (Voila passes it to the kernel as $QUERY_STRING)."""
    return {k: v[-1] for k, v in parse_qs(os.environ.get("QUERY_STRING", "")).items()}
