"""Rules for writing delivered notebooks into a student's folder, through the server's contents manager.

The one promise: nothing the student has is ever overwritten or deleted. A record of what
was delivered (the hash of each notebook's cells as written) lives in
`.codementor/delivered.json` in the student's folder; a notebook whose cells still hash to
the recorded value is untouched and may be replaced by a newer bank version, anything else
is the student's work:

- a new notebook is written as ``exercises/<day>-<exercise>.ipynb``;
- an edited notebook is left alone; if the bank's version changed meanwhile, the new version
  is written beside it as ``<day>-<exercise>.bank-update-v<version>.ipynb``, with a first
  cell saying where the student's own work is;
- a notebook the student deleted stays deleted, unless they ask for it back (``restore``);
- notebooks of earlier days move (renamed, never over anything) into ``exercises/archive/``,
  so the folder holds today's set and the archive.

Every notebook is read, written and renamed through the server's contents manager, so
checkpoints, real-time collaboration and contents managers that are not plain files see the
same changes as a save from JupyterLab. The record is the extension's own bookkeeping, not
the student's content: the contents API refuses dot-folders by default, so it is a private
file under the server's root.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import platform
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jupyter_server.utils import ensure_async
from tornado.web import HTTPError

from codementor.client.notebook import digest, metadata

STATE_FILE = ".codementor/delivered.json"
ARCHIVE = "archive"
DATED_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-.+\.ipynb$")


def cells_hash(nb: dict) -> str:
    """Hash of what a student can change: cell types and sources (not outputs or metadata)."""
    cells = [(c.get("cell_type"), "".join(c.get("source", ""))) for c in nb.get("cells", [])]
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()


def notebook_name(day: str, exercise_id: str) -> str:
    return f"{day}-{exercise_id}.ipynb"


def update_name(day: str, exercise_id: str, version: int, digest: str, taken) -> str:
    """Name for a newer bank version written beside the student's edited notebook."""
    name = f"{day}-{exercise_id}.bank-update-v{version}.ipynb"
    return name if not taken(name) else f"{day}-{exercise_id}.bank-update-v{version}-{digest[:8]}.ipynb"


@dataclass
class Outcome:
    path: str
    action: str  # created | restored | updated | kept-edited | update-beside | unchanged | skipped-deleted | archived


def load_state(root: Path) -> dict:
    try:
        state = json.loads((Path(root) / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def save_state(root: Path, state: dict) -> None:
    """Replace the record at once (a crash never leaves half of it)."""
    path = Path(root) / STATE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(json.dumps(state, indent=1, sort_keys=True))
    os.replace(tmp, path)


class Contents:
    """The contents-manager calls the rules need, awaited whether the manager is sync or async."""

    def __init__(self, manager):
        self.manager = manager

    @staticmethod
    async def _run(method, *args, **kwargs):
        """One call, in a task of its own. jupyter-server's file managers work in anyio worker threads,
        which live as long as the task that started them; in the delivery's long-lived task (retries,
        periodic passes) they would keep a server stopped with SIGINT (the Hub's first signal) from exiting.

        A call whose caller is being cancelled ends in CancelledError, whatever the manager made of
        it: jupyter-server's file save turns a cancellation during the write of a new file into an
        HTTPError 500 (its atomic write then restores a backup that a new file never had), which the
        callers' error handling would take for a failed save, and the cancelled task would go on
        (the server's stop waits for the delivery task to end)."""
        call = asyncio.ensure_future(ensure_async(method(*args, **kwargs)))
        try:
            return await call
        except Exception:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise asyncio.CancelledError() from None
            raise

    async def exists(self, path: str) -> bool:
        return await self._run(self.manager.exists, path)

    async def is_file(self, path: str) -> bool:
        return await self._run(self.manager.file_exists, path)

    async def is_dir(self, path: str) -> bool:
        return await self._run(self.manager.dir_exists, path)

    async def read_notebook(self, path: str) -> dict | None:
        """The notebook at `path`, or None when it is missing or not a readable notebook."""
        try:
            return (await self._run(self.manager.get, path, content=True, type="notebook"))["content"]
        except (HTTPError, OSError, ValueError):
            return None

    async def read_text(self, path: str) -> str | None:
        try:
            return (await self._run(self.manager.get, path, content=True, type="file", format="text"))["content"]
        except (HTTPError, OSError, ValueError):
            return None

    async def age(self, path: str) -> float:
        """Seconds since `path` was last saved."""
        model = await self._run(self.manager.get, path, content=False)
        return time.time() - model["last_modified"].timestamp()

    async def names(self, folder: str) -> list[str]:
        """Names of the files (not folders) in `folder`; [] when there is no such folder."""
        if not await self.is_dir(folder):
            return []
        listing = await self._run(self.manager.get, folder, content=True, type="directory")
        return sorted(m["name"] for m in listing["content"] if m["type"] != "directory")

    async def make_dir(self, path: str) -> None:
        parent = path.rpartition("/")[0]
        if parent and not await self.is_dir(parent):
            await self.make_dir(parent)
        if not await self.is_dir(path):
            await self._run(self.manager.save, {"type": "directory"}, path)

    async def write_notebook(self, path: str, nb: dict) -> None:
        await self._run(self.manager.save, {"type": "notebook", "format": "json", "content": nb}, path)

    async def write_text(self, path: str, text: str) -> None:
        await self.make_dir(path.rpartition("/")[0])
        await self._run(self.manager.save, {"type": "file", "format": "text", "content": text}, path)

    async def write_new(self, path: str, nb: dict) -> bool:
        """Write `path` only if nothing is there yet; False if the name is taken.

        The contents API has no create-if-absent: the check and the save follow each other in
        the server's one event loop, which leaves only a save of the same new name in between.
        """
        await self.make_dir(path.rpartition("/")[0])
        if await self.exists(path):
            return False
        await self.write_notebook(path, nb)
        return True

    async def rename(self, old: str, new: str) -> bool:
        """Rename (with its checkpoints); False when `new` is taken, which the manager refuses."""
        if await self.exists(new):
            return False
        try:
            await self._run(self.manager.rename, old, new)
        except HTTPError as err:
            if err.status_code == 409:
                return False
            raise
        return True

    async def delete(self, path: str) -> None:
        await self._run(self.manager.delete, path)


async def _update_beside(files: Contents, rel: str, notebook: dict, fresh: dict) -> Outcome:
    folder, _, name = rel.rpartition("/")
    stem = name.removesuffix(".ipynb")
    taken = await files.names(folder)
    for existing in (n for n in taken if n.startswith(f"{stem}.bank-update-v") and n.endswith(".ipynb")):
        if digest(await files.read_notebook(f"{folder}/{existing}")) == fresh["digest"]:
            return Outcome(f"{folder}/{existing}", "update-beside")
    beside = f"{folder}/" + update_name(stem[:10], fresh["exercise_id"], metadata(notebook).get("exercise_version", 0), fresh["digest"], taken.__contains__)
    note = nbformat.v4.new_markdown_cell(
        f"**A newer version of this exercise.** Your own work is untouched in `{name}`; "
        "copy over what you want to keep, and submit from either notebook."
    )
    note["id"] = "codementor-update-note"
    nb = nbformat.from_dict(notebook)
    nb.cells.insert(0, note)
    await files.write_new(beside, nb)
    return Outcome(beside, "update-beside")


# what ipykernel tells JupyterLab about the language when the notebook's kernel starts (the kernel runs this
# server's interpreter): a notebook written with less is changed at that moment and shows as unsaved at once
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py", "mimetype": "text/x-python", "name": "python",
    "nbconvert_exporter": "python", "pygments_lexer": "ipython3", "version": platform.python_version(),
}


def as_written(notebook: dict) -> dict:
    """The delivered notebook with the language as its kernel will report it."""
    return {**notebook, "metadata": {**notebook.get("metadata", {}), "language_info": LANGUAGE_INFO}}


async def deliver(files: Contents, folder: str, day: str, exercise_id: str, notebook: dict, state: dict, restore: bool = False) -> Outcome:
    """Write one delivered notebook into `folder` following the rules above; updates `state`."""
    rel = f"{folder}/{notebook_name(day, exercise_id)}"
    record = state.get(rel)
    fresh = {"exercise_id": exercise_id, "digest": digest(notebook), "cells": cells_hash(notebook)}
    notebook = as_written(notebook)
    if not await files.exists(rel):
        if record and not restore:
            return Outcome(rel, "skipped-deleted")
        if not await files.write_new(rel, nbformat.from_dict(notebook)):  # appeared meanwhile: it is the student's
            return Outcome(rel, "kept-edited")
        state[rel] = fresh
        return Outcome(rel, "restored" if record else "created")
    current = await files.read_notebook(rel)
    untouched = record is not None and current is not None and cells_hash(current) == record["cells"]
    if record and record["digest"] == fresh["digest"]:
        return Outcome(rel, "unchanged" if untouched else "kept-edited")
    if untouched:
        await files.write_notebook(rel, nbformat.from_dict(notebook))
        state[rel] = fresh
        return Outcome(rel, "updated")
    return await _update_beside(files, rel, notebook, fresh)


def _free_name(taken: list[str], name: str) -> str:
    """`name`, or `name (2)`, `name (3)`... if taken."""
    stem, suffix = name.removesuffix(".ipynb"), ".ipynb"
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{stem} ({n}){suffix}", n + 1
    return candidate


async def archive_earlier_days(files: Contents, folder: str, today: str, state: dict, min_age: float = 0) -> list[Outcome]:
    """Move notebooks of days before `today` from `folder` into `folder`/archive.

    A notebook saved less than `min_age` seconds ago is probably open in a browser tab (whose
    autosave would write it back in its old place), so it waits for a later pass.
    """
    archive = f"{folder}/{ARCHIVE}"
    outcomes = []
    for name in await files.names(folder):
        match = DATED_NAME.match(name)
        if not match or match.group(1) >= today:
            continue
        old = f"{folder}/{name}"
        if min_age and await files.age(old) < min_age:
            continue
        await files.make_dir(archive)
        new = f"{archive}/{_free_name(await files.names(archive), name)}"
        if not await files.rename(old, new):
            continue
        if old in state:
            state[new] = state.pop(old)
        outcomes.append(Outcome(new, "archived"))
    return outcomes


async def notebook_to_open(files: Contents, folder: str, day: str | None, exercise_ids: list[str]) -> str | None:
    """The notebook a student's login opens: the first of today's that is in the folder.

    Without a day from the API (not reached yet), the newest dated notebook in the folder;
    None when there is none. The path is relative to the server's root, with forward slashes.
    """
    if day is not None:
        for exercise_id in exercise_ids:
            rel = f"{folder}/{notebook_name(day, exercise_id)}"
            if await files.is_file(rel):
                return rel
    dated = [n for n in await files.names(folder) if DATED_NAME.match(n) and ".bank-update-" not in n]
    return f"{folder}/{max(dated)}" if dated else None


async def newest_notebook_of(files: Contents, folder: str, exercise_id: str) -> str | None:
    """The student's newest dated notebook of `exercise_id` in the folder (not the archive), if any."""
    names = [n for n in await files.names(folder) if DATED_NAME.match(n) and n[11:-6] == exercise_id]
    return f"{folder}/{max(names)}" if names else None
