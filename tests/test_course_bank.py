"""Course banks against the real stack: a reload reaches every API worker, a broken exercise is
refused while its previous version keeps serving, and instructors import authoring notebooks
through the API (validated in the grader's sandbox), never students.

The session's stack serves one course folder (tests/conftest.py); this module fills it and
empties it again at the end, so other tests see the built-in bank only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid

import httpx
import nbformat
import pytest
import redis

from codementor.api.services.course_bank import SERVED_KEY
from codementor.exercise_bank.authoring import cell_role, export_notebook

from .test_workers import supervisor_of, workers_of

pytestmark = pytest.mark.e2e

STUDENT, TEACHER = "cb-stella", "cb-ivan"


def call(url: str, token: str, method: str = "GET", **kwargs) -> httpx.Response:
    return httpx.request(method, url, headers={"Authorization": f"token {token}"}, timeout=120, **kwargs)


def reload(stack) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": stack.database_url, "REDIS_URL": stack.redis_url,
           "CODEMENTOR_COURSE_DIRS": os.pathsep.join(map(str, stack.course_dirs))}
    return subprocess.run([sys.executable, "-m", "codementor.cli", "exercises", "reload", "--wait", "20"],
                          env=env, capture_output=True, text=True, timeout=300)


def copy_builtin(bank, course_dir, ex_id: str, new_id: str):
    target = course_dir / new_id
    shutil.copytree(bank.root / ex_id, target)
    toml = target / "exercise.toml"
    toml.write_text(toml.read_text().replace(f'id = "{ex_id}"', f'id = "{new_id}"', 1))
    return target


def worker_versions(stack) -> dict[int, int]:
    """The bank version each live API worker of the stack says it serves."""
    served = {k.decode(): int(v) for k, v in redis.Redis.from_url(stack.redis_url).hgetall(SERVED_KEY).items()}
    return {pid: served.get(next((k for k in served if k.endswith(f":{pid}")), ""), -1) for pid in workers_of(supervisor_of(stack))}


@pytest.fixture(scope="module")
def people(stack, hub):
    hub.create_user(STUDENT)
    hub.create_user(TEACHER, groups=("instructors",))
    hub.api("DELETE", "/groups/students/users", json={"users": [TEACHER]}).raise_for_status()
    yield {"student": hub.user_token(STUDENT), "teacher": hub.user_token(TEACHER)}
    for child in stack.course_dir.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()
    assert reload(stack).returncode == 0  # the empty course is what the other tests' workers serve


def test_reload_reaches_every_worker_and_refuses_a_broken_exercise(stack, bank, people):
    course = stack.course_dir
    copy_builtin(bank, course, "sum-of-evens", "course-evens")
    (course / "course.toml").write_text('hide_builtin = ["leap-year"]\n')
    started = time.perf_counter()
    done = reload(stack)
    assert done.returncode == 0, done.stdout + done.stderr
    print(f"\nreload of one new course exercise: {time.perf_counter() - started:.1f} s\n{done.stdout}")
    version = int(done.stdout.split("published version ")[1].split(":")[0])
    assert set(worker_versions(stack).values()) == {version}, worker_versions(stack)
    assert "2 API worker(s) serve it" in done.stdout

    student, teacher = people["student"], people["teacher"]
    for _ in range(6):  # new connections: both workers answer
        view = call(f"{stack.api_url}/exercises/course-evens", student)
        assert view.status_code == 200 and view.json()["title"] == bank.get("sum-of-evens").title
    listing = call(f"{stack.api_url}/course/exercises", teacher).json()
    origins = {e["id"]: e["origin"] for e in listing["exercises"]}
    assert origins["course-evens"] == str(course) and "leap-year" in listing["hidden_builtin"] and "leap-year" not in origins
    assert call(f"{stack.api_url}/course/exercises", student).status_code == 403
    sub = call(f"{stack.api_url}/submissions", student, "POST",
               json={"exercise_id": "course-evens", "code": bank.get("sum-of-evens").solution, "idempotency_key": uuid.uuid4().hex})
    assert sub.status_code == 201 and sub.json()["passed"], sub.text

    # a new statement under the same version: refused (students who have it would never get it)
    folder = course / "course-evens"
    (folder / "statement.md").write_text("A changed statement.\n")
    done = reload(stack)
    assert done.returncode == 1 and "refused course-evens: the content changed but version is still 1: raise it to 2" in done.stdout
    # version 2, but a starter that already solves it: refused, the old version keeps serving
    toml = folder / "exercise.toml"
    toml.write_text(toml.read_text().replace("version = 1\n", "version = 2\n", 1))
    shutil.copy(folder / "solution.py", folder / "starter.py")
    copy_builtin(bank, course, "digit-sum", "course-broken")
    (course / "course-broken" / "solution.py").write_text("def digit_sum(n:\n")
    started = time.perf_counter()
    done = reload(stack)
    print(f"reload with a broken exercise: {time.perf_counter() - started:.1f} s\n{done.stdout}")
    assert done.returncode == 1
    assert "refused course-evens: the starter code passes every hidden test" in done.stdout
    assert "refused course-broken:" in done.stdout and "solution.py is not valid Python" in done.stdout
    for _ in range(6):
        assert call(f"{stack.api_url}/exercises/course-evens", student).json()["statement"] == bank.get("sum-of-evens").statement
        assert call(f"{stack.api_url}/exercises/course-broken", student).status_code == 404
    assert set(worker_versions(stack).values()) == {version}

    # fixed: served everywhere at once
    shutil.copy(bank.root / "sum-of-evens" / "starter.py", folder / "starter.py")
    shutil.rmtree(course / "course-broken")
    done = reload(stack)
    assert done.returncode == 0, done.stdout
    assert call(f"{stack.api_url}/exercises/course-evens", student).json()["statement"] == "A changed statement.\n"
    assert len(set(worker_versions(stack).values())) == 1 and min(worker_versions(stack).values()) > version


def authoring(bank, ex_id: str, new_id: str) -> dict:
    nb = json.loads(nbformat.writes(export_notebook(bank.get(ex_id))))
    meta = next(c for c in nb["cells"] if cell_role(c) == "metadata")
    meta["source"] = "".join(meta["source"]).replace(f'id = "{ex_id}"', f'id = "{new_id}"')
    return nb


def test_instructors_import_through_the_api_students_cannot(stack, bank, people):
    student, teacher = people["student"], people["teacher"]
    nb = authoring(bank, "digit-sum", "course-digits")
    url = f"{stack.api_url}/course/exercises"
    refused = call(url, student, "POST", json={"notebook": nb})
    assert refused.status_code == 403 and not (stack.course_dir / "course-digits").exists()

    started = time.perf_counter()
    done = call(url, teacher, "POST", json={"notebook": nb})
    print(f"\nimport through the API (validated in the sandbox): {time.perf_counter() - started:.1f} s")
    assert done.status_code == 201, done.text
    assert done.json()["exercise"]["id"] == "course-digits" and (stack.course_dir / "course-digits" / "solution.py").is_file()
    version = done.json()["bank_version"]
    deadline = time.monotonic() + 10
    while set(worker_versions(stack).values()) != {version} and time.monotonic() < deadline:
        time.sleep(0.1)
    assert set(worker_versions(stack).values()) == {version}
    # what students read of it: never the reference solution or a hidden test
    ex = bank.get("digit-sum")
    for path in ("exercises/course-digits", "exercises/course-digits?format=notebook"):
        body = call(f"{stack.api_url}/{path}", student)
        assert body.status_code == 200
        assert ex.solution.strip() not in body.text and not any(t.name in body.text for t in ex.hidden_tests)
        assert "98765432123456789" not in body.text  # a hidden test's call

    weak = authoring(bank, "leap-year", "course-weak")
    starter = next(c for c in weak["cells"] if cell_role(c) == "starter")
    starter["source"] = "".join(next(c for c in weak["cells"] if cell_role(c) == "reference")["source"])
    bad = call(url, teacher, "POST", json={"notebook": weak})
    assert bad.status_code == 400 and bad.json()["error"]["message"] == "course-weak: the starter code passes every hidden test"
    assert not (stack.course_dir / "course-weak").exists()
    assert call(f"{stack.api_url}/exercises/course-weak", student).status_code == 404

    junk = call(url, teacher, "POST", json={"notebook": {"cells": [{"cell_type": "raw", "source": "x", "metadata": {"tags": ["codementor-metadata"]}}]}})
    assert junk.status_code == 400 and "\n" not in junk.json()["error"]["message"]
    assert "exactly one statement cell" in junk.json()["error"]["message"]
    huge = call(url, teacher, "POST", content=json.dumps({"notebook": {"cells": [], "pad": "x" * 300_000}}))
    assert huge.status_code == 413

    same_version = authoring(bank, "digit-sum", "course-digits")
    statement = next(c for c in same_version["cells"] if cell_role(c) == "statement")
    statement["source"] = "Another statement, same version."
    clash = call(url, teacher, "POST", json={"notebook": same_version})
    assert clash.status_code == 409 and "raise version to 2" in clash.json()["error"]["message"]


def test_exercise_import_magic(stack, hub, bank, people, ipython_shell, tmp_path):
    from IPython.core.error import UsageError

    from tutor_kernel_ext.magics import TutorMagics

    path = tmp_path / "course-mirror.ipynb"
    path.write_text(json.dumps(authoring(bank, "mirror-word", "course-mirror")))
    teacher = TutorMagics(shell=ipython_shell, api_url=stack.api_url, api_token=people["teacher"])
    started = time.perf_counter()
    teacher.exercise_import(str(path))
    print(f"\n%exercise_import: {time.perf_counter() - started:.1f} s")
    assert (stack.course_dir / "course-mirror" / "exercise.toml").is_file()
    student = TutorMagics(shell=ipython_shell, api_url=stack.api_url, api_token=people["student"])
    with pytest.raises(UsageError, match="^the course bank is for instructors and admins: ask your instructor to import"):
        student.exercise_import(str(path))
    with pytest.raises(UsageError, match="no such notebook"):
        teacher.exercise_import(str(tmp_path / "missing.ipynb"))
