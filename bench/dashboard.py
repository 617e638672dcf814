"""How long the instructor dashboard takes with a full class: `codementor bench dashboard`.

Starts the whole stack on free ports in a temporary folder, creates the students in the Hub
(REST API, group `students`) and an instructor, seeds two weeks of submissions and hints
into the API's Postgres, then times (1) the API's /class/overview, (2) the Voila page as
one HTTP request (the server executes the notebook), and (3) the page in Chromium until its
charts are on screen. Prints the medians.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
from sqlalchemy import create_engine, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..api.db import database_url
from ..api.models import HintEvent, Submission, User
from ..exercise_bank import Bank
from ..hub_config.stack import Stack, free_port

INSTRUCTOR = "bench-teacher"
PASSWORD = "codementor"
CHROMIUM = "/usr/bin/chromium"


def create_hub_users(hub_url: str, token: str, students: list[str]) -> None:
    with httpx.Client(base_url=f"{hub_url}/hub/api", headers={"Authorization": f"token {token}"}, timeout=120) as hub:
        hub.post("/users", json={"usernames": students + [INSTRUCTOR]}).raise_for_status()
        hub.post("/groups/students/users", json={"users": students}).raise_for_status()
        hub.post("/groups/instructors/users", json={"users": [INSTRUCTOR]}).raise_for_status()
        hub.request("DELETE", "/groups/students/users", json={"users": [INSTRUCTOR]}).raise_for_status()


def seed(url: str, students: list[str], days: int = 14, seed_value: int = 7) -> tuple[int, int]:
    """Submissions and hints for every student over `days` days; returns their counts."""
    rng = random.Random(seed_value)
    exercises = Bank().all()
    now = datetime.now(timezone.utc)
    engine = create_engine(database_url(url))
    subs, hints = [], []
    with engine.begin() as conn:
        # the API may have made some of these rows already (it learns the Hub's users as they appear)
        conn.execute(pg_insert(User).on_conflict_do_nothing(index_elements=[User.name]), [{"name": n, "role": "student"} for n in students])
        ids = dict(conn.execute(select(User.name, User.id).where(User.name.in_(students))).all())
        for name in students:
            for day in range(days):
                ex = rng.choice(exercises)
                base = now - timedelta(days=day, minutes=rng.randint(0, 600))
                for attempt in range(rng.randint(1, 4)):
                    at = base + timedelta(minutes=attempt * 3)
                    passed = rng.random() < 0.35 + 0.2 * attempt
                    subs.append(_submission(ids[name], ex, at, passed, f"{name}-{day}-{attempt}"))
                    if not passed and rng.random() < 0.5:
                        hints.append({"user_id": ids[name], "exercise_id": ex.id, "rung": min(attempt + 1, len(ex.hints)), "source": "ladder", "created_at": at})
                    if passed:
                        break
        conn.execute(insert(Submission), subs)
        conn.execute(insert(HintEvent), hints)
    engine.dispose()
    return len(subs), len(hints)


def _submission(user_id: int, ex, at: datetime, passed: bool, key: str) -> dict:
    tests = [{"name": t.name, "hidden": t.hidden, "passed": passed, "message": "" if passed else "returned a different result"} for t in ex.tests]
    return {
        "user_id": user_id, "exercise_id": ex.id, "exercise_version": ex.version, "idempotency_key": key, "code": "# seeded",
        "status": "graded", "passed": passed, "score": 1.0 if passed else 0.5, "results": tests, "message": "",
        "duration_ms": 20.0, "hint_count": 0, "created_at": at,
    }


def time_calls(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


async def browser_loads(hub_url: str, runs: int) -> list[float]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=_chromium_args(), headless=True)
        page = await browser.new_page()
        page_url = f"{hub_url}/services/dashboards/voila/render/overview.ipynb"
        await page.goto(f"{hub_url}/hub/login?next=/services/dashboards/voila/render/overview.ipynb")
        await page.fill("#username_input", INSTRUCTOR)
        await page.fill("#password_input", PASSWORD)
        await page.click("#login_submit")
        await page.locator(".widget-image").first.wait_for(timeout=120_000)  # the overview's chart
        out = []
        for _ in range(runs):
            started = time.perf_counter()
            await page.goto(page_url)
            await page.locator(".widget-image").first.wait_for(timeout=120_000)  # the overview's chart
            out.append(time.perf_counter() - started)
        await browser.close()
        return out


def _chromium_args() -> list[str]:
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def run(students: int = 200, runs: int = 5) -> dict:
    names = [f"student{i:03d}" for i in range(students)]
    ops = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="codementor-bench-") as tmp:
        stack = Stack(state_dir=Path(tmp), hub_port=free_port(), extra_env={"CODEMENTOR_OPS_TOKEN": ops, "CODEMENTOR_CULL_TIMEOUT": "0"})
        try:
            stack.start(log_file=Path(tmp) / "hub.log")
            create_hub_users(stack.hub_url, ops, names)
            n_subs, n_hints = seed(stack.database_url, names)
            print(f"seeded {students} students: {n_subs} submissions, {n_hints} hints over 14 days")
            return measure(stack, ops, runs)
        finally:
            stack.stop()


def measure(stack: Stack, ops: str, runs: int) -> dict:
    token = httpx.post(f"{stack.hub_url}/hub/api/users/{INSTRUCTOR}/tokens", headers={"Authorization": f"token {ops}"}, json={"expires_in": 3600}).json()["token"]
    auth = {"Authorization": f"token {token}"}
    api = lambda: httpx.get(f"{stack.api_url}/class/overview", headers=auth, timeout=60).raise_for_status()  # noqa: E731
    page = lambda: httpx.get(f"{stack.hub_url}/services/dashboards/voila/render/overview.ipynb", headers=auth, timeout=120).raise_for_status()  # noqa: E731
    api(), page()  # warm up: caches, first kernel start
    figures = {"api_overview_s": time_calls(api, runs), "voila_page_http_s": time_calls(page, runs)}
    if Path(CHROMIUM).exists():
        figures["browser_until_charts_s"] = asyncio.run(browser_loads(stack.hub_url, runs))
    for label, values in figures.items():
        print(f"[figure] {label}: median {statistics.median(values):.2f} s (min {min(values):.2f}, max {max(values):.2f}, {len(values)} runs)")
    return figures
