"""Browser journeys (Playwright driving Debian's Chromium): a student's login opening today's
notebook (no Launcher, no news question) and their day in it, the instructor's login landing on
the dashboards, the dashboard closed to students, the admin's login landing on the admin panel.

Screenshots of each step go to test-artifacts/browser/; the console log goes beside them.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from .browser import CHROMIUM, ConsoleWatch, launch, login, shot

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}: run `make chromium` (apt-get install -y chromium)"),
]

PASSWORD = os.environ.get("CODEMENTOR_DEMO_PASSWORD", "codementor")
ADMIN_PASSWORD = os.environ.get("CODEMENTOR_ADMIN_PASSWORD", "codementor-admin-password-change-me")
STUDENT, INSTRUCTOR = "pia", "ivo"
DASH = "/services/dashboards/voila/render"


@pytest.fixture(scope="module")
def shots() -> Path:
    folder = Path(__file__).resolve().parent.parent / "test-artifacts" / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "failed-step.png").unlink(missing_ok=True)  # left by an earlier failing run
    return folder


@pytest.fixture
async def browser():
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await launch(pw)
        yield chromium
        await chromium.close()


def todays_notebook(hub, name: str, timeout: float = 60) -> dict:
    """The notebook the server extension delivered (path and exercise id)."""
    server = hub.server(name)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        resp = server.get("/api/contents/exercises")
        if resp.status_code == 200:
            notebooks = [f for f in resp.json()["content"] if f["name"].endswith(".ipynb")]
            if notebooks:
                nb = server.get(f"/api/contents/{notebooks[0]['path']}").json()
                return {"path": notebooks[0]["path"], "exercise_id": nb["content"]["metadata"]["codementor"]["exercise_id"]}
        time.sleep(0.5)
    raise AssertionError(f"no notebook was delivered to {name} within {timeout} s")


NEWS_QUESTION = "official Jupyter news"  # JupyterLab's toast: "Would you like to get notified about official Jupyter news?"


async def assert_no_news_question(page, hub, name: str) -> None:
    """JupyterLab's news question stays off: the setting says never, and no toast asks."""
    # without the setting the question is on screen by the time the kernel is idle; wait a little more
    await page.wait_for_timeout(3_000)
    assert await page.get_by_text(NEWS_QUESTION).count() == 0
    settings = hub.server(name).get("/lab/api/settings/@jupyterlab/apputils-extension:notification").json()
    # the environment's overrides become the schema's defaults; the student set nothing
    assert settings["schema"]["properties"]["fetchNews"]["default"] == "false", settings["schema"]["properties"]["fetchNews"]
    assert "fetchNews" not in (settings.get("settings") or {})


async def run_new_cell(page, source: str, expect: str) -> str:
    """Add a cell at the end of the notebook, type `source`, run it, wait for `expect`."""
    last = page.locator(".jp-Notebook .jp-Cell").last
    await last.click()
    await page.keyboard.press("Escape")
    await page.keyboard.press("b")
    await page.keyboard.press("Enter")
    await page.keyboard.type(source)
    await page.keyboard.press("Shift+Enter")
    output = page.locator(".jp-Notebook .jp-Cell").filter(has_text=source).locator(".jp-OutputArea").filter(has_text=expect)
    await output.first.wait_for(timeout=60_000)
    return await output.first.inner_text()


async def test_student_instructor_and_admin_journeys(stack, hub, browser, shots):
    hub.create_user(STUDENT, groups=())  # joins `students` by itself (hub_config/auth.py)
    hub.create_user(INSTRUCTOR, groups=("instructors",))
    console = ConsoleWatch()
    try:
        await journeys(stack, hub, browser, shots, console)
    finally:
        console.write(shots / "console.log")
        hub.stop(STUDENT)
    assert console.ours == [], "console errors on our pages:\n" + "\n".join(console.ours)
    groups = hub.api("GET", f"/users/{STUDENT}").json()["groups"]
    assert groups == ["students"], json.dumps(groups)


async def journeys(stack, hub, browser, shots, console):
    """Each step leaves a screenshot; a failing step leaves failed-step.png."""
    try:
        await steps(stack, hub, browser, shots, console)
    except Exception:
        for ctx in browser.contexts:
            for open_page in ctx.pages:
                await shot(open_page, shots, "failed-step.png")
        raise


async def steps(stack, hub, browser, shots, console):

    # --- the student: login page, JupyterLab, today's notebook, %hint, %submit -----------
    student_ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await student_ctx.new_page()
    console.attach(page)
    await page.goto(f"{stack.hub_url}/hub/login")
    await shot(page, shots, "01-login-page.png")
    # the login alone ends with today's notebook open (the server's default URL), no Launcher
    await login(page, stack.hub_url, STUDENT, PASSWORD)
    await page.wait_for_url(f"**/user/{STUDENT}/lab/tree/exercises/*.ipynb", timeout=120_000)
    today = todays_notebook(hub, STUDENT)
    assert page.url.endswith(f"/lab/tree/{today['path']}"), page.url
    await page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
    await page.locator(".jp-Notebook .jp-CodeCell").first.wait_for(timeout=30_000)
    await page.locator("#jp-main-statusbar").get_by_text("Idle").first.wait_for(timeout=120_000)
    tab = page.locator(".lm-TabBar-tab.jp-mod-current")
    assert today["path"].rsplit("/", 1)[-1] in await tab.first.inner_text()
    assert await page.locator(".jp-Launcher").count() == 0
    await assert_no_news_question(page, hub, STUDENT)
    # nothing shows as unsaved before the student typed (the kernel's language info is already in the notebook),
    # and the student's own server refused nothing JupyterLab asked for (its language-server status, say)
    assert await page.locator(".lm-TabBar-tab.jp-mod-dirty").count() == 0
    assert [r for r in console.refused if f"/user/{STUDENT}/" in r] == []
    await shot(page, shots, "02-student-first-screen.png")

    hint = await run_new_cell(page, "%hint", "Hint 1 of")
    assert "Hint 1 of" in hint
    await shot(page, shots, "05-hint.png")
    result = await run_new_cell(page, "%submit", "tests passed")
    assert "tests passed" in result
    await shot(page, shots, "06-submit-result.png")
    progress = await run_new_cell(page, "%progress", "Streak")
    assert "Streak: 1 day" in progress
    bars = page.locator(".jp-Notebook .jp-Cell").filter(has_text="%progress").locator(".widget-hprogress")
    await bars.first.wait_for(timeout=30_000)  # the widgets rendered (the text is only the fallback)
    assert await bars.count() >= 10  # a bar per topic
    await shot(page, shots, "06b-progress.png")

    # --- the student may not open the dashboards ----------------------------------------
    console.expecting = "403"
    denied = await page.goto(f"{stack.hub_url}{DASH}/overview.ipynb")
    assert denied is not None and denied.status == 403
    await shot(page, shots, "07-student-gets-403.png")
    console.expecting = None
    await student_ctx.close()

    # --- the instructor sees that student's submission ----------------------------------
    teacher_ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await teacher_ctx.new_page()
    console.attach(page)
    # a plain login lands on the dashboards, with no server of the instructor's starting
    await login(page, stack.hub_url, INSTRUCTOR, PASSWORD)
    await page.wait_for_url(f"**{DASH}/overview.ipynb**", timeout=60_000)
    await page.locator(".cm-kpi").first.wait_for(timeout=60_000)
    await shot(page, shots, "03-instructor-first-screen.png")
    assert hub.api("GET", f"/users/{INSTRUCTOR}").json()["servers"] == {}
    # the Hub's home page shows instructors the way to the dashboards
    await page.goto(f"{stack.hub_url}/hub/home")
    link = page.locator("a#cm-dashboards")
    await link.wait_for(timeout=30_000)
    assert (await link.get_attribute("href")).endswith(f"{DASH}/overview.ipynb")
    await shot(page, shots, "04-instructor-hub-home.png")

    await page.goto(f"{stack.hub_url}{DASH}/student.ipynb?student={STUDENT}")
    heading = page.locator("h3.cm-student")
    await heading.wait_for(timeout=60_000)
    assert await heading.inner_text() == STUDENT
    row = page.locator("table.cm-table tr").filter(has_text=today["exercise_id"]).filter(has_text="submission")
    await row.first.wait_for(timeout=30_000)
    assert "failed" in await row.first.inner_text() or "passed" in await row.first.inner_text()
    await shot(page, shots, "08-instructor-student-drilldown.png")

    await page.goto(f"{stack.hub_url}{DASH}/overview.ipynb")
    await page.locator(".cm-kpi").first.wait_for(timeout=60_000)
    assert await page.locator("table.cm-table tr").filter(has_text=today["exercise_id"]).count() >= 1
    await page.locator(".widget-image").first.wait_for(timeout=30_000)
    await page.get_by_role("button", name="most submissions").click()  # the one view of pass rates sorts in place
    await page.locator("table.cm-table .cm-bar").first.wait_for(timeout=30_000)
    await shot(page, shots, "09-instructor-overview.png")

    await page.goto(f"{stack.hub_url}{DASH}/stuck.ipynb")
    refreshed = page.locator(".cm-refreshed")
    await refreshed.wait_for(timeout=60_000)
    failures = page.locator(".widget-inline-hbox").filter(has_text="Failures").locator("input")
    await failures.fill("1")
    await failures.press("Tab")
    await page.locator("table.cm-table tr").filter(has_text=STUDENT).first.wait_for(timeout=30_000)
    first_stamp = await refreshed.inner_text()
    # the page refreshes itself: the time stamp moves on without any click
    await page.wait_for_function(
        "s => { const e = document.querySelector('.cm-refreshed'); return e && e.innerText !== s; }", arg=first_stamp, timeout=60_000
    )
    await shot(page, shots, "10-instructor-stuck-now.png")

    await page.goto(f"{stack.hub_url}{DASH}/export.ipynb")
    download = page.locator("a.cm-download")
    await download.wait_for(timeout=60_000)
    async with page.expect_download() as info:
        await download.click()
    csv_text = Path(await (await info.value).path()).read_text()
    assert csv_text.splitlines()[0].startswith("student,exercise_id")
    assert any(line.startswith(f"{STUDENT},{today['exercise_id']},") for line in csv_text.splitlines())
    await shot(page, shots, "11-instructor-export.png")
    await teacher_ctx.close()

    # --- the admin panel -----------------------------------------------------------------
    admin_ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await admin_ctx.new_page()
    console.attach(page)
    await login(page, stack.hub_url, "admin", ADMIN_PASSWORD)  # lands on the admin panel by itself
    await page.wait_for_url("**/hub/admin**", timeout=60_000)
    await page.get_by_text(STUDENT, exact=True).first.wait_for(timeout=30_000)
    await shot(page, shots, "12-admin-panel.png")
    await admin_ctx.close()
