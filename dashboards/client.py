"""A small client of the API's class endpoints, used by the dashboard notebooks."""

from __future__ import annotations

import csv
import io
import os
from urllib.parse import parse_qs

import httpx

TOKEN_ENV = "CODEMENTOR_VIEWER_TOKEN"
EXPORT_COLUMNS = ["student", "exercise_id", "topic", "attempts", "passed", "best_score", "first_passed_at", "last_submission_at", "hints",
                  "due_at", "late"]


class DashboardError(Exception):
    """Something the viewer should read: the API's message, in one line."""


def _message(resp: httpx.Response) -> str:
    try:
        return resp.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return f"the API answered {resp.status_code}"


class ClassAPI:
    """GETs /api/v1/class/... with the viewing instructor's token."""

    def __init__(self, url: str | None = None, token: str | None = None, timeout: float = 30):
        self.url = (url or os.environ.get("CODEMENTOR_API_URL", "")).rstrip("/")
        self.token = token if token is not None else os.environ.get(TOKEN_ENV, "")
        if not self.url:
            raise DashboardError("CODEMENTOR_API_URL is not set: the dashboards service's environment in jupyterhub_config.py sets it")
        if not self.token:
            raise DashboardError("no viewer token: open this page through the Hub (/services/dashboards/...)")
        self.headers = {"Authorization": f"token {self.token}"}
        self.timeout = timeout

    def _check(self, resp: httpx.Response) -> dict:
        if resp.status_code >= 400:
            raise DashboardError(_message(resp))
        return resp.json()

    def get(self, path: str, area: str = "class", **params) -> dict:
        """GET /api/v1/<area>/<path> (area: `class`, or `admin` for the admins' pages)."""
        params = {k: v for k, v in params.items() if v is not None}
        try:
            resp = httpx.get(f"{self.url}/{area}/{path}", params=params, headers=self.headers, timeout=self.timeout)
        except httpx.HTTPError as err:
            raise DashboardError(f"the API did not answer ({type(err).__name__})") from None
        return self._check(resp)

    def send(self, method: str, path: str, body: dict | None = None) -> dict:
        """POST or DELETE /api/v1/class/<path>; the API's message as a DashboardError when refused."""
        try:
            resp = httpx.request(method, f"{self.url}/class/{path}", json=body, headers=self.headers, timeout=self.timeout)
        except httpx.HTTPError as err:
            raise DashboardError(f"the API did not answer ({type(err).__name__})") from None
        return {} if resp.status_code == 204 else self._check(resp)

    async def aget(self, path: str, **params) -> dict:
        params = {k: v for k, v in params.items() if v is not None}
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                resp = await client.get(f"{self.url}/class/{path}", params=params, headers=self.headers)
        except httpx.HTTPError as err:
            raise DashboardError(f"the API did not answer ({type(err).__name__})") from None
        return self._check(resp)

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
