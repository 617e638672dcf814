"""Playwright helpers for the browser journeys: Debian's Chromium, console watching, login."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlparse

CHROMIUM = os.environ.get("CODEMENTOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# pages we serve ourselves: the Hub's pages (login, admin) and the dashboards service
OUR_PREFIXES = ("/hub/", "/services/")


async def launch(playwright):
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


@dataclass
class ConsoleWatch:
    """Collects console errors; `ours` are those raised on pages under OUR_PREFIXES."""

    log: list[str] = field(default_factory=list)
    ours: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)
    expecting: str | None = None
    refused: list[str] = field(default_factory=list)  # answers of 400 and above: "status path"

    def attach(self, page) -> None:
        page.on("console", lambda msg: self._on(page, msg.type, msg.text))
        page.on("pageerror", lambda err: self._on(page, "error", f"uncaught: {err}"))
        page.on("requestfailed", lambda req: self.log.append(f"[requestfailed] {urlparse(page.url).path}: {req.url} {req.failure}"))
        page.on("response", lambda resp: self._refused(page, resp))

    def _refused(self, page, resp) -> None:
        if resp.status >= 400:
            self.log.append(f"[http {resp.status}] {urlparse(page.url).path}: {resp.url}")
            self.refused.append(f"{resp.status} {urlparse(resp.url).path}")

    def _on(self, page, kind: str, text: str) -> None:
        path = urlparse(page.url).path
        line = f"[{kind}] {path}: {text}"
        self.log.append(line)
        if kind != "error":
            return
        if self.expecting and self.expecting in text:
            self.expected.append(line)
        elif path.startswith(OUR_PREFIXES):
            self.ours.append(line)

    def write(self, path: Path) -> None:
        path.write_text("\n".join(self.log) + "\n")


async def login(page, hub_url: str, name: str, password: str, next_path: str = "") -> None:
    """Sign in through the Hub's login form, as a person would."""
    url = f"{hub_url}/hub/login" + (f"?next={quote(next_path)}" if next_path else "")
    await page.goto(url)
    await page.fill("#username_input", name)
    await page.fill("#password_input", password)
    await page.click("#login_submit")


async def shot(page, folder: Path, name: str) -> Path:
    path = folder / name
    await page.screenshot(path=str(path), full_page=True)
    return path
