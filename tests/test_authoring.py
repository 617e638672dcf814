"""Authoring notebooks and course folders, without servers: round trips, bad notebooks, what a course hides."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from codementor.exercise_bank import Bank, ExerciseNotFound
from codementor.exercise_bank.authoring import (
    MAX_NOTEBOOK_BYTES, ROLES, AuthoringError, cell_role, exercise_from_notebook, export_notebook, new_notebook_for, read_notebook,
)
from codementor.exercise_bank.courses import (
    ServedBank, changed_exercises, duplicate_ids, merge_snapshot, read_course, snapshot_of, versions_not_raised,
)


def through_disk(nb) -> dict:
    """The notebook as a file would hold it (nbformat's JSON), read back."""
    return read_notebook(nbformat.writes(nb).encode())


def test_export_then_import_gives_every_builtin_exercise_back(bank):
    for exercise in bank.all():
        back, _ = exercise_from_notebook(through_disk(export_notebook(exercise)))
        assert back == exercise, exercise.id


def test_every_part_is_marked_by_metadata_and_tag(bank):
    nb = export_notebook(bank.get("anagram-groups"))
    roles = [cell_role(c) for c in nb.cells]
    assert set(roles) - {None} == set(ROLES)
    for cell in nb.cells:
        if cell_role(cell):
            assert cell.metadata["tags"] == [f"codementor-{cell.metadata['codementor']['role']}"]
    # the student-side magics look for notebook.metadata.codementor.exercise_id: never an authoring notebook
    assert "codementor" not in nb.metadata


def test_a_tag_alone_is_enough_and_scratch_cells_are_ignored(bank):
    nb = through_disk(export_notebook(bank.get("leap-year")))
    for cell in nb["cells"]:
        cell["metadata"].pop("codementor", None)
    nb["cells"].insert(3, {"cell_type": "code", "metadata": {}, "source": "print('scratch')", "outputs": [], "execution_count": None})
    assert exercise_from_notebook(nb)[0] == bank.get("leap-year")


def test_a_new_notebook_is_refused_until_it_is_written():
    nb = through_disk(new_notebook_for("count-vowels"))
    with pytest.raises(AuthoringError, match="still the template"):
        exercise_from_notebook(nb)
    meta = next(c for c in nb["cells"] if cell_role(c) == "metadata")
    statement = next(c for c in nb["cells"] if cell_role(c) == "statement")
    meta["source"] = "".join(meta["source"]).replace("A short title a student understands", "Count the vowels")
    statement["source"] = "Write `count_vowels(text)`: how many of a, e, i, o, u it holds."
    exercise, files = exercise_from_notebook(nb)
    assert exercise.id == "count-vowels" and set(files) == {"exercise.toml", "statement.md", "starter.py", "solution.py"}
    with pytest.raises(AuthoringError, match="lower-case"):
        new_notebook_for("Count Vowels")


def _with(bank, change) -> dict:
    nb = through_disk(export_notebook(bank.get("sum-of-evens")))
    change(nb["cells"])
    return nb


def _cell(cells, role):
    return next(c for c in cells if cell_role(c) == role)


@pytest.mark.parametrize("change, message", [
    (lambda cells: cells.remove(_cell(cells, "reference")), "exactly one reference cell"),
    (lambda cells: _cell(cells, "metadata").update(source="id = "), "cell 2 (metadata) is not valid TOML"),
    (lambda cells: _cell(cells, "metadata").update(source="".join(_cell(cells, "metadata")["source"]) + "colour = 'red'\n"), "unknown key 'colour'"),
    (lambda cells: _cell(cells, "visible-tests").update(source='[[test]]\nname = "six"\ncall = "sum_of_evens([6])"\nexpect = 6\n'),
     "expect is a Python literal in a string"),
    (lambda cells: _cell(cells, "hidden-tests").update(source='[[test]]\nname = "x"\ncall = "sum_of_evens(["\n'), "call is not valid Python"),
    (lambda cells: _cell(cells, "reference")["metadata"].update(codementor={"role": "answer"}), "unknown cell role 'answer'"),
    (lambda cells: [cells.remove(c) for c in [c for c in cells if cell_role(c) == "hint"][1:]], "at least three"),
    (lambda cells: _cell(cells, "starter").update(source="x" * 70_000), "larger than 64 kB"),
])
def test_bad_notebooks_get_one_clear_line(bank, change, message):
    with pytest.raises(AuthoringError) as caught:
        exercise_from_notebook(_with(bank, change))
    assert message in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("raw, message", [
    (b"\xff\xfe", "not a notebook"), (b"[1, 2]", "not a JSON object"), (b"{", "not a notebook"),
    (b" " * (MAX_NOTEBOOK_BYTES + 1), "larger than 200 kB"), (b'{"cells": 3}', "no list of cells"),
    (b"[" * 100_000, "nests too deeply"),
])
def test_what_is_not_a_notebook_gets_one_line(raw, message):
    with pytest.raises(AuthoringError, match=message):
        exercise_from_notebook(read_notebook(raw))


def _course(tmp_path, bank, ids, hide=None):
    for ex_id in ids:
        source = bank.root / ex_id
        target = tmp_path / f"my-{ex_id}"
        shutil.copytree(source, target)
        toml = target / "exercise.toml"
        toml.write_text(toml.read_text().replace(f'id = "{ex_id}"', f'id = "my-{ex_id}"', 1))
    if hide is not None:
        (tmp_path / "course.toml").write_text(hide)
    return tmp_path


def test_a_course_hides_builtins_and_adds_its_own(tmp_path, bank):
    folder = _course(tmp_path, bank, ["leap-year"], 'hide_builtin = ["sum-of-evens"]\n')
    course = read_course(folder)
    served = ServedBank(bank, snapshot=snapshot_of([course]), version=3)
    ids = {ex.id for ex in served.all()}
    assert "my-leap-year" in ids and "sum-of-evens" not in ids and len(served) == len(bank)
    assert served.get("sum-of-evens").id == "sum-of-evens"  # a notebook a student has is still graded
    assert served.origins == {"my-leap-year": str(folder)} and served.hidden() == ["sum-of-evens"]
    (folder / "course.toml").write_text("hide_builtin = true\n")
    served.replace(snapshot_of([read_course(folder)]), 4)
    assert [ex.id for ex in served.all()] == ["my-leap-year"] and served.version == 4
    with pytest.raises(ExerciseNotFound):
        served.get("my-sum-of-evens")


def test_a_refused_exercise_keeps_its_published_files(tmp_path, bank):
    folder = _course(tmp_path, bank, ["leap-year", "digit-sum"])
    published = snapshot_of([read_course(folder)])
    (folder / "my-leap-year" / "statement.md").write_text("A new statement.\n")
    (folder / "my-digit-sum" / "solution.py").write_text("def digit_sum(n:\n")  # not Python: the loader refuses it
    current = [read_course(folder)]
    assert changed_exercises(published, current) == [(str(folder), "my-leap-year")]
    assert "solution.py is not valid Python" in current[0].problems["my-digit-sum"]
    merged = merge_snapshot(published, current, {f"{folder}:my-leap-year": "the starter code passes every hidden test"})
    assert merged == published
    merged = merge_snapshot(published, current, {})
    assert merged["courses"][0]["files"]["my-leap-year"]["statement.md"] == "A new statement.\n"
    assert merged["courses"][0]["files"]["my-digit-sum"] == published["courses"][0]["files"]["my-digit-sum"]


def test_a_changed_exercise_needs_a_higher_version(tmp_path, bank):
    folder = _course(tmp_path, bank, ["leap-year"])
    published = snapshot_of([read_course(folder)])
    (folder / "my-leap-year" / "statement.md").write_text("A new statement.\n")
    refused = versions_not_raised(published, [read_course(folder)])
    assert refused == {f"{folder}:my-leap-year": "the content changed but version is still 1: raise it to 2 so that students who have it get the new one"}
    toml = folder / "my-leap-year" / "exercise.toml"
    toml.write_text(toml.read_text().replace("version = 1\n", "version = 2\n", 1))
    assert versions_not_raised(published, [read_course(folder)]) == {}
    assert versions_not_raised(None, [read_course(folder)]) == {}


def test_a_bad_course_file_names_itself(tmp_path, bank):
    (tmp_path / "course.toml").write_text("hide_builtin = 3\n")
    with pytest.raises(Exception, match="course.toml: hide_builtin must be true or a list"):
        read_course(tmp_path)
    assert json.loads(json.dumps(snapshot_of([])))["courses"] == []
    assert isinstance(bank, Bank)


def test_each_group_sees_its_own_courses(tmp_path, bank):
    a = _course(tmp_path / "a", bank, ["leap-year"], 'groups = ["cs101-a"]\nhide_builtin = ["sum-of-evens"]\n')
    b = _course(tmp_path / "b", bank, ["digit-sum"], 'groups = ["cs101-b", "cs101-x"]\n')
    shared = _course(tmp_path / "all", bank, ["mirror-word"])
    served = ServedBank(bank, snapshot=snapshot_of([read_course(p) for p in (a, b, shared)]), version=5)
    ids = lambda view: {ex.id for ex in view.all()}
    in_a, in_b, outside = served.for_groups(("cs101-a",)), served.for_groups(("students", "cs101-b")), served.for_groups(())
    assert ids(in_a) == {ex.id for ex in bank.all()} - {"sum-of-evens"} | {"my-leap-year", "my-mirror-word"}
    assert ids(in_b) == {ex.id for ex in bank.all()} | {"my-digit-sum", "my-mirror-word"}
    assert ids(outside) == {ex.id for ex in bank.all()} | {"my-mirror-word"}
    assert "my-digit-sum" not in in_a and "my-leap-year" not in in_b and "my-leap-year" in served
    with pytest.raises(ExerciseNotFound):
        in_a.get("my-digit-sum")
    assert in_a.get("sum-of-evens").id == "sum-of-evens"  # hidden, still graded for a notebook a student has
    assert in_a.courses == {str(a): ["cs101-a"], str(shared): None} and in_a.hidden() == ["sum-of-evens"]
    # one view per set of courses, remembered per group list until the next reload
    assert served.for_groups(("cs101-a",)) is in_a and served.for_groups(("cs101-a", "other")) is in_a
    served.replace(snapshot_of([read_course(shared)]), 6)
    assert not served.scoped and served.for_groups(("cs101-a",)) is served


def test_groups_must_name_groups(tmp_path, bank):
    for bad in ("groups = []\n", 'groups = "cs101"\n', 'groups = ["", "x"]\n'):
        (tmp_path / "course.toml").write_text(bad)
        with pytest.raises(Exception, match="groups must be a list of Hub group names"):
            read_course(tmp_path)


def test_an_exercise_id_belongs_to_one_course_folder(tmp_path, bank):
    a = _course(tmp_path / "a", bank, ["leap-year", "digit-sum"])
    b = _course(tmp_path / "b", bank, ["leap-year"])
    refused = duplicate_ids(None, [read_course(a), read_course(b)])
    assert refused == {f"{b}:my-leap-year": f"the id 'my-leap-year' is already an exercise of the course folder {a}: ids are shared "
                                            "by the whole hub (submissions, progress, dashboards); rename this one (folder and id)"}
    # the folder that published it keeps it, whichever comes first in the setting
    published = snapshot_of([read_course(b), read_course(a)])
    published["courses"][1]["files"].pop("my-leap-year")
    assert list(duplicate_ids(published, [read_course(a), read_course(b)])) == [f"{a}:my-leap-year"]
    # a snapshot published when the first folder won holds both: the one it served keeps the id
    both = snapshot_of([read_course(b), read_course(a)])
    assert list(duplicate_ids(both, [read_course(a), read_course(b)])) == [f"{a}:my-leap-year"]
    assert duplicate_ids(None, [read_course(a)]) == {}


def _cli(*args, cwd):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "codementor.cli", "exercises", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_the_command_scaffolds_exports_and_lists_course_exercises(tmp_path, bank):
    (tmp_path / "course").mkdir()
    course = _course(tmp_path / "course", bank, ["leap-year"], "hide_builtin = true\n")
    done = _cli("new", "count-vowels", cwd=tmp_path)
    assert done.returncode == 0 and (tmp_path / "count-vowels.ipynb").is_file()
    again = _cli("new", "count-vowels", cwd=tmp_path)
    assert again.returncode == 1 and again.stderr.strip().splitlines()[-1].endswith("exists already (remove it, or name another file with -o)")
    exported = _cli("export", "my-leap-year", "--course", str(course), "-o", "x.ipynb", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert exercise_from_notebook(read_notebook((tmp_path / "x.ipynb").read_bytes()))[0].id == "my-leap-year"
    rows = {r["id"]: r for r in json.loads(_cli("list", "--json", "--course", str(course), cwd=tmp_path).stdout)}
    assert rows["my-leap-year"]["origin"] == str(course) and not rows["my-leap-year"]["hidden"]
    assert rows["sum-of-evens"]["hidden"] and len(rows) == len(bank) + 1
    (course / "course.toml").write_text('groups = ["cs101-a"]\nhide_builtin = ["sum-of-evens"]\n')
    text = _cli("list", "--course", str(course), cwd=tmp_path).stdout
    line = lambda ex_id: next(row for row in text.splitlines() if row.startswith(ex_id + " "))
    assert line("my-leap-year").endswith(f"[{course}, for cs101-a]") and line("sum-of-evens").endswith("(hidden for cs101-a)")
    assert "hidden" not in line("leap-year")
