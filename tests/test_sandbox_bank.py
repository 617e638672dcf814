"""A wheel installed into the Python the jobs run puts the bank (reference solutions, hidden tests) in its
site-packages, inside the standard library's folder of a virtual environment: the private root binds no folder of
the host, so neither shows there."""

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


@pytest.fixture
def outside_tmp():
    """A folder outside /tmp: the private root mounts a tmpfs of its own at /tmp, over anything bound below it."""
    base = Path(tempfile.mkdtemp(prefix="codementor-bank-test-", dir="/var/tmp"))
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="the private root needs root (mount namespaces)")
def test_the_private_root_holds_no_folder_of_the_host(tmp_path, outside_tmp):
    lib, package = installed_layout(outside_tmp)
    root = tmp_path / "root"
    root.mkdir()
    solution = package / "exercises" / "sum-of-evens" / "solution.py"

    def look() -> bool:
        sandbox.unshare(sandbox.CLONE_NEWNS)
        sandbox.build_root(str(root), 8)
        assert sorted(os.listdir(root)) == ["dev", "tmp"], os.listdir(root)
        assert sorted(os.listdir(root / "dev")) == ["null", "random", "urandom", "zero"]
        assert not os.path.exists(f"{root}{lib}") and not os.path.exists(f"{root}/usr"), "a host folder is bound"
        assert not os.path.exists(f"{root}{solution}")
        return True

    assert in_child(look, "the private root failed") is None
    assert solution.exists()  # outside the child's namespace the bank is untouched
