"""The notebook metadata schema: how a student notebook says which exercise it is.

The bank writes it when it renders a notebook (`exercise_metadata`, `cell_metadata`); the
server extension reads the digest to tell a changed exercise from an unchanged one; the kernel
extension reads the exercise id and finds the solution cells. All of them use this module, so
the key and its version are written down once. Version 1:

    metadata.codementor = {"schema_version": 1, "exercise_id", "exercise_version", "digest", "day"}
    cell.metadata.codementor = {"role": "solution" | "visible-tests" | ...}, plus a codementor-<role> tag
"""

from __future__ import annotations

import json
from pathlib import Path

METADATA_KEY = "codementor"
SCHEMA_VERSION = 1
SOLUTION_TAG = "codementor-solution"


def read_notebook(path: Path | None) -> dict | None:
    """The notebook's JSON, or None when there is no such file or it is not JSON."""
    if path is None:
        return None
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def exercise_metadata(exercise_id: str, exercise_version: int, digest: str, day: str | None) -> dict:
    """What the bank writes under metadata.codementor of a student notebook."""
    return {"schema_version": SCHEMA_VERSION, "exercise_id": exercise_id, "exercise_version": exercise_version, "digest": digest, "day": day}


def cell_metadata(role: str) -> dict:
    """What a cell of a student or authoring notebook carries under its metadata.codementor."""
    return {"role": role}


def metadata(nb: dict | None) -> dict:
    """The notebook's metadata.codementor, {} when it has none (any shape is tolerated)."""
    meta = (nb or {}).get("metadata") if isinstance(nb, dict) else None
    found = meta.get(METADATA_KEY) if isinstance(meta, dict) else None
    return found if isinstance(found, dict) else {}


def exercise_id(nb: dict | None) -> str | None:
    found = metadata(nb).get("exercise_id")
    return found if isinstance(found, str) else None


def digest(nb: dict | None) -> str | None:
    found = metadata(nb).get("digest")
    return found if isinstance(found, str) else None


def cell_role(cell: dict) -> str | None:
    meta = cell.get("metadata") or {}
    found = meta.get(METADATA_KEY) if isinstance(meta, dict) else None
    return found.get("role") if isinstance(found, dict) else None


def is_solution_cell(cell: dict) -> bool:
    meta = cell.get("metadata") or {}
    return cell.get("cell_type") == "code" and (SOLUTION_TAG in (meta.get("tags") or []) or cell_role(cell) == "solution")
