"""`codementor bench spawn`: how long a student's server takes from the spawn request to ready.

Starts its own stack (Postgres, Redis, the Hub with the API) in the chosen profile, creates
`--students` Hub users through the Hub's API and, one at a time, starts and stops each one's
server `--rounds` times, timing ``POST /hub/api/users/<name>/server`` until the Hub says
``ready``. The first start of a student is reported apart (on the classroom profile it
creates her system user and, with a disk allowance, formats her home image).

Assumptions: nothing else runs on the Hub; the machine's load is whatever it is (the figures
are medians; compare runs made one after the other); the classroom profile needs root.
The file runs on its own too (``python bench/spawn.py``), so the same measurement can be
made on an older checkout.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from codementor.hub_config.stack import Stack, free_port


def _hub(stack: Stack, token: str) -> httpx.Client:
    return httpx.Client(base_url=f"{stack.hub_url}/hub/api", headers={"Authorization": f"token {token}"}, timeout=60)


def spawn_seconds(hub: httpx.Client, name: str, timeout: float = 120) -> float:
    started = time.monotonic()
    hub.post(f"/users/{name}/server").raise_for_status()
    while time.monotonic() - started < timeout:
        server = hub.get(f"/users/{name}").json().get("servers", {}).get("")
        if server and server.get("ready"):
            return time.monotonic() - started
        time.sleep(0.1)
    raise TimeoutError(f"{name}'s server was not ready after {timeout} s")


def stop(hub: httpx.Client, name: str) -> None:
    hub.delete(f"/users/{name}/server")
    deadline = time.monotonic() + 60
    while hub.get(f"/users/{name}").json().get("servers") and time.monotonic() < deadline:
        time.sleep(0.1)


def passable_python() -> dict[Path, int]:
    """Let other users pass through (o+x, no listing) the folders on the way to this Python, as
    tests/test_classroom.py does (a venv from a pyenv under /root); returns what to restore."""
    real = Path(os.path.realpath(sys.executable))
    modes = {folder: folder.stat().st_mode & 0o7777 for folder in real.parents if not folder.stat().st_mode & 0o001}
    for folder, mode in modes.items():
        folder.chmod(mode | 0o001)
    return modes


def measure(profile: str, students: int, rounds: int) -> dict[str, list[float]]:
    opened = passable_python() if profile == "classroom" else {}
    token, prefix = secrets.token_hex(16), f"cb{secrets.token_hex(2)}-"
    state = Path(tempfile.mkdtemp(prefix="codementor-bench-spawn-", dir="/var/tmp"))
    (state / "home").mkdir(mode=0o711)
    env = {"CODEMENTOR_PROFILE": profile, "CODEMENTOR_OPS_TOKEN": token, "CODEMENTOR_CULL_TIMEOUT": "0"}
    if profile == "classroom":
        env.update({"CODEMENTOR_ADMIN_USERS": "teacher", "CODEMENTOR_SYSTEM_USER_PREFIX": prefix,
                    "CODEMENTOR_HOME_ROOT": str(state / "home"), "CODEMENTOR_STUDENTS_GROUP": f"{prefix}class",
                    "CODEMENTOR_DASHBOARDS_USER": f"{prefix}dash"})
    stack = Stack(state_dir=state, hub_port=free_port(), passwords=profile == "classroom", extra_env=env)
    times: dict[str, list[float]] = {"first start": [], "later starts": []}
    try:
        stack.start(log_file=Path(tempfile.mkstemp(prefix="codementor-bench-spawn-", suffix=".log")[1]))
        with _hub(stack, token) as hub:
            names = [f"s{i}" for i in range(students)]
            for name in names:
                hub.post(f"/users/{name}")
            for round_ in range(rounds):
                for name in names:
                    times["first start" if round_ == 0 else "later starts"].append(spawn_seconds(hub, name))
                    stop(hub, name)
    finally:
        stack.stop()
        for entry in subprocess.run(["getent", "passwd"], capture_output=True, text=True).stdout.splitlines():
            if entry.startswith(prefix):
                subprocess.run(["userdel", "--force", "--remove", entry.split(":")[0]], capture_output=True)
        subprocess.run(["groupdel", f"{prefix}class"], capture_output=True)
        shutil.rmtree(state, ignore_errors=True)
        for folder, mode in opened.items():
            folder.chmod(mode)
    return times


def run(profile: str = "classroom", students: int = 3, rounds: int = 3) -> None:
    if profile == "classroom" and os.geteuid() != 0:
        raise SystemExit("the classroom profile needs root (it creates system users)")
    times = measure(profile, students, rounds)
    print(f"spawn -> ready, {profile} profile, {students} students x {rounds} starts, one at a time:")
    for name, values in times.items():
        if values:
            print(f"  {name:<13} median {statistics.median(values):6.2f} s   min {min(values):6.2f}   max {max(values):6.2f}   (n={len(values)})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="classroom", choices=["classroom", "demo"])
    parser.add_argument("--students", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    run(args.profile, args.students, args.rounds)
