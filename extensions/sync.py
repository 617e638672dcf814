"""Rules for writing delivered notebooks into a student's folder. Plain functions, no server.

The one promise: a notebook the student has changed is never overwritten. A record of what
was delivered (the hash of each notebook's cells as written) lives in
`.codementor/delivered.json` in the student's folder; a notebook whose cells still hash to
the recorded value is untouched and may be replaced by a newer bank version, anything else
is the student's work.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

STATE_FILE = ".codementor/delivered.json"


def cells_hash(nb: dict) -> str:
    """Hash of what a student can change: cell types and sources (not outputs or metadata)."""
    cells = [(c.get("cell_type"), "".join(c.get("source", ""))) for c in nb.get("cells", [])]
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()


def notebook_name(day: str, exercise_id: str) -> str:
    return f"{day}-{exercise_id}.ipynb"


@dataclass
class Outcome:
    path: str
    action: str  # created | updated | kept-edited | update-beside | unchanged | skipped-deleted


def load_state(root: Path) -> dict:
    try:
        return json.loads((root / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}


def save_state(root: Path, state: dict) -> None:
    write_atomic(root / STATE_FILE, json.dumps(state, indent=1, sort_keys=True))


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def read_notebook(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


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
        write_atomic(path, text)
        state[rel] = fresh
        return Outcome(rel, "created")
    current = read_notebook(path)
    untouched = record is not None and current is not None and cells_hash(current) == record["cells"]
    if record and record["digest"] == fresh["digest"]:
        return Outcome(rel, "unchanged" if untouched else "kept-edited")
    if untouched:
        write_atomic(path, text)
        state[rel] = fresh
        return Outcome(rel, "updated")
    beside = path.with_name(f"{path.stem}.bank-update-{fresh['digest'][:8]}.ipynb")
    if not beside.exists():
        write_atomic(beside, text)
    return Outcome(str(beside.relative_to(root)), "update-beside")
