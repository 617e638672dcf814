"""A wheel installed into the Python the jobs run puts the bank (reference solutions, hidden tests) in its
site-packages, inside a folder the private root binds: the root shows that folder empty."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from codementor.api.grader import sandbox
from codementor.isolation.children import in_child


def installed_layout(base: Path) -> tuple[Path, Path]:
    """A virtual environment's lib folder holding an installed bank with one exercise."""
    lib = base / "venv" / "lib" / "python3.11"
    package = lib / "site-packages" / "codementor" / "exercise_bank"
    (package / "exercises" / "sum-of-evens").mkdir(parents=True)
    (package / "exercises" / "sum-of-evens" / "solution.py").write_text("def sum_of_evens(n): ...\n")
    (lib / "os.py").write_text("")
    return lib, package


def test_the_banks_folder_is_found_under_a_bound_folder_as_the_root_names_it(tmp_path):
    lib, package = installed_layout(tmp_path)
    (tmp_path / "link").symlink_to(lib)
    inside = "site-packages/codementor/exercise_bank/exercises"
    assert sandbox.bound_bank_folders([str(lib)], [str(package)]) == [f"{lib}/{inside}"]
    assert sandbox.bound_bank_folders([str(tmp_path / "link")], [str(package)]) == [f"{tmp_path}/link/{inside}"]
    assert sandbox.bound_bank_folders(["/usr"], [str(package)]) == []  # not bound: nothing to hide


@pytest.fixture
def outside_tmp():
    """A folder outside /tmp: the private root mounts a tmpfs of its own at /tmp, over anything bound below it."""
    base = Path(tempfile.mkdtemp(prefix="codementor-bank-test-", dir="/var/tmp"))
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="the private root needs root (mount namespaces)")
def test_the_private_root_shows_the_installed_bank_empty(tmp_path, outside_tmp, monkeypatch):
    lib, package = installed_layout(outside_tmp)
    root = tmp_path / "root"
    root.mkdir()
    # the jobs' Python is this virtual environment, its bank installed inside it
    monkeypatch.setattr(sandbox, "stdlib_dirs", lambda: [str(lib)])
    solution = f"{root}{lib}/site-packages/codementor/exercise_bank/exercises/sum-of-evens/solution.py"

    def look() -> bool:
        sandbox.unshare(sandbox.CLONE_NEWNS)
        sandbox.build_root(str(root), 8, [str(package)])
        assert os.path.exists(f"{root}{lib}/os.py"), "the bound folder is there"
        assert not os.path.exists(solution), "the reference solution shows through"
        assert os.listdir(f"{root}{lib}/site-packages/codementor/exercise_bank/exercises") == []
        return True

    assert in_child(look, "the private root failed") is None
    assert Path(solution.removeprefix(str(root))).exists()  # outside the child's namespace the bank is untouched
