"""Find the exercise of the running notebook and the student's current code."""

from __future__ import annotations

import os
import re
from pathlib import Path

from codementor.client.notebook import SOLUTION_TAG, exercise_id, is_solution_cell, read_notebook

__all__ = ["SOLUTION_TAG", "current_code", "exercise_id", "notebook_path", "read_notebook", "solution_cells", "without_magics"]


def notebook_path(env=os.environ, cwd: Path | None = None) -> Path | None:
    """The notebook this kernel was started for (JPY_SESSION_NAME, absolute or server-relative)."""
    name = env.get("JPY_SESSION_NAME")
    if not name:
        return None
    path = Path(name)
    if path.is_absolute():
        return path
    cwd = cwd or Path.cwd()
    for candidate in (cwd / path, cwd / path.name, Path(env.get("HOME", cwd)) / path):
        if candidate.exists():
            return candidate
    return None


def solution_cells(nb: dict) -> list[tuple[str | None, str]]:
    """(cell id, saved source) of every solution cell, in notebook order."""
    cells = []
    for cell in nb.get("cells", []):
        if is_solution_cell(cell):
            source = cell.get("source", "")
            cells.append((cell.get("id"), "".join(source) if isinstance(source, list) else source))
    return cells


MAGIC_LINE = re.compile(r"^(%{1,2}|!)[A-Za-z]")


def without_magics(code: str) -> str:
    """The code as plain Python: a `%hint` or `!pip` line becomes blank (line numbers stay), a `%%` cell is dropped."""
    if code.lstrip().startswith("%%"):
        return ""
    return "\n".join("" if MAGIC_LINE.match(line) else line for line in code.split("\n"))


def current_code(nb: dict, executed: dict[str, str]) -> str:
    """The solution as the student last ran it in this kernel, else as last saved (IPython magics left out)."""
    parts = [without_magics(executed.get(cell_id, saved) if cell_id else saved) for cell_id, saved in solution_cells(nb)]
    return "\n\n".join(p.rstrip() for p in parts if p.strip()) + "\n"
