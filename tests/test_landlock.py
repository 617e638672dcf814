"""Landlock in the jobs that run without the private root (a non-root API, as in a Kubernetes pod).

There, jobs share the API's uid and see the host's file system: without Landlock a submission opens the
installed bank's reference solutions and hidden tests. The grader runs here as a non-root uid (as
tests/test_kubernetes.py does), its jobs' Python a virtual environment whose lib folder (a standard library
folder for sysconfig) holds an installed bank in site-packages.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

from codementor.api.grader import Grader, sandbox
from codementor.exercise_bank import Bank

from .test_exploits import cheat_if

SECRET = "REFERENCE-SOLUTION-7f3a"
RUN_AS_POD = '''
import asyncio, json, sys
from codementor.api.grader import Grader
from codementor.exercise_bank import Bank
async def main():
    args = json.loads(sys.argv[1])
    grader = Grader(python=args["python"], landlock=args["landlock"], use_pool=args["pool"], concurrency=1)
    await grader.start()
    try:
        exercise = Bank(args["bank"]).get("sum-of-evens")
        scores = [(await grader.grade(exercise, code)).score for code in args["codes"]]
        print(json.dumps({"report": grader.isolation_report(), "scores": scores}))
    finally:
        await grader.aclose()
asyncio.run(main())
'''
# a right answer that imports what submissions commonly import, after the restriction
NORMAL = '''
import json, collections, re, math, datetime, statistics, fractions, decimal
def sum_of_evens(numbers):
    assert json.loads(json.dumps(numbers)) == numbers and re.match(r"x", "x") and math.isfinite(1.0)
    assert datetime.date(2024, 1, 1).isoformat() and collections.Counter(numbers) is not None
    return sum(n for n in numbers if n % 2 == 0)
'''


def read_any(paths: list[str]) -> str:
    return cheat_if("\n".join(
        [f"for path in {paths!r}:", "    try:", f"        won = won or {SECRET!r} in open(path).read()", "    except OSError:", "        pass"]))


@pytest.fixture
def pod_layout():
    """A virtual environment of the system's Python with a bank installed in it, and a copy of the bank the
    grader grades from, both readable by every uid, outside the jobs' working folders."""
    base = Path(tempfile.mkdtemp(prefix="codementor-landlock-", dir="/var/tmp"))
    version = subprocess.run(["/usr/bin/python3", "-c", "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"],
                             capture_output=True, text=True, check=True).stdout.strip()
    venv = base / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to("/usr/bin/python3")
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\ninclude-system-site-packages = false\n")
    installed = venv / "lib" / f"python{version}" / "site-packages" / "codementor" / "exercise_bank" / "exercises" / "sum-of-evens"
    installed.mkdir(parents=True)
    (installed / "solution.py").write_text(f"# {SECRET}\n")
    bank = base / "bank"
    shutil.copytree(Bank().root / "sum-of-evens", bank / "sum-of-evens")
    (bank / "sum-of-evens" / "solution.py").write_text((bank / "sum-of-evens" / "solution.py").read_text() + f"\n# {SECRET}\n")
    for folder, _dirs, files in os.walk(base):
        os.chmod(folder, 0o755)
        for name in files:
            if not os.path.islink(os.path.join(folder, name)):  # chmod follows a link: never the system's Python
                os.chmod(os.path.join(folder, name), 0o644)
    os.chmod(base, 0o755)
    yield {"python": str(venv / "bin" / "python"), "bank": str(bank),
           "secrets": [str(installed / "solution.py"), str(bank / "sum-of-evens" / "solution.py")]}
    shutil.rmtree(base)


def grade_as_pod(layout: dict, codes: list[str], landlock: bool, pool: bool) -> dict:
    args = {"python": layout["python"], "bank": layout["bank"], "landlock": landlock, "pool": pool, "codes": codes}
    out = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c", RUN_AS_POD, json.dumps(args)],
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
        capture_output=True, text=True, timeout=120, cwd="/tmp",
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def landlock_works() -> bool:
    try:
        return sandbox.landlock_abi() >= 1
    except OSError:
        return False


@pytest.mark.skipif(os.geteuid() != 0 or not Path("/usr/bin/setpriv").exists() or not Path("/usr/bin/python3").exists(),
                    reason="needs root to become an unprivileged uid, and the system's Python")
@pytest.mark.skipif(not landlock_works(), reason="Landlock is not available here")
@pytest.mark.parametrize("pool", [True, False], ids=["zygote", "fallback"])
def test_a_job_without_the_private_root_cannot_read_the_installed_bank(pod_layout, pool):
    # the files are there, and the grader's uid can read them: the control run (Landlock off) reads them
    control = grade_as_pod(pod_layout, [read_any(pod_layout["secrets"][:1]), read_any(pod_layout["secrets"][1:])], False, pool)
    assert control["scores"] == [1, 1], "the control could not read the bank: the test proves nothing"
    assert control["report"]["landlock"].startswith("FALLBACK: off (Grader.landlock = False)")
    result = grade_as_pod(pod_layout, [read_any(pod_layout["secrets"][:1]), read_any(pod_layout["secrets"][1:]), NORMAL], True, pool)
    assert result["scores"] == [0, 0, 1]
    assert result["report"]["landlock"].startswith("per job without the private root (Landlock)")
    assert result["report"]["filesystem"].startswith("FALLBACK")


def test_the_readable_folders_leave_out_installed_packages(tmp_path, monkeypatch):
    lib = tmp_path / "venv" / "lib" / "python3.11"
    bank = lib / "site-packages" / "codementor" / "exercise_bank"
    (bank / "exercises").mkdir(parents=True)
    (lib / "json").mkdir()
    (lib / "os.py").write_text("")
    monkeypatch.setattr(sandbox, "stdlib_dirs", lambda: [str(lib)])
    hidden = sandbox.landlock_hidden([str(bank)])
    assert str(lib / "site-packages") in hidden
    readable = dict(sandbox.landlock_readable(hidden))
    assert readable[str(lib / "json")] is True and readable[str(lib / "os.py")] is False
    for path in readable:
        assert not str(bank).startswith(path + "/") and not path.startswith(str(lib / "site-packages")), path
    # nothing readable holds an installed package of the machine's Pythons either
    for packages in hidden:
        assert not any(packages.startswith(path + "/") or packages == path for path in readable), packages
    assert sysconfig.get_path("stdlib")  # (the real standard library is what the jobs read otherwise)


def test_the_report_says_fallback_when_landlock_is_not_there():
    grader = Grader()
    grader._landlock_problem = "Landlock: Function not implemented"
    assert grader._landlock_report().startswith("FALLBACK: Landlock not available (Landlock: Function not implemented)")
    grader._landlock_problem = None
    assert not grader._landlock_report().startswith("FALLBACK")
