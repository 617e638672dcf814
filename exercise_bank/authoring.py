"""Exercises written in a notebook: scaffold, export and import an authoring notebook.

An authoring notebook holds one exercise. Each cell that belongs to the exercise carries its
role twice, in the cell metadata (``codementor.role``) and as a tag (``codementor-<role>``), so
that JupyterLab's tag editor shows it and either one is enough on import:

| role | cell | what it holds |
|---|---|---|
| ``metadata`` | raw | TOML: id, title, topic, difficulty, version, estimated_minutes, prerequisites, entry_points |
| ``statement`` | markdown | what the student reads |
| ``starter`` | code | the code the student starts from |
| ``reference`` | code | the reference solution (never shown to students) |
| ``visible-tests`` | raw | TOML ``[[test]]`` tables: name, call, expect, and optionally setup and check |
| ``hidden-tests`` | raw | the same, for the tests only the grader runs (expect may be left out) |
| ``hint`` | markdown | one rung of the hint ladder per cell, in order |

Cells without a role (the guide, the author's scratch cells) are ignored. Importing builds the
exercise's four files (see README.md) and checks them with the loader; the caller then runs
the validator before anything is written into a course bank. ``files_from_notebook`` of
``export_notebook(x)`` gives back the same exercise ``x``.
"""

from __future__ import annotations

import json
import tomllib

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

# each cell's role goes under the student notebook's key (codementor.client.notebook's schema)
from codementor.client.notebook import METADATA_KEY, cell_metadata

from .loader import ID_PATTERN, ExerciseFormatError, exercise_from_files
from .model import Exercise, TestCase

NOTEBOOK_KEY = "codementor-authoring"  # the notebook's own: not "codementor", so no magic takes it for a student's exercise
AUTHORING_SCHEMA = 1
ROLES = ("metadata", "statement", "starter", "reference", "visible-tests", "hidden-tests", "hint")
SINGLE = ("metadata", "statement", "starter", "reference")
META_KEYS = ("id", "title", "topic", "difficulty", "version", "estimated_minutes", "prerequisites", "entry_points")
TEST_KEYS = ("name", "call", "setup", "check", "expect")

TEMPLATE_TITLE = "A short title a student understands"
TEMPLATE_STATEMENT = "... (say what it takes and what it gives back)"

MAX_NOTEBOOK_BYTES = 200_000  # the whole notebook file
MAX_CELL_BYTES = 64_000  # any one part of the exercise
MAX_TESTS = 100
MAX_HINTS = 10

GUIDE = """\
# Authoring notebook: `{id}`

Write the exercise in the cells below; each one is marked with its role (see the cell's tags:
`codementor-statement`, `-starter`, `-reference`, `-visible-tests`, `-hidden-tests`, `-hint`).
Cells without such a tag, like this one, are yours: scratch work is ignored on import.

- **metadata** (raw, TOML): the id, title, topic, difficulty, version (raise it when you change a
  published exercise), minutes, prerequisite topics and the function names the solution defines.
- **statement** (markdown): what to build, for a beginner, with one worked example.
- **starter** (code): the signature and docstring; it must run and fail a hidden test.
- **reference** (code): the reference solution; students never see it.
- **visible tests** / **hidden tests** (raw, TOML `[[test]]` tables with `name`, `call`, `expect`,
  and optionally `setup` and `check = "raises"` or `"stdout"`): hidden tests may leave out
  `expect`, the solution's answer is used.
- **hints** (markdown, one rung per cell): from the idea to near-pseudocode, never the solution.

Then `codementor exercises import {id}.ipynb` (or `%exercise_import` in a notebook on your server)
checks it: the notebook runs, the starter fails, the hidden tests catch at least 90 % of small
bugs in the solution, and no hint gives the solution away."""


class AuthoringError(ValueError):
    """An authoring notebook that cannot become an exercise; the message is one line."""


# --- TOML out ------------------------------------------------------------------------------

def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        # a JSON string is a TOML basic string, once DEL (which JSON leaves raw) is escaped
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _toml_pairs(pairs: dict) -> str:
    return "".join(f"{key} = {_toml_value(value)}\n" for key, value in pairs.items() if value is not None)


def _test_table(test: TestCase, header: str) -> str:
    pairs = {"name": test.name, "call": test.call, "setup": test.setup or None,
             "check": None if test.check == "value" else test.check, "expect": test.expect}
    return f"[[{header}]]\n{_toml_pairs(pairs)}"


def _meta_of(exercise: Exercise) -> dict:
    return {"id": exercise.id, "title": exercise.title, "topic": exercise.topic, "difficulty": exercise.difficulty,
            "version": exercise.version, "estimated_minutes": exercise.estimated_minutes,
            "prerequisites": list(exercise.prerequisites), "entry_points": list(exercise.entry_points)}


def exercise_toml(meta: dict, hints: list[str], visible: list[dict], hidden: list[dict]) -> str:
    """The text of exercise.toml from its parts (tests as dicts of TEST_KEYS)."""
    parts = [_toml_pairs({k: meta[k] for k in META_KEYS if k in meta}), _toml_pairs({"hints": hints})]
    for header, tests in (("tests.visible", visible), ("tests.hidden", hidden)):
        parts.extend(f"\n[[{header}]]\n" + _toml_pairs({k: t.get(k) for k in TEST_KEYS}) for t in tests)
    return "".join(parts)


# --- notebooks out -------------------------------------------------------------------------

def _cell(kind, source: str, role: str):
    cell = {"raw": new_raw_cell, "markdown": new_markdown_cell, "code": new_code_cell}[kind](source)
    cell.metadata[METADATA_KEY] = cell_metadata(role)
    cell.metadata["tags"] = [f"codementor-{role}"]
    return cell


def _notebook(ex_id: str, meta: str, statement: str, starter: str, solution: str, visible: str, hidden: str, hints: list[str]):
    cells = [new_markdown_cell(GUIDE.format(id=ex_id)), _cell("raw", meta, "metadata"), _cell("markdown", statement, "statement"),
             _cell("code", starter, "starter"), _cell("code", solution, "reference"), _cell("raw", visible, "visible-tests"),
             _cell("raw", hidden, "hidden-tests"), *(_cell("markdown", h, "hint") for h in hints)]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata[NOTEBOOK_KEY] = {"schema_version": AUTHORING_SCHEMA, "exercise_id": ex_id}
    nbformat.validate(nb)
    return nb


def export_notebook(exercise: Exercise):
    """The authoring notebook of an existing exercise."""
    tests = lambda hidden: "\n".join(_test_table(t, "test") for t in exercise.tests if t.hidden == hidden)  # noqa: E731
    return _notebook(exercise.id, _toml_pairs(_meta_of(exercise)), exercise.statement, exercise.starter, exercise.solution,
                     tests(False), tests(True), list(exercise.hints))


def new_notebook_for(ex_id: str, topic: str = "functions"):
    """A fresh authoring notebook for a new exercise `ex_id`, with every part to fill in."""
    if not ID_PATTERN.match(ex_id):
        raise AuthoringError(f"exercise id {ex_id!r}: use lower-case letters, digits and dashes (count-vowels)")
    name = ex_id.replace("-", "_")
    meta = _toml_pairs({"id": ex_id, "title": TEMPLATE_TITLE, "topic": topic, "difficulty": "easy",
                        "version": 1, "estimated_minutes": 10, "prerequisites": [], "entry_points": [name]})
    statement = f"Write a function `{name}(...)` that {TEMPLATE_STATEMENT}\n\nFor example, `{name}(...)` gives `...`."
    starter = f'def {name}(value):\n    """What the function gives back."""\n    # your code here\n    return None\n'
    solution = f'def {name}(value):\n    """What the function gives back."""\n    return value\n'
    visible = f'[[test]]\nname = "the example from the statement"\ncall = "{name}(1)"\nexpect = "1"\n'
    hidden = (f'[[test]]\nname = "zero"\ncall = "{name}(0)"\n\n'
              f'[[test]]\nname = "a negative number"\ncall = "{name}(-3)"\n')
    hints = ["Concept: the idea the exercise practises.", "Pointer: where to look in your code.", "Near-pseudocode: the steps, in words."]
    return _notebook(ex_id, meta, statement, starter, solution, visible, hidden, hints)


# --- notebooks in --------------------------------------------------------------------------

def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def cell_role(cell) -> str | None:
    """A cell's role: its metadata's, else its codementor-* tag's, else None."""
    meta = cell.get("metadata") or {}
    role = (meta.get(METADATA_KEY) or {}).get("role") if isinstance(meta.get(METADATA_KEY), dict) else None
    if role is None:
        tags = [t for t in meta.get("tags") or () if isinstance(t, str) and t.startswith("codementor-")]
        role = tags[0].removeprefix("codementor-") if tags else None
    if role is not None and role not in ROLES:
        raise AuthoringError(f"unknown cell role {role!r}; the roles are {', '.join(ROLES)}")
    return role


def _cells_by_role(nb: dict) -> dict[str, list[tuple[int, str]]]:
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise AuthoringError("not a notebook: no list of cells")
    found: dict[str, list[tuple[int, str]]] = {role: [] for role in ROLES}
    for number, cell in enumerate(cells, start=1):
        if isinstance(cell, dict) and (role := cell_role(cell)):
            text = _source(cell)
            if not isinstance(text, str) or len(text.encode()) > MAX_CELL_BYTES:
                raise AuthoringError(f"cell {number} ({role}) is larger than {MAX_CELL_BYTES // 1000} kB")
            found[role].append((number, text))
    for role in SINGLE:
        if len(found[role]) != 1:
            raise AuthoringError(f"the notebook needs exactly one {role} cell (tag codementor-{role}); it has {len(found[role])}")
    return found


def _toml(number: int, role: str, text: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise AuthoringError(f"cell {number} ({role}) is not valid TOML: {err}") from None


def _tests(cells: list[tuple[int, str]], role: str) -> list[dict]:
    tests = []
    for number, text in cells:
        data = _toml(number, role, text)
        unknown = set(data) - {"test"}
        entries = data.get("test", [])
        if unknown or not isinstance(entries, list) or not all(isinstance(t, dict) for t in entries):
            raise AuthoringError(f"cell {number} ({role}) must hold only [[test]] tables")
        for test in entries:
            extra = set(test) - set(TEST_KEYS)
            if extra:
                raise AuthoringError(f"cell {number} ({role}): unknown test key {sorted(extra)[0]!r}; known: {', '.join(TEST_KEYS)}")
            if not isinstance(test.get("expect", ""), str):
                raise AuthoringError(f"cell {number} ({role}): test {test.get('name')!r}: expect is a Python literal in a string, as in expect = \"6\"")
            tests.append(test)
    if len(tests) > MAX_TESTS:
        raise AuthoringError(f"{role}: more than {MAX_TESTS} tests")
    return tests


def _code(text: str) -> str:
    return text.rstrip() + "\n"


def read_notebook(raw: bytes | str | dict) -> dict:
    """An uploaded or read notebook as a dict; too large, not UTF-8 or not JSON is an AuthoringError."""
    if isinstance(raw, dict):
        raw = json.dumps(raw)
    data = raw.encode() if isinstance(raw, str) else raw
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise AuthoringError(f"the notebook is larger than {MAX_NOTEBOOK_BYTES // 1000} kB")
    try:
        nb = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise AuthoringError(f"not a notebook (.ipynb JSON): {str(err).splitlines()[0]}") from None
    except RecursionError:
        raise AuthoringError("not a notebook: the JSON nests too deeply") from None
    if not isinstance(nb, dict):
        raise AuthoringError("not a notebook: the file is not a JSON object")
    return nb


def files_from_notebook(nb: dict) -> tuple[str, dict[str, str]]:
    """(exercise id, the four files) from an authoring notebook; checked by the loader."""
    cells = _cells_by_role(nb)
    (meta_at, meta_text), = cells["metadata"]
    meta = _toml(meta_at, "metadata", meta_text)
    extra = set(meta) - set(META_KEYS)
    if extra:
        raise AuthoringError(f"cell {meta_at} (metadata): unknown key {sorted(extra)[0]!r}; known: {', '.join(META_KEYS)}")
    ex_id = meta.get("id")
    if not isinstance(ex_id, str) or not ID_PATTERN.match(ex_id):
        raise AuthoringError(f"cell {meta_at} (metadata): id must use lower-case letters, digits and dashes, not {ex_id!r}")
    if meta.get("title") == TEMPLATE_TITLE or TEMPLATE_STATEMENT in cells["statement"][0][1]:
        raise AuthoringError("the title or the statement is still the template's: write the exercise first")
    hints = [text.strip() for _, text in cells["hint"]]
    if len(hints) > MAX_HINTS:
        raise AuthoringError(f"more than {MAX_HINTS} hint cells")
    try:
        toml_text = exercise_toml(meta, hints, _tests(cells["visible-tests"], "visible-tests"), _tests(cells["hidden-tests"], "hidden-tests"))
    except TypeError as err:
        raise AuthoringError(f"cell {meta_at} (metadata) or a test: {err} (use strings, whole numbers and lists)") from None
    files = {
        "exercise.toml": toml_text,
        "statement.md": cells["statement"][0][1].strip() + "\n",
        "starter.py": _code(cells["starter"][0][1]),
        "solution.py": _code(cells["reference"][0][1]),
    }
    return ex_id, files


def exercise_from_notebook(nb: dict) -> tuple[Exercise, dict[str, str]]:
    """The exercise an authoring notebook describes, and its four files; one-line AuthoringError if it cannot be one."""
    ex_id, files = files_from_notebook(nb)
    try:
        return exercise_from_files(files, ex_id), files
    except ExerciseFormatError as err:
        raise AuthoringError(err.problem.splitlines()[0]) from None
