"""%hint, %tutor, %submit, %today, %onboard, %progress, %mydata and %delete_my_data: the student's side of CodeMentor, a thin client of the API.

%exercise_import is the instructors' one: it sends an authoring notebook to the API, which
checks the caller's role and validates the exercise in its sandbox (nothing is trusted here)."""

from __future__ import annotations

import argparse
import http.client
import os
import re
import traceback
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display
from traitlets import Float, Integer, Unicode, default

from .client import APIClient, IdempotencyKeys, TutorError, Unreachable, own_server_url
from .learner import LEVELS, format_placement, format_progress, onboarding_form, plural, profile_line, progress_widget
from .notebook import current_code, exercise_id, notebook_path, read_notebook


def show(markdown: str, plain: str | None = None) -> None:
    display({"text/markdown": markdown, "text/plain": plain or markdown}, raw=True)


def format_results(sub: dict) -> tuple[str, str]:
    """Markdown and plain text for a graded submission: the visible tests one by one, the hidden ones counted."""
    tests = sub.get("tests", [])
    hidden = sub.get("hidden_tests") or {"passed": 0, "total": 0}
    total = len(tests) + hidden["total"]
    passed = sum(t["passed"] for t in tests) + hidden["passed"]
    if sub["passed"]:
        head = "**The test passed.** Well done!" if total == 1 else f"**All {total} tests passed.** Well done!"
    else:
        head = f"**{passed} of {plural(total, 'test')} passed.**"
    lines = [head]
    if sub.get("message"):
        lines.append(f"\n{sub['message']}")
    for t in tests:
        mark = "✅ passed:" if t["passed"] else "❌ failed:"  # the word stays where the mark does not render
        label = f"{t['name']} (hidden)" if t.get("hidden") else t["name"]  # an older API listed hidden tests too
        lines.append(f"- {mark} {label}" + (f": {t['message']}" if t.get("message") else ""))
    if hidden["total"]:
        mark = "✅" if hidden["passed"] == hidden["total"] else "❌"
        lines.append(f"- {mark} hidden tests: {hidden['passed']} of {hidden['total']} passed (which ones is not shown)")
    progress = sub.get("progress") or {}
    if progress.get("new_badges"):
        label = "🏅 New badge" if sub["passed"] else "New badge for practice"
        lines.append(f"\n{label}: " + ", ".join(b["title"] for b in progress["new_badges"]) + " (see %progress)")
    markdown = "\n".join(lines)
    plain = markdown.replace("**", "").replace("✅ ", "").replace("❌ ", "").replace("🏅 ", "")
    return markdown, plain


TUTOR_LINE = re.compile(r"^(\s*)%tutor\b(.*\?)\s*$")


def keep_question_marks(lines: list[str]) -> list[str]:
    """`%tutor why?` is a question, not IPython's `object?` help: call the magic directly."""
    return [
        f"{m.group(1)}get_ipython().run_line_magic('tutor', {m.group(2).strip()!r})\n" if (m := TUTOR_LINE.match(line)) else line
        for line in lines
    ]


def split_tutor_line(line: str) -> argparse.Namespace:
    """Options first, then the question as typed (apostrophes and all, so no shell-style parsing)."""
    args = argparse.Namespace(budget=False, new=False, question=[])
    rest = line.strip()
    while rest.startswith("--"):
        option, _, rest = rest.partition(" ")
        if option not in ("--budget", "--new"):
            raise UsageError(f"%tutor knows --budget and --new, not {option}; ask your question after them")
        setattr(args, option[2:], True)
        rest = rest.strip()
    args.question = [rest] if rest else []
    return args


def student_traceback(err: BaseException) -> str:
    """The traceback as the student saw it, without IPython's own frames."""
    lines = traceback.format_exception(type(err), err, err.__traceback__)
    keep = [ln for ln in lines if "site-packages/IPython/" not in ln and "interactiveshell.py" not in ln]
    return tail("".join(keep), 4000)


def tail(text: str, limit: int) -> str:
    """The end of `text` in at most `limit` characters, from a line start (a cut line could hide an address from the scrubber)."""
    if len(text) <= limit:
        return text
    end = text[-limit:]
    return end.partition("\n")[2] or end


def format_budget(budget: dict) -> str:
    if not budget.get("llm"):
        return "The tutor is answering **offline** (authored hints and error explanations): there is no allowance to use up."
    hours, rest = divmod(int(budget["renews_in_s"]), 3600)
    return (f"**Today's tutor allowance:** ${budget['remaining_usd']:.4f} left of ${budget['limit_usd']:.2f} "
            f"(renews in {hours} h {rest // 60} min).")


def answer_note(meta: dict) -> str:
    source = meta.get("source", "")
    counted = f" It counts as hint {meta['hint_rung']}; `%hint` goes on from there." if meta.get("hint_rung") else ""
    if meta.get("leak_blocked"):
        return ("The tutor's answer came too close to the solution, so the next hint is shown instead (your question was fine: "
                "asking about one line or one Python feature may get a full answer)." + counted)
    if source == "offline":
        return "Answered offline." + counted
    return "Shared answer from the class cache." if meta.get("cached") else f"Answered by the tutor ({source})."


PLACEMENT_NUDGE = "\nNew here? `%placement start` (five minutes, a few short snippets) tunes your first exercises."


@magics_class
class TutorMagics(Magics):
    """CodeMentor magics; settings go in IPython config as c.TutorMagics.*."""

    api_url = Unicode(help="Base URL of the CodeMentor API ($CODEMENTOR_API_URL).").tag(config=True)
    api_token = Unicode(help="Token sent to the API ($JUPYTERHUB_API_TOKEN, the server's Hub token).").tag(config=True)
    timeout = Float(60.0, help="Seconds to wait for the API (grading can take a few seconds).").tag(config=True)
    submit_retries = Integer(
        2, help="Further attempts of a %submit that got no answer (timeout, connection lost), with the same idempotency key, so the API stores it once."
    ).tag(config=True)
    retry_backoff = Float(0.5, help="Seconds before the first retry; doubled for each later one.").tag(config=True)
    import_timeout = Float(
        180.0, help="Seconds %exercise_import waits for the API, which validates the exercise (mutants, hints, the notebook) first."
    ).tag(config=True)
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
        self.last_traceback: str = ""
        self._error_cell: str | None = None
        self._running_cell: str | None = None
        self.submission_keys = IdempotencyKeys()

    @property
    def client(self) -> APIClient:
        return APIClient(self.api_url, self.api_token, self.timeout, self.retry_backoff)

    # events: remember what ran, without touching the user's namespace or exception handling
    def pre_run_cell(self, info):
        self._running_cell = getattr(info, "cell_id", None)
        if self._running_cell and info.raw_cell.lstrip()[:1] != "%":
            self.executed[info.cell_id] = info.raw_cell

    def post_run_cell(self, result):
        err = result.error_in_exec or result.error_before_exec
        if isinstance(err, UsageError):
            return  # a mistyped magic (ours included) is not the error the student wants explained
        if err is not None:
            self.last_error = tail("".join(traceback.format_exception_only(type(err), err)).strip(), 2000)
            self.last_traceback = student_traceback(err)
            self._error_cell = self._running_cell
        elif self._running_cell and self._running_cell == self._error_cell:
            # the cell that failed now runs cleanly: that error is history
            self.last_error = self.last_traceback = ""
            self._error_cell = None

    def _notebook(self) -> dict:
        path = notebook_path()
        if os.environ.get("JPY_SESSION_NAME") and (path is None or not path.exists()):
            raise UsageError("this kernel cannot find its notebook (renamed or moved?): restart the kernel (Kernel > Restart Kernel) and try again")
        nb = read_notebook(path)
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
        body = {"exercise_id": exercise_id(nb), "again": args.again, "code": current_code(nb, self.executed),
                "error": self.last_error, "traceback": self.last_traceback}
        hint = self._call(self.client.post, "/hints", body)
        if hint.get("extra"):
            return show(f"**Extra hint (beyond the {hint['of']} authored ones):**\n\n{hint['text']}")
        more = "" if not hint["last"] else " (that was the last hint: now try %tutor)"
        show(f"**Hint {hint['rung']} of {hint['of']}:** {hint['text']}{more}")

    @magic_arguments()
    @argument("--budget", action="store_true", help="show what is left of today's tutor allowance")
    @argument("--new", action="store_true", help="start a new conversation about this exercise")
    @argument("question", nargs="*", help="your question (or, with %%tutor, the cell below)")
    @line_cell_magic
    def tutor(self, line, cell=None):
        """Ask the tutor about this exercise: %tutor QUESTION, or %%tutor with the question below."""
        args = split_tutor_line(line)
        if args.budget:
            return show(format_budget(self._call(self.client.get, "/tutor/budget")))
        nb = self._notebook()
        if args.new:
            self._call(self.client.post, "/tutor/conversations", {"exercise_id": exercise_id(nb)})
            show("Started a new conversation with the tutor about this exercise.")
            if not (cell or args.question):
                return
        question = (cell if cell is not None else " ".join(args.question)).strip()
        body = {"exercise_id": exercise_id(nb), "question": question, "code": current_code(nb, self.executed),
                "error": self.last_error, "traceback": self.last_traceback, "stream": True}
        self._stream_answer(body)

    def _stream_answer(self, body: dict) -> None:
        handle = display({"text/markdown": "_The tutor is thinking…_", "text/plain": "The tutor is thinking..."}, raw=True, display_id=True)
        text = ""
        try:
            for kind, data in self.client.stream("/tutor/ask", body):
                if kind == "error":
                    raise TutorError(data.get("text", "the tutor stopped unexpectedly; ask again"))
                text = text + data["text"] if kind == "delta" else data["text"]
                footer = f"\n\n<sub>{answer_note(data)}</sub>" if kind == "done" else " ▍"
                handle.update({"text/markdown": text + footer, "text/plain": text}, raw=True)
        except TutorError as err:
            self._no_answer(handle, text)
            raise UsageError(str(err)) from None
        except (OSError, ValueError, http.client.HTTPException) as err:
            self._no_answer(handle, text)
            raise UsageError(f"the tutor's answer was cut off ({type(err).__name__}); ask again") from None

    @staticmethod
    def _no_answer(handle, text: str) -> None:
        """The stream ended in an error: never leave "thinking" on screen above the one-line error."""
        note = "_(the answer stopped here)_" if text else "_No answer from the tutor this time._"
        handle.update({"text/markdown": f"{text}\n\n{note}" if text else note, "text/plain": text or "No answer from the tutor this time."}, raw=True)

    @line_magic
    def submit(self, line):
        """Grade the solution cell(s) of this notebook on the server."""
        nb = self._notebook()
        parts = (notebook_path(), exercise_id(nb), current_code(nb, self.executed))
        body = {"exercise_id": parts[1], "code": parts[2], "idempotency_key": self.submission_keys.key(*parts)}
        try:
            sub = self.client.post("/submissions", body, retries=self.submit_retries)
        except Unreachable as err:  # the key is kept: running %submit again cannot store it twice
            raise UsageError(f"{err} (your submission is kept: run %submit again, it is stored once)") from None
        except TutorError as err:
            self.submission_keys.answered(*parts)
            raise UsageError(str(err)) from None
        self.submission_keys.answered(*parts)
        show(*format_results(sub))

    def _save_profile(self, level: str, topics: list[str], timezone: str | None) -> str:
        me = self.client.request("PUT", "/me", {"level": level, "topics": topics, "timezone": timezone})
        return "Saved. " + profile_line(me) + PLACEMENT_NUDGE

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

    @line_cell_magic
    def placement(self, line, cell=None):
        """The placement check: `%placement start`, answer with a `%%placement` cell (one line per printed line),
        `%placement skip` to end it; `%placement` alone shows where it stands."""
        action = line.strip()
        if cell is not None:
            state = self._call(self.client.get, "/me/placement")
            if state.get("question") is None:
                raise UsageError("there is no placement question to answer now: `%placement` shows where the check stands")
            answers = cell.strip("\n").split("\n") if cell.strip() else []
            state = self._call(self.client.post, "/me/placement/answers", {"question_id": state["question"]["id"], "answers": answers[:20]})
        elif action in ("", "status"):
            state = self._call(self.client.get, "/me/placement")
        elif action == "start":
            state = self._call(self.client.post, "/me/placement", {})
        elif action in ("skip", "finish"):
            state = self._call(self.client.post, "/me/placement/finish", {})
        else:
            raise UsageError("usage: %placement [start|skip], and answer in a cell starting with %%placement")
        show(*format_placement(state))

    @line_magic
    def progress(self, line):
        """Show your streak, badges and skill per topic."""
        progress = self._call(self.client.get, "/progress")
        markdown, plain = format_progress(progress)
        view = progress_widget(progress)
        if view is None:
            show(markdown, plain)
        else:  # one view: the widgets where they render, the text where they cannot (a plain terminal, nbconvert)
            display({"application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0, "model_id": view.model_id},
                     "text/plain": plain, "text/markdown": markdown}, raw=True)

    @line_magic
    def today(self, line):
        """Bring back today's exercise notebooks (a deleted one is written again; edited ones stay as they are)."""
        if not self.server_url:
            raise UsageError("%today works in a notebook started from your JupyterHub server (JUPYTERHUB_SERVICE_URL is not set)")
        server = APIClient(self.server_url, self.api_token, self.timeout)
        done = self._call(server.post, "codementor/today", {})
        show(*format_today(done.get("notebooks", [])))

    @line_magic
    def mydata(self, line):
        """Save everything CodeMentor stores about you as a zip next to this notebook, and say where."""
        body = self._call(self.client.get_bytes, "/me/export")
        path = notebook_path()
        folder = path.parent if path is not None else Path.cwd()
        target = folder / f"codementor-mydata-{date.today().isoformat()}.zip"
        target.write_bytes(body)
        show(f"Saved your data ({len(body)} bytes) to `{target}`. What is kept and for how long: {privacy_url(self.api_url)}")

    @magic_arguments()
    @argument("--confirm", default=None, help="your user name, typed again (asked for when missing)")
    @line_magic
    def delete_my_data(self, line):
        """Ask an admin to delete your account and everything CodeMentor stores about you."""
        args = parse_argstring(self.delete_my_data, line)
        me = self._call(self.client.get, "/me")
        typed = args.confirm if args.confirm is not None else input(f"This deletes all your work and progress. Type your user name ({me['name']}) to confirm: ")
        if typed.strip() != me["name"]:
            raise UsageError("not confirmed: nothing was asked (type your own user name exactly)")
        done = self._call(self.client.post, "/me/deletion-request", {"confirm": typed.strip()})
        show(f"Deletion requested ({done['requested_at']}): an admin will carry it out. Save a copy first with %mydata.")


    @magic_arguments()
    @argument("notebook", nargs="?", help="the authoring notebook (default: this notebook, as last saved)")
    @line_magic
    def exercise_import(self, line):
        """Instructors: validate an authoring notebook on the server and add its exercise to the course bank."""
        args = parse_argstring(self.exercise_import, line)
        path = Path(args.notebook).expanduser() if args.notebook else notebook_path()
        if path is None:
            raise UsageError("name the authoring notebook: %exercise_import count-vowels.ipynb")
        if not path.is_file():
            raise UsageError(f"{path}: no such notebook (save the notebook first)")
        nb = read_notebook(path)
        if nb is None:
            raise UsageError(f"{path} is not a notebook (.ipynb JSON)")
        client = APIClient(self.api_url, self.api_token, self.import_timeout, self.retry_backoff)
        done = self._call(client.post, "/course/exercises", {"notebook": nb})
        ex = done["exercise"]
        show(f"Imported **{ex['id']}** (version {ex['version']}) into the course bank `{done['course']}`: "
             f"it validated, and bank version {done['bank_version']} now serves it.")


def privacy_url(api_url: str) -> str:
    """The privacy page's path on the Hub (the API's own address may be an internal one)."""
    path = urlsplit(api_url).path.rsplit("/api/v1", 1)[0]
    return f"{path.rstrip('/')}/privacy on your JupyterHub"


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
