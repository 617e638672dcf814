"""The API's docs page (/api/v1/docs): Swagger UI from the installed package, under a strict CSP,
through the Hub's proxy; and the README's way of calling the API from outside a notebook."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from .browser import CHROMIUM, ConsoleWatch, launch

pytestmark = pytest.mark.e2e


def proxied(stack) -> str:
    return f"{stack.hub_url}/services/codementor/api/v1"


def test_the_docs_page_is_served_from_the_package_under_a_strict_policy(stack):
    page = httpx.get(f"{proxied(stack)}/docs", timeout=30)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy and "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text), "no asset from another origin (no CDN)"
    assert "<script>" not in page.text, "no inline script"
    assets = re.findall(r"(?:src|href)=\"([^\"]+)\"", page.text)
    assert len(assets) == 3
    for asset in assets:
        resp = httpx.get(f"{proxied(stack)}/{asset}", timeout=30)
        assert resp.status_code == 200 and len(resp.content) > 20, asset
        assert resp.headers["content-type"].split(";")[0] in ("text/css", "text/javascript", "application/javascript"), asset
    for other in ("docs/static/index.html", "docs/static/swagger-initializer.js", "docs/static/..%2F__init__.py", "docs/nothing"):
        resp = httpx.get(f"{proxied(stack)}/{other}", timeout=30)
        assert resp.status_code == 404 and resp.json()["error"]["code"] == "not_found", other
    assert httpx.get(f"{proxied(stack)}/docs/", timeout=30).status_code in (301, 302)


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}: run `make chromium`")
async def test_swagger_ui_renders_every_operation_without_a_policy_violation(stack):
    from playwright.async_api import async_playwright

    operations = sum(len(ops) for ops in httpx.get(f"{stack.api_url}/openapi.json", timeout=30).json()["paths"].values())
    async with async_playwright() as pw:
        browser = await launch(pw)
        try:
            page = await browser.new_page()
            console = ConsoleWatch()
            console.attach(page)
            await page.goto(f"{proxied(stack)}/docs")
            # locators, not a JavaScript string: the page's policy refuses eval, Playwright's string predicates too
            await page.locator(".opblock").nth(operations - 1).wait_for(timeout=30_000)
            rendered = await page.locator(".opblock").count()
            title = await page.inner_text(".info .title")
        finally:
            await browser.close()
    assert "CodeMentor API" in title and rendered == operations
    assert console.ours == [], console.log


def test_a_token_with_only_the_service_scope_calls_the_api_through_the_proxy(stack, hub):
    hub.create_user("cli-kim")
    resp = hub.api("POST", "/users/cli-kim/tokens", json={"scopes": ["access:services!service=codementor"], "expires_in": 600, "note": "cli"})
    assert resp.status_code == 201, resp.text
    headers = {"Authorization": f"token {resp.json()['token']}"}
    me = httpx.get(f"{proxied(stack)}/me", headers=headers, timeout=30)
    assert me.status_code == 200 and me.json()["name"] == "cli-kim", me.text
    page = httpx.get(f"{proxied(stack)}/submissions", params={"limit": 5}, headers=headers, timeout=30)
    assert page.status_code == 200 and page.json()["items"] == []
    assert httpx.get(f"{proxied(stack)}/me", timeout=30).status_code == 401
