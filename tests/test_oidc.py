"""Single sign-on through a real OpenID provider (tests/oidc_provider.mjs, the `oidc-provider`
package) with Debian's Chromium: a student lands in JupyterLab with today's notebook, an
instructor (group claim) on the dashboards, accounts outside the allowed domain or groups get a
clear 403 page; sign-out ends the Hub session, the server's cookie and the provider's session;
an expired provider token ends the Hub session.

The time of each journey goes to test-artifacts/oidc/journeys.json (figures, never asserted).
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from codementor.hub_config.stack import Stack, free_port, http_status, wait_for

from .browser import CHROMIUM, launch, shot
from .conftest import ARTIFACTS, PROJECT
from .hubclient import HubClient
from .test_browser import todays_notebook

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}: run `make chromium` (apt-get install -y chromium)"),
    pytest.mark.skipif(not (PROJECT / "node_modules" / "oidc-provider").exists() or not shutil.which("node"), reason="oidc-provider is missing: run `make install`"),
]

PROVIDER_NAME = "Test University"
CLIENT_SECRET = secrets.token_hex(24)
SHORT_TOKEN_SECONDS = 4
USERS = {
    "olga": {"email": "olga@uni.test", "groups": ["course-cs101"]},
    "ines": {"email": "ines@uni.test", "groups": ["teachers", "course-cs101"]},
    "dora": {"email": "dora@uni.test", "groups": ["alumni"]},
    "eve": {"email": "eve@elsewhere.test", "groups": ["course-cs101"]},
    "sam": {"email": "sam@uni.test", "groups": ["course-cs101"], "access_token_seconds": SHORT_TOKEN_SECONDS},
}
PASSWORDS = {name: secrets.token_hex(8) for name in USERS}


def provider_settings(port: int, hub_url: str) -> dict:
    users = {}
    for name, user in USERS.items():
        claims = {"email": user["email"], "email_verified": True, "preferred_username": name, "name": name.title(), "groups": user["groups"]}
        users[name] = {"password": PASSWORDS[name], "claims": claims, **({"access_token_seconds": user["access_token_seconds"]} if "access_token_seconds" in user else {})}
    client = {
        "client_id": "codementor-hub",
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [f"{hub_url}/hub/oauth_callback"],
        "post_logout_redirect_uris": [f"{hub_url}/hub/login"],
    }
    return {"port": port, "clients": [client], "users": users}


@pytest.fixture(scope="module")
def folder() -> Path:
    out = ARTIFACTS / "oidc"
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="module")
def provider(tmp_path_factory, folder):
    """The OpenID provider, on a free port; yields (issuer, hub_port)."""
    port, hub_port = free_port(), free_port()
    settings = tmp_path_factory.mktemp("oidc") / "provider.json"
    settings.write_text(json.dumps(provider_settings(port, f"http://127.0.0.1:{hub_port}")))
    log = open(folder / "provider.log", "wb")
    proc = subprocess.Popen(["node", str(PROJECT / "tests" / "oidc_provider.mjs"), str(settings)], cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT)
    issuer = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: http_status(f"{issuer}/.well-known/openid-configuration") == 200, "the OpenID provider", 30, alive=lambda: proc.poll() is None)
        yield issuer, hub_port
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


@pytest.fixture(scope="module")
def sso(services, provider, tmp_path_factory, folder):
    """A Hub of its own whose users sign in through the provider."""
    issuer, hub_port = provider
    token = secrets.token_hex(16)
    hub = Stack(
        state_dir=tmp_path_factory.mktemp("sso"),
        hub_port=hub_port,
        database_url=services.database_url,
        redis_url=services.redis_url,
        extra_env={
            "CODEMENTOR_OPS_TOKEN": token,
            "CODEMENTOR_AUTH": "oidc",
            "CODEMENTOR_PUBLIC_URL": f"http://127.0.0.1:{hub_port}",
            "CODEMENTOR_OIDC_ISSUER": issuer,
            "CODEMENTOR_OIDC_NAME": PROVIDER_NAME,
            "CODEMENTOR_OIDC_CLIENT_ID": "codementor-hub",
            "CODEMENTOR_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "CODEMENTOR_OIDC_ALLOWED_DOMAINS": "uni.test",
            "CODEMENTOR_OIDC_ALLOWED_GROUPS": "course-cs101",
            "CODEMENTOR_OIDC_INSTRUCTOR_GROUPS": "teachers",
            "CODEMENTOR_OIDC_COURSE_GROUPS": "course-*",
            # the provider's token is checked again after 2 s; servers trust a checked token 1 s
            "CODEMENTOR_AUTH_REFRESH_SECONDS": "2",
            "CODEMENTOR_AUTH_CACHE_SECONDS": "1",
        },
    )
    hub.start(log_file=folder / "jupyterhub.log")
    hub.client = HubClient(hub.hub_url, token)
    yield hub
    hub.stop()


@pytest.fixture
async def browser():
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await launch(pw)
        yield chromium
        await chromium.close()


@pytest.fixture(scope="module")
def journeys(folder):
    times: dict[str, float] = {}
    yield times
    (folder / "journeys.json").write_text(json.dumps(times, indent=2) + "\n")
    print("\nsign-in journeys (s):", json.dumps(times))


async def sign_in(page, hub_url: str, name: str, next_path: str = "") -> None:
    """The Hub's login page, its button, the provider's own login form."""
    await page.goto(f"{hub_url}/hub/login" + (f"?next={next_path}" if next_path else ""))
    await page.get_by_text(f"Sign in with {PROVIDER_NAME}").click()
    await page.locator("#username").wait_for(timeout=30_000)
    await page.fill("#username", name)
    await page.fill("#password", PASSWORDS[name])
    await page.click("#signin")


def cookie_names(cookies) -> set[str]:
    return {c["name"] for c in cookies}


async def test_student_signs_in_lands_on_today_and_signs_out_everywhere(sso, browser, folder, journeys):
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await ctx.new_page()
    try:
        started = time.monotonic()
        await sign_in(page, sso.hub_url, "olga")
        await page.wait_for_url("**/user/olga/lab/tree/exercises/*.ipynb", timeout=120_000)
        await page.locator(".jp-Notebook .jp-CodeCell").first.wait_for(timeout=60_000)
        journeys["student: Hub login page to today's notebook (first sign-in, server start)"] = round(time.monotonic() - started, 2)
        today = todays_notebook(sso.client, "olga")
        assert page.url.endswith(f"/lab/tree/{today['path']}"), page.url
        await shot(page, folder, "01-student-today.png")
        user = sso.client.api("GET", "/users/olga").json()
        assert sorted(user["groups"]) == ["course-cs101", "students"] and not user["admin"], user

        # sign-out: Hub session, server cookie and the provider's session end
        server_cookie = next(c for c in await ctx.cookies() if c["name"].startswith("jupyterhub-user-olga"))
        replay = lambda: httpx.get(f"{sso.hub_url}/user/olga/api/contents", cookies={server_cookie["name"]: server_cookie["value"]}, follow_redirects=False)  # noqa: E731
        assert replay().status_code == 200  # the cookie alone opens her files while she is signed in
        started = time.monotonic()
        await page.goto(f"{sso.hub_url}/hub/logout")
        await page.get_by_text("Yes, sign me out").click()  # the provider's own end-session page
        await page.wait_for_url(f"{sso.hub_url}/hub/login**", timeout=30_000)
        journeys["student: sign-out (Hub and provider)"] = round(time.monotonic() - started, 2)
        await shot(page, folder, "02-signed-out.png")
        left = cookie_names(await ctx.cookies())
        assert not left & {"jupyterhub-hub-login", "jupyterhub-session-id", server_cookie["name"]}, left
        # the server's cookie, replayed after sign-out, opens nothing (its token was revoked)
        await page.wait_for_timeout(1500)  # the server trusts a checked token for CODEMENTOR_AUTH_CACHE_SECONDS=1
        after = replay()
        assert after.status_code in (302, 403), (after.status_code, after.text[:200])
        # the provider forgot her too: signing in again asks for the password
        await page.get_by_text(f"Sign in with {PROVIDER_NAME}").click()
        await page.locator("#username").wait_for(timeout=30_000)
        # and a second sign-in, her server still running, opens the notebook again
        started = time.monotonic()
        await page.fill("#username", "olga")
        await page.fill("#password", PASSWORDS["olga"])
        await page.click("#signin")
        await page.wait_for_url(f"**/user/olga/lab/tree/{today['path']}", timeout=60_000)
        await page.locator(".jp-Notebook .jp-CodeCell").first.wait_for(timeout=60_000)
        journeys["student: provider's login form to today's notebook (server already running)"] = round(time.monotonic() - started, 2)
    except Exception:
        await shot(page, folder, "failed-student.png")
        raise
    finally:
        await ctx.close()
        sso.client.stop("olga")


async def test_instructor_group_claim_lands_on_dashboards(sso, browser, folder, journeys):
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await ctx.new_page()
    try:
        started = time.monotonic()
        await sign_in(page, sso.hub_url, "ines")
        await page.wait_for_url("**/services/dashboards/voila/render/overview.ipynb**", timeout=60_000)
        await page.locator(".cm-kpi").first.wait_for(timeout=60_000)
        journeys["instructor: Hub login page to the class dashboard"] = round(time.monotonic() - started, 2)
        await shot(page, folder, "03-instructor-dashboards.png")
        user = sso.client.api("GET", "/users/ines").json()
        assert sorted(user["groups"]) == ["course-cs101", "instructors"] and user["servers"] == {}, user
    except Exception:
        await shot(page, folder, "failed-instructor.png")
        raise
    finally:
        await ctx.close()


@pytest.mark.parametrize(
    "name, why",
    [("dora", "is in none of the groups allowed on this hub (course-cs101)"), ("eve", "accounts of elsewhere.test may not sign in here")],
)
async def test_account_outside_allowed_groups_or_domains_is_refused(sso, browser, folder, journeys, name, why):
    ctx = await browser.new_context()
    page = await ctx.new_page()
    try:
        started = time.monotonic()
        async with page.expect_response(lambda r: "/hub/oauth_callback" in r.url) as callback:
            await sign_in(page, sso.hub_url, name)
        refused = page.locator("#cm-refused")
        await refused.wait_for(timeout=30_000)
        journeys[f"refused ({name}): Hub login page to the refusal page"] = round(time.monotonic() - started, 2)
        assert (await callback.value).status == 403
        text = await refused.inner_text()
        assert why in text and "Traceback" not in await page.content(), text
        assert await page.locator("#cm-switch-account").count() == 1
        await shot(page, folder, f"04-refused-{name}.png")
        assert sso.client.api("GET", f"/users/{name}").status_code == 404  # no account was made
        if name == "dora":  # the link ends her provider session: the next sign-in asks who it is
            await page.locator("#cm-switch-account").click()
            await page.get_by_text("Yes, sign me out").click()
            await page.wait_for_url(f"{sso.hub_url}/hub/login**", timeout=30_000)
            await page.get_by_text(f"Sign in with {PROVIDER_NAME}").click()
            await page.locator("#username").wait_for(timeout=30_000)
    finally:
        await ctx.close()


def test_forged_replayed_or_mismatched_callbacks_get_a_clear_page(sso, provider):
    """No browser: a script walks the code flow, then plays the callback back in the ways an attacker would."""
    hub, authorize, state = begin_sign_in(sso)
    callback = provider_login(authorize, "olga")
    captured = dict(hub.cookies)  # what an eavesdropper of this browser would hold
    first = hub.get(callback)
    assert first.status_code == 302 and "/hub/oauth_callback" not in first.headers["location"], first.status_code
    # the same callback (code and state cookie) played again: the provider refuses the used code
    replayed = httpx.get(f"{sso.hub_url}{callback}", cookies=captured, follow_redirects=False)
    assert replayed.status_code == 403 and "already used or has expired" in replayed.text, replayed.status_code
    # a made-up code with the right state: the provider refuses it, the Hub says so
    hub, _, state = begin_sign_in(sso)
    forged = hub.get("/hub/oauth_callback", params={"code": "made-up-code", "state": state})
    assert forged.status_code == 403 and "already used or has expired" in forged.text, forged.status_code
    # a state that is not the one this browser was given
    hub, _, state = begin_sign_in(sso)
    mismatch = hub.get("/hub/oauth_callback", params={"code": "x", "state": state[:-4] + "AAAA"})
    assert mismatch.status_code == 400 and "OAuth state" in mismatch.text, mismatch.status_code
    for resp in (replayed, forged, mismatch):
        assert "Traceback" not in resp.text


def begin_sign_in(sso):
    """A fresh client at the Hub's sign-in: (client, the provider's authorize URL, the state)."""
    hub = httpx.Client(base_url=sso.hub_url, follow_redirects=False, timeout=30)
    authorize = hub.get("/hub/oauth_login").headers["location"]
    return hub, authorize, parse_qs(urlparse(authorize).query)["state"][0]


def provider_login(authorize: str, name: str) -> str:
    """The provider's login form filled by a script; returns the Hub callback path with its code."""
    op = httpx.Client(follow_redirects=False, timeout=30)
    resp = op.get(authorize)
    while resp.status_code in (302, 303):
        location = str(resp.next_request.url) if resp.next_request else resp.headers["location"]
        if "/hub/oauth_callback" in location:
            return location[location.index("/hub/oauth_callback"):]
        resp = op.get(location)
        if resp.status_code == 200 and 'id="username"' in resp.text:
            action = re.search(r'action="([^"]+)"', resp.text).group(1)
            resp = op.post(str(resp.url.join(action)), data={"login": name, "password": PASSWORDS[name]})
    raise AssertionError(f"the provider did not send {name} back to the Hub: {resp.status_code}")


async def test_expired_provider_token_ends_the_hub_session(sso, browser, folder, journeys):
    ctx = await browser.new_context()
    page = await ctx.new_page()
    try:
        await sign_in(page, sso.hub_url, "sam", next_path="/hub/home")
        await page.wait_for_url("**/hub/home", timeout=30_000)
        # the Hub's login cookie lives CODEMENTOR_SESSION_HOURS (12 by default), not JupyterHub's 14 days
        login_cookie = next(c for c in await ctx.cookies() if c["name"] == "jupyterhub-hub-login")
        assert abs(login_cookie["expires"] - time.time() - 12 * 3600) < 600, login_cookie["expires"] - time.time()
        cookies = {c["name"]: c["value"] for c in await ctx.cookies() if c["name"].startswith("jupyterhub-")}
        assert httpx.get(f"{sso.hub_url}/hub/home", cookies=cookies).status_code == 200
        await page.wait_for_timeout((SHORT_TOKEN_SECONDS + 1) * 1000)  # the provider's access token for sam has expired
        await page.goto(f"{sso.hub_url}/hub/home")
        await page.wait_for_url("**/hub/login**", timeout=30_000)
        assert await page.get_by_text(f"Sign in with {PROVIDER_NAME}").count() == 1
        # the cookie that opened the Hub a moment ago opens nothing any more, for a script either
        again = httpx.get(f"{sso.hub_url}/hub/home", cookies=cookies)
        assert again.status_code == 302 and "/hub/login" in again.headers["location"], again.status_code
    finally:
        await ctx.close()
