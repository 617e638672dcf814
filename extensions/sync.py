"""Rules for writing delivered notebooks into a student's folder. Plain functions, no server.

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
- notebooks of earlier days move (never copied over anything) into ``exercises/archive/``,
  so the folder holds today's set and the archive.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

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
        state = json.loads((root / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def save_state(root: Path, state: dict) -> None:
    write_atomic(root / STATE_FILE, json.dumps(state, indent=1, sort_keys=True))


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def place_new(src: Path, dst: Path) -> bool:
    """Give file `src` the name `dst` too, only if `dst` does not exist; False if it does.

    Unlike os.replace this never replaces anything. A hard link makes it atomic; on file
    systems without hard links an exclusive create and a copy do the same job.
    """
    try:
        os.link(src, dst)
        return True
    except FileExistsError:
        return False
    except OSError:
        try:
            with open(dst, "xb") as out, open(src, "rb") as inp:
                shutil.copyfileobj(inp, out)
            return True
        except FileExistsError:
            return False


def write_new(path: Path, text: str) -> bool:
    """Write `path` only if nothing is there yet; False if the name is taken."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    try:
        return place_new(Path(tmp), path)
    finally:
        os.unlink(tmp)


def read_notebook(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _update_beside(path: Path, root: Path, notebook: dict, fresh: dict) -> Outcome:
    meta = notebook["metadata"]["codementor"]
    for existing in path.parent.glob(f"{path.stem}.bank-update-v*.ipynb"):
        if ((read_notebook(existing) or {}).get("metadata", {}).get("codementor") or {}).get("digest") == fresh["digest"]:
            return Outcome(str(existing.relative_to(root)), "update-beside")
    name = update_name(path.stem[:10], meta["exercise_id"], meta.get("exercise_version", 0), fresh["digest"],
                       lambda n: (path.parent / n).exists())
    beside = path.with_name(name)
    note = nbformat.v4.new_markdown_cell(
        f"**A newer version of this exercise.** Your own work is untouched in `{path.name}`; "
        "copy over what you want to keep, and submit from either notebook."
    )
    note["id"] = "codementor-update-note"
    nb = nbformat.from_dict(notebook)
    nb.cells.insert(0, note)
    write_new(beside, nbformat.writes(nb))
    return Outcome(str(beside.relative_to(root)), "update-beside")


def deliver(root: Path, folder: str, day: str, exercise_id: str, notebook: dict, state: dict, restore: bool = False) -> Outcome:
    """Write one delivered notebook under root/folder following the rules above; updates `state`."""
    rel = f"{folder}/{notebook_name(day, exercise_id)}"
    path = root / rel
    text = nbformat.writes(nbformat.from_dict(notebook))
    record = state.get(rel)
    fresh = {"exercise_id": exercise_id, "digest": notebook["metadata"]["codementor"]["digest"], "cells": cells_hash(notebook)}
    if not path.exists():
        if record and not restore:
            return Outcome(rel, "skipped-deleted")
        if not write_new(path, text):  # appeared meanwhile: it is the student's
            return Outcome(rel, "kept-edited")
        state[rel] = fresh
        return Outcome(rel, "restored" if record else "created")
    current = read_notebook(path)
    untouched = record is not None and current is not None and cells_hash(current) == record["cells"]
    if record and record["digest"] == fresh["digest"]:
        return Outcome(rel, "unchanged" if untouched else "kept-edited")
    if untouched:
        write_atomic(path, text)
        state[rel] = fresh
        return Outcome(rel, "updated")
    return _update_beside(path, root, notebook, fresh)


def _free_name(folder: Path, name: str) -> Path:
    """`name` in `folder`, or `name (2)`, `name (3)`... if taken."""
    target = folder / name
    stem, suffix = target.stem, target.suffix
    n = 2
    while target.exists():
        target = folder / f"{stem} ({n}){suffix}"
        n += 1
    return target


def archive_earlier_days(root: Path, folder: str, today: str, state: dict, min_age: float = 0) -> list[Outcome]:
    """Move notebooks of days before `today` from root/folder into root/folder/archive.

    A notebook saved less than `min_age` seconds ago is probably open in a browser tab (whose
    autosave would write it back in its old place), so it waits for a later pass.
    """
    outbox, archive = root / folder, root / folder / ARCHIVE
    outcomes = []
    for path in sorted(outbox.glob("*.ipynb")) if outbox.is_dir() else []:
        match = DATED_NAME.match(path.name)
        if not match or match.group(1) >= today or not path.is_file():
            continue
        if min_age and time.time() - path.stat().st_mtime < min_age:
            continue
        archive.mkdir(parents=True, exist_ok=True)
        target = _free_name(archive, path.name)
        if not place_new(path, target):
            continue
        path.unlink()
        old_rel, new_rel = f"{folder}/{path.name}", str(target.relative_to(root))
        if old_rel in state:
            state[new_rel] = state.pop(old_rel)
        outcomes.append(Outcome(new_rel, "archived"))
    return outcomes


def notebook_to_open(root: Path, folder: str, day: str | None, exercise_ids: list[str]) -> str | None:
    """The notebook a student's login opens: the first of today's that is in the folder.

    Without a day from the API (not reached yet), the newest dated notebook in the folder;
    None when there is none. The path is relative to root, with forward slashes.
    """
    if day is not None:
        for exercise_id in exercise_ids:
            rel = f"{folder}/{notebook_name(day, exercise_id)}"
            if (root / rel).is_file():
                return rel
    outbox = root / folder
    dated = sorted(
        (p.name for p in outbox.glob("*.ipynb") if DATED_NAME.match(p.name) and ".bank-update-" not in p.name and p.is_file()),
        reverse=True,
    ) if outbox.is_dir() else []
    return f"{folder}/{dated[0]}" if dated else None


def newest_notebook_of(root: Path, folder: str, exercise_id: str) -> str | None:
    """The student's newest dated notebook of `exercise_id` in the folder (not the archive), if any."""
    outbox = root / folder
    if not outbox.is_dir():
        return None
    names = sorted(
        (p.name for p in outbox.glob(f"*-{exercise_id}.ipynb") if DATED_NAME.match(p.name) and p.name[11:-6] == exercise_id and p.is_file()),
        reverse=True,
    )
    return f"{folder}/{names[0]}" if names else None
