"""%hint, %submit, %today, %onboard and %progress: the student's side of CodeMentor, a thin client of the API."""

from __future__ import annotations

import os
import traceback
import uuid

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display
from traitlets import Float, Unicode, default

from .client import APIClient, TutorError, own_server_url
from .learner import LEVELS, format_progress, onboarding_form, profile_line
from .notebook import current_code, exercise_id, notebook_path, read_notebook


def show(markdown: str, plain: str | None = None) -> None:
    display({"text/markdown": markdown, "text/plain": plain or markdown}, raw=True)


def format_results(sub: dict) -> tuple[str, str]:
    """Markdown and plain text for a graded submission."""
    tests = sub.get("tests", [])
    passed = sum(t["passed"] for t in tests)
    head = f"**All {len(tests)} tests passed.** Well done!" if sub["passed"] else f"**{passed} of {len(tests)} tests passed.**"
    lines = [head]
    if sub.get("message"):
        lines.append(f"\n{sub['message']}")
    for t in tests:
        mark = "✅" if t["passed"] else "❌"
        label = f"{t['name']} (hidden)" if t["hidden"] else t["name"]
        lines.append(f"- {mark} {label}" + (f": {t['message']}" if t.get("message") else ""))
    progress = sub.get("progress") or {}
    if progress.get("new_badges"):
        lines.append("\n🏅 New badge: " + ", ".join(b["title"] for b in progress["new_badges"]) + " (see %progress)")
    markdown = "\n".join(lines)
    plain = markdown.replace("**", "").replace("✅", "[pass]").replace("❌", "[fail]").replace("🏅 ", "")
    return markdown, plain


@magics_class
class TutorMagics(Magics):
    """CodeMentor magics; settings go in IPython config as c.TutorMagics.*."""

    api_url = Unicode(help="Base URL of the CodeMentor API ($CODEMENTOR_API_URL).").tag(config=True)
    api_token = Unicode(help="Token sent to the API ($JUPYTERHUB_API_TOKEN, the server's Hub token).").tag(config=True)
    timeout = Float(60.0, help="Seconds to wait for the API (grading can take a few seconds).").tag(config=True)
    server_url = Unicode(
        help="URL of the student's own Jupyter server, for %today ($JUPYTERHUB_SERVICE_URL, set by JupyterHub)."
    ).tag(config=True)

    @default("server_url")
    def _default_server_url(self):
        return own_server_url(os.environ)

    @default("api_url")
    def _default_api_url(self):
        return os.environ.get("CODEMENTOR_API_URL", "")

    @default("api_token")
    def _default_token(self):
        return os.environ.get("JUPYTERHUB_API_TOKEN", "")

    def __init__(self, shell=None, **kwargs):
        super().__init__(shell=shell, **kwargs)
        self.executed: dict[str, str] = {}
        self.last_error: str = ""

    @property
    def client(self) -> APIClient:
        return APIClient(self.api_url, self.api_token, self.timeout)

    # events: remember what ran, without touching the user's namespace or exception handling
    def pre_run_cell(self, info):
        if getattr(info, "cell_id", None) and info.raw_cell.lstrip()[:1] != "%":
            self.executed[info.cell_id] = info.raw_cell

    def post_run_cell(self, result):
        err = result.error_in_exec or result.error_before_exec
        if err is not None:
            self.last_error = "".join(traceback.format_exception_only(type(err), err)).strip()[-2000:]

    def _notebook(self) -> dict:
        nb = read_notebook(notebook_path())
        if exercise_id(nb) is None:
            raise UsageError("this notebook is not a CodeMentor exercise; open today's notebook in the exercises folder")
        return nb

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except TutorError as err:
            raise UsageError(str(err)) from None

    @magic_arguments()
    @argument("--again", action="store_true", help="show the last hint again instead of the next one")
    @line_magic
    def hint(self, line):
        """Show the next hint for this notebook's exercise."""
        args = parse_argstring(self.hint, line)
        nb = self._notebook()
        body = {"exercise_id": exercise_id(nb), "again": args.again, "code": current_code(nb, self.executed), "error": self.last_error}
        hint = self._call(self.client.post, "/hints", body)
        more = "" if not hint["last"] else " (that was the last hint: now try %tutor)"
        show(f"**Hint {hint['rung']} of {hint['of']}:** {hint['text']}{more}")

    @line_magic
    def submit(self, line):
        """Grade the solution cell(s) of this notebook on the server."""
        nb = self._notebook()
        code = current_code(nb, self.executed)
        body = {"exercise_id": exercise_id(nb), "code": code, "idempotency_key": uuid.uuid4().hex}
        sub = self._call(self.client.post, "/submissions", body)
        show(*format_results(sub))

    def _save_profile(self, level: str, topics: list[str], timezone: str | None) -> str:
        me = self.client.request("PUT", "/me", {"level": level, "topics": topics, "timezone": timezone})
        return "Saved. " + profile_line(me)

    @magic_arguments()
    @argument("--level", choices=LEVELS, help="how much Python you know")
    @argument("--topics", help="comma-separated topics you want to practise, e.g. loops,strings")
    @argument("--timezone", help="your time zone (IANA name, e.g. Europe/Paris), for days and streaks")
    @line_magic
    def onboard(self, line):
        """Tell CodeMentor your level, topics of interest and time zone (no arguments: a form)."""
        args = parse_argstring(self.onboard, line)
        me = self._call(self.client.get, "/me")
        if args.level is None and args.topics is None and args.timezone is None:
            form = onboarding_form(me, self._save_profile)
            if form is None:
                print(profile_line(me) if me["onboarded"] else "You have not onboarded yet.")
                print("Usage: %onboard --level beginner|intermediate|advanced [--topics loops,strings] [--timezone Europe/Paris]")
            else:
                display(form)
            return
        level = args.level or me.get("level")
        if level is None:
            raise UsageError("say how much Python you know first: %onboard --level beginner (or intermediate, advanced)")
        topics = me["topics"] if args.topics is None else [t.strip() for t in args.topics.split(",") if t.strip()]
        zone = args.timezone or (None if me["timezone_is_course_default"] else me["timezone"])
        print(self._call(self._save_profile, level, topics, zone))

    @line_magic
    def progress(self, line):
        """Show your streak, badges and skill per topic."""
        show(*format_progress(self._call(self.client.get, "/progress")))

    @line_magic
    def today(self, line):
        """Bring back today's exercise notebooks (a deleted one is written again; edited ones stay as they are)."""
        if not self.server_url:
            raise UsageError("%today works in a notebook started from your JupyterHub server (JUPYTERHUB_SERVICE_URL is not set)")
        server = APIClient(self.server_url, self.api_token, self.timeout)
        done = self._call(server.post, "codementor/today", {})
        show(*format_today(done.get("notebooks", [])))


TODAY_ACTIONS = {
    "created": "new", "restored": "brought back", "updated": "updated from the bank", "unchanged": "already there",
    "kept-edited": "your edited copy, kept as it is", "update-beside": "a newer version, beside your own",
    "archived": "moved to the archive", "skipped-deleted": "deleted by you",
}


def format_today(notebooks: list[dict]) -> tuple[str, str]:
    """Markdown and plain text listing today's notebooks and what %today did to each."""
    if not notebooks:
        return "No exercises today.", "No exercises today."
    lines = ["**Today's exercises:**"] + [
        f"- `{n['path']}`: {TODAY_ACTIONS.get(n['action'], n['action'])}" for n in notebooks
    ]
    markdown = "\n".join(lines)
    return markdown, markdown.replace("**", "").replace("`", "")
