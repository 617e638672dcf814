"""The classroom profile as root: sign-up with approval, lockout, and one system user per student.

Starts its own Hub (CODEMENTOR_PROFILE=classroom) with password-protected Postgres and Redis,
goes through the NativeAuthenticator forms over real HTTP, spawns students' servers and
probes, from a student's real kernel, what she can and cannot reach; one student plays the
attacker against another student and a visiting instructor (tests/classroom_attack.py).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import pwd
import queue
import re
import secrets
import shutil
import signal
import ssl
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest

from codementor.api.app import GRADER_SLOTS_PER_CORE
from codementor.exercise_bank import loader
from codementor.hub_config.classroom import closed_to_others, ensure_system_user
from codementor.hub_config.stack import Stack, free_port, wait_for

from .classroom_attack import ATTACK
from .hubclient import HubClient, Kernel, written

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="the classroom profile creates system users: run as root"),
]

PROJECT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery-7"
ATTEMPTS = 3


def _remove_system_users(prefix: str) -> None:
    for entry in pwd.getpwall():
        if entry.pw_name.startswith(prefix):
            subprocess.run(["userdel", "--force", "--remove", entry.pw_name], capture_output=True)


@pytest.fixture(scope="module")
def runnable_python():
    """Let other users pass through the folders on the way to this venv's interpreter, for the test's length.

    A venv built from a Python under /root (pyenv, as in CI) is not runnable by students; a
    real classroom builds it from a Python every user can run (see the README). Passing
    through (o+x) does not let anyone list those folders.
    """
    closed = closed_to_others(Path(sys.executable))
    modes = {folder: folder.stat().st_mode & 0o7777 for folder in closed}
    for folder, mode in modes.items():
        folder.chmod(mode | 0o001)
    yield
    for folder, mode in modes.items():
        folder.chmod(mode)


@pytest.fixture(scope="module")
def classroom(runnable_python):
    """A classroom Hub with its own Postgres and Redis; its system users are removed afterwards."""
    tag = secrets.token_hex(2)
    prefix = f"cm{tag}-"
    # not under /tmp: each student server gets a /tmp of its own, which would hide a home there
    state = Path(tempfile.mkdtemp(prefix="codementor-classroom-", dir="/var/tmp"))
    homes = state / "home"
    homes.mkdir(mode=0o711)
    ops_token = secrets.token_hex(16)
    stack = Stack(
        state_dir=state,
        hub_port=free_port(),
        passwords=True,
        extra_env={
            "CODEMENTOR_PROFILE": "classroom",
            "CODEMENTOR_ADMIN_USERS": "teacher",
            "CODEMENTOR_LOGIN_ATTEMPTS": str(ATTEMPTS),
            "CODEMENTOR_SYSTEM_USER_PREFIX": prefix,
            "CODEMENTOR_HOME_ROOT": str(homes),
            "CODEMENTOR_OPS_TOKEN": ops_token,
            "CODEMENTOR_STUDENT_MEM_LIMIT": f"{STUDENT_MEM_LIMIT_MB}M",
            "CODEMENTOR_STUDENT_CPU_LIMIT": "1",
            "CODEMENTOR_STUDENT_MAX_PROCESSES": str(STUDENT_MAX_PROCESSES),
            "CODEMENTOR_STUDENT_TMP_LIMIT": f"{STUDENT_TMP_LIMIT_MB}M",
            "CODEMENTOR_STUDENT_DISK_LIMIT": f"{STUDENT_DISK_LIMIT_MB}M",
            "CODEMENTOR_STUDENTS_GROUP": f"{prefix}class",
            "CODEMENTOR_DASHBOARDS_USER": f"{prefix}dash",
        },
    )
    stack.ops_token, stack.prefix = ops_token, prefix
    log = PROJECT / "test-artifacts" / "jupyterhub-classroom.log"
    log.parent.mkdir(exist_ok=True)
    log.touch()
    log.chmod(0o600)
    try:
        stack.start(log_file=log)
        yield stack
    finally:
        stack.stop()
        _remove_system_users(prefix)
        subprocess.run(["groupdel", f"{prefix}class"], capture_output=True)
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="module")
def admin(classroom) -> httpx.Client:
    """The admin named in CODEMENTOR_ADMIN_USERS signs up (approved at once) and logs in."""
    assert "successful" in sign_up(classroom.hub_url, "teacher")
    session = log_in(classroom.hub_url, "teacher")
    assert session is not None
    return session


def xsrf(client: httpx.Client, path: str) -> str:
    page = client.get(path)
    page.raise_for_status()
    return re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)


def sign_up(hub_url: str, name: str, password: str = PASSWORD, verify=True) -> str:
    """Fill in the sign-up form; returns the message the page shows."""
    with httpx.Client(base_url=hub_url, timeout=30, verify=verify) as browser:
        form = {"_xsrf": xsrf(browser, "/hub/signup"), "username": name, "signup_password": password, "signup_password_confirmation": password}
        page = browser.post("/hub/signup", data=form)
    page.raise_for_status()
    return page.text


def log_in(hub_url: str, name: str, password: str = PASSWORD, verify=True) -> httpx.Client | None:
    """A browser session logged in as `name`, or None if the login page refused."""
    browser = httpx.Client(base_url=hub_url, timeout=30, verify=verify)
    form = {"_xsrf": xsrf(browser, "/hub/login"), "username": name, "password": password}
    resp = browser.post("/hub/login", data=form)
    if resp.status_code == 302:
        return browser
    assert "Invalid username or password" in resp.text or "not been authorized" in resp.text, resp.text[:500]
    browser.close()
    return None


def approve(admin: httpx.Client, name: str) -> None:
    """What the admin's 'Authorize' button on /hub/authorize does."""
    assert name in admin.get("/hub/authorize").text
    toggled = admin.get(f"/hub/authorize/{name}")
    assert toggled.status_code == 302 and toggled.headers["location"].endswith(f"authorize#{name}"), toggled


def wait_ready(hub: HubClient, name: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        server = hub.api("GET", f"/users/{name}").json().get("servers", {}).get("")
        if server and server.get("ready"):
            return
        time.sleep(0.25)
    raise TimeoutError(f"the server of {name} was not ready after {timeout} s")


def wait_for_notebook(home: Path, timeout: float = 60) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sorted((home / "exercises").glob("*.ipynb"))
        if found and all(map(written, found)):
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no notebook was delivered to {home}")


def server_uids(system_user: str) -> set[int]:
    """Real uids of the single-user server processes started for `system_user` (read as root)."""
    uids = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            environ = Path(f"/proc/{pid}/environ").read_bytes()
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:  # ended meanwhile
            continue
        if b"codementor-singleuser" in cmdline and f"USER={system_user}\0".encode() in environ:
            uids.add(int(re.search(r"^Uid:\s+(\d+)", status, re.M).group(1)))
    return uids


def grader_leftovers(stack: Stack) -> set[int]:
    """Live processes in the grading slots of this Hub's API (its zygotes' slot groups), read as
    root; other Hubs on the machine grade under the same sandbox uids."""
    from codementor.isolation.cgroups import cgroup_v1_mount

    def field(pid: str, part: str) -> bytes:
        try:
            return Path(f"/proc/{pid}/{part}").read_bytes()
        except OSError:
            return b""

    pids = [p for p in os.listdir("/proc") if p.isdigit()]
    api = {p for p in pids if b"codementor\x00api" in field(p, "cmdline") and f"127.0.0.1:{stack.api_port}".encode() in field(p, "environ")}
    assert api, "this Hub's API process was not found"
    zygotes = [p for p in pids if b"zygote.py" in field(p, "cmdline") and re.search(rb"^PPid:\s+(\d+)", field(p, "status"), re.M).group(1).decode() in api]
    found = set()
    for zygote in zygotes:
        for procs in Path(cgroup_v1_mount("memory"), "codementor-sandbox").glob(f"{zygote}-slot*/cgroup.procs"):
            found |= {int(pid) for pid in procs.read_text().split() if pid in pids_of_live() and not _waiting(pid)}
    return found


def _waiting(pid: str) -> bool:
    """The slot's next job process, forked ahead and waiting as root for its job, is not a leftover:
    whatever a job starts runs under the slot's uid."""
    return re.search(r"^Uid:\s+0\s", _status(pid), re.M) is not None


def pids_of_live() -> set[str]:
    return {p for p in os.listdir("/proc") if p.isdigit() and not re.search(r"^State:\s+Z", _status(p), re.M)}


def _status(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "State: Z"


# the grader's sandbox runs each job as uid 1990000 + slot (c.Grader.sandbox_uid_base); the API's workers share
# GRADER_SLOTS_PER_CORE slots per core, each worker at least one (api/app.py)
SANDBOX_UIDS = range(1990000, 1990000 + GRADER_SLOTS_PER_CORE * (os.cpu_count() or 1))


def linger_code(student_uid: int) -> str:
    """Harmless in the kernel; in the grader, leaves a detached sleeping process behind."""
    return (
        f"import os, time\nif os.getuid() != {student_uid} and os.fork() == 0:\n"
        "    os.setsid(); os.close(1); time.sleep(300); os._exit(0)\n"
    )


PROBE = """
import json, os, socket
def probe(path):
    try:
        os.listdir(path) if os.path.isdir(path) else open(path, "rb").read(1)
        return "read"
    except PermissionError:
        return "denied"
    except FileNotFoundError:
        return "missing"
api_pids = [p for p in os.listdir("/proc") if p.isdigit() and b"codementor\\x00api" in open(f"/proc/{p}/cmdline", "rb").read()]
try:
    redis = socket.create_connection(("127.0.0.1", REDIS_PORT), timeout=5); redis.sendall(b"GET x\\r\\n")
    redis = redis.recv(200).decode()
except OSError as err:
    redis = type(err).__name__
try:
    import psycopg
    psycopg.connect(host=PG_SOCKET_DIR, user="postgres", dbname="postgres", connect_timeout=5).close()
    postgres = "connected"
except Exception as err:
    postgres = str(err)
print(json.dumps({
    "uid": os.getuid(), "pid": os.getpid(),
    "paths": {p: probe(p) for p in PATHS},
    "api_pids": api_pids, "api_environ": probe(f"/proc/{API_PID}/environ"),
    "secrets_in_env": sorted(k for k in os.environ if k in ("DATABASE_URL", "REDIS_URL", "CODEMENTOR_OPS_TOKEN")),
    "redis": redis, "postgres": postgres,
}))
"""


STUDENT_MEM_LIMIT_MB = 768
STUDENT_TMP_LIMIT_MB = 320
STUDENT_DISK_LIMIT_MB = 64
STUDENT_MAX_PROCESSES = 96

# from the student's kernel: which groups it is in, and what happens past each limit
LIMITS_PROBE = """
import json, os, time, signal
groups = {line.split(":")[1]: line.split(":")[2].strip() for line in open("/proc/self/cgroup") if line.split(":")[1]}
# CPU: four processes spin for one second of wall time (counted from here: the kernel has run before)
before = os.times()
kids = []
for i in range(3):
    pid = os.fork()
    if pid == 0:
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            pass
        os._exit(0)
    kids.append(pid)
end = time.monotonic() + 1.0
while time.monotonic() < end:
    pass
for pid in kids:
    os.waitpid(pid, 0)
t = os.times()
cpu = sum(t[:4]) - sum(before[:4])
# memory: a child takes more than the whole allowance, a page at a time
pid = os.fork()
if pid == 0:
    hog = bytearray(MEM_MB << 20)
    for i in range(0, len(hog), 4096):
        hog[i] = 1
    os._exit(0)
memory_child = os.waitpid(pid, 0)[1]
# processes: fork sleepers until the system says no
sleepers = []
try:
    for i in range(MAX_PROCESSES * 2):
        pid = os.fork()
        if pid == 0:
            time.sleep(60)
            os._exit(0)
        sleepers.append(pid)
    refused = "never"
except OSError as err:
    refused = type(err).__name__
for pid in sleepers:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
print(json.dumps({"groups": groups, "cpu": cpu, "memory_child": memory_child, "forked": len(sleepers), "refused": refused}))
"""


def api_pid() -> int:
    """The API service's process (found as root)."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if b"codementor\x00api" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return int(pid)
        except OSError:
            continue
    raise AssertionError("no API process")


def probe_code(stack: Stack, paths: list[str]) -> str:
    pg_socket_dir = re.search(r"host=([^&]+)", stack.database_url).group(1)
    head = f"PATHS = {paths!r}\nREDIS_PORT = {stack.redis_port}\nPG_SOCKET_DIR = {pg_socket_dir!r}\nAPI_PID = {api_pid()}\n"
    return head + PROBE


async def test_classroom_signup_approval_and_isolation(classroom, admin):
    url = classroom.hub_url
    assert "sent to the admin" in sign_up(url, "ana")
    assert "Something went wrong" in sign_up(url, "ana.b")  # only names that map safely to system users
    assert log_in(url, "ana") is None  # not approved yet
    forged = admin.get("/hub/authorize/ana", headers={"Sec-Fetch-Site": "cross-site"})
    assert forged.status_code == 403  # a link on another site cannot approve
    assert log_in(url, "ana") is None
    approve(admin, "ana")
    ana = log_in(url, "ana")
    assert ana is not None

    hub = HubClient(url, classroom.ops_token)
    assert "ana" in hub.api("GET", "/groups/students").json()["users"]
    assert "teacher" not in hub.api("GET", "/groups/students").json()["users"]

    started = time.monotonic()
    assert ana.get("/hub/spawn").status_code in (200, 302)
    wait_ready(hub, "ana")
    ana_user = pwd.getpwnam(classroom.prefix + "ana")
    home = Path(ana_user.pw_dir)
    notebook = wait_for_notebook(home)
    print(f"\n[figure] classroom: login -> notebook delivered as {ana_user.pw_name}: {time.monotonic() - started:.2f} s")
    assert home.stat().st_mode & 0o777 == 0o700 and home.stat().st_uid == ana_user.pw_uid
    assert notebook.stat().st_uid == ana_user.pw_uid

    # another student's home, made by the same code the spawner uses, with a file in it
    ben_user = ensure_system_user(classroom.prefix + "ben", Path(classroom.extra_env["CODEMENTOR_HOME_ROOT"]))
    secret = Path(ben_user.pw_dir) / "notes.py"
    secret.write_text("my own work\n")
    os.chown(secret, ben_user.pw_uid, ben_user.pw_gid)

    bank = classroom.state_dir / "private" / "bank"
    exercise_id = json.loads(notebook.read_text())["metadata"]["codementor"]["exercise_id"]
    bundled = Path(loader.__file__).parent / "exercises"
    paths = [ben_user.pw_dir, str(secret), str(bank), str(bank / exercise_id / "solution.py"),
             str(bundled), str(bundled / exercise_id / "solution.py"), str(classroom.state_dir / "jupyterhub_cookie_secret")]

    kernel = await Kernel.for_notebook(hub, "ana", f"exercises/{notebook.name}")
    try:
        ran = await kernel.execute(probe_code(classroom, paths))
        assert ran["error"] is None, ran
        seen = json.loads(ran["text"])
        hint = await kernel.execute("%hint")
        submitted = await kernel.execute("%submit")
        snoop = (f"import os\nif os.getuid() != {ana_user.pw_uid}:\n"
                 f"    try:\n        open({str(bank / exercise_id / 'solution.py')!r}).read(); seen = 'read'\n"
                 f"    except OSError as err:\n        seen = type(err).__name__\n"
                 f"    raise RuntimeError(f'grader uid={{os.getuid()}} bank={{seen}}')\n")
        assert (await kernel.execute(snoop, cell_id="codementor-solution"))["status"] == "ok"
        graded_snoop = await kernel.execute("%submit")
        # a submission that leaves a process behind, to watch later ones: it dies with its job
        assert (await kernel.execute(linger_code(ana_user.pw_uid), cell_id="codementor-solution"))["status"] == "ok"
        lingered = await kernel.execute("%submit")
        left_behind = grader_leftovers(classroom)
        limits = await kernel.execute(f"MEM_MB = {STUDENT_MEM_LIMIT_MB + 64}\nMAX_PROCESSES = {STUDENT_MAX_PROCESSES}\n" + LIMITS_PROBE)
        assert limits["error"] is None, limits
        held = json.loads(limits["text"])
    finally:
        kernel.close()

    assert server_uids(ana_user.pw_name) == {ana_user.pw_uid}
    assert seen["uid"] == ana_user.pw_uid
    status = Path(f"/proc/{seen['pid']}/status").read_text()
    assert re.search(rf"^Uid:\s+{ana_user.pw_uid}\s+{ana_user.pw_uid}\s", status, re.M), status
    assert seen["paths"] == {p: "denied" for p in paths}, seen["paths"]
    # other users' processes are not even listed (her own /proc, hidepid=invisible)
    assert seen["api_pids"] == [] and seen["api_environ"] == "missing", seen
    assert seen["secrets_in_env"] == []
    assert seen["redis"] == "ConnectionRefusedError", seen["redis"]  # the firewall: Redis's port is closed to students
    # the socket sits in the server's 0700 data folder, and past it a password is asked for
    assert "Permission denied" in seen["postgres"] or "password" in seen["postgres"], seen["postgres"]

    assert hint["error"] is None and "Hint 1 of" in hint["text"], hint
    assert submitted["error"] is None and "tests passed" in submitted["text"], submitted
    snooped = re.search(r"grader uid=(\d+) bank=(\w+)", graded_snoop["text"])
    assert snooped, graded_snoop
    assert int(snooped.group(1)) in SANDBOX_UIDS
    assert snooped.group(2) in ("PermissionError", "FileNotFoundError"), snooped.group(0)
    assert lingered["error"] is None and "tests passed" in lingered["text"], lingered
    assert left_behind == set(), left_behind

    # her server and kernels share one memory, CPU and process allowance (cgroup v1 groups)
    print(f"[figure] classroom limits from ana's kernel: {held}")
    group = f"/codementor-students/{ana_user.pw_name}"
    assert all(held["groups"][c] == group for c in ("memory", "pids")), held["groups"]
    assert any(group == path for name, path in held["groups"].items() if "cpu" in name.split(",")), held["groups"]
    if os.cpu_count() >= 2:  # (with one core, any job gets at most one)
        assert held["cpu"] < 1.4, held  # four busy processes for 1 s of wall time got about one core
    assert os.WIFSIGNALED(held["memory_child"]) and os.WTERMSIG(held["memory_child"]) == 9, held  # stopped by the OOM killer
    assert held["refused"] == "BlockingIOError" and held["forked"] < STUDENT_MAX_PROCESSES, held
    started_line = f"Starting ana's server as system user {ana_user.pw_name} (uid {ana_user.pw_uid}); limits: memory {STUDENT_MEM_LIMIT_MB} MiB"
    assert started_line in Path(PROJECT / "test-artifacts" / "jupyterhub-classroom.log").read_text()
    hub.stop("ana")


def test_lockout_after_failed_logins(classroom, admin):
    url = classroom.hub_url
    assert "sent to the admin" in sign_up(url, "cara")
    approve(admin, "cara")
    assert log_in(url, "cara") is not None
    for _ in range(ATTEMPTS):
        assert log_in(url, "cara", "not-her-password") is None
    assert log_in(url, "cara") is None  # the right password no longer opens the door
    assert log_in(url, "teacher") is not None  # the lockout is per user


def isolation_report(log: Path) -> dict[str, str]:
    """The layers the Hub reported at start (the last report in the log)."""
    found = re.findall(r"classroom isolation: ([a-z ]+): (.*)", log.read_text())
    return dict(found)


def listening_inodes() -> dict[int, int]:
    """Inode -> port of every listening TCP socket (v4 and v6), read as root."""
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":
                found[int(fields[9])] = int(fields[1].rsplit(":", 1)[1], 16)
    return found


def socket_inodes(pid: str) -> set[int]:
    links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    return {int(link[8:-1]) for link in links if link.startswith("socket:[")}


def ports_of(uid: int) -> set[int]:
    """TCP ports that processes of `uid` listen on (read as root)."""
    listening, found = listening_inodes(), set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(f"/proc/{pid}").stat().st_uid == uid:
                found |= {listening[i] for i in socket_inodes(pid) if i in listening}
        except OSError:
            continue
    return found


def kernels(stack: Stack) -> dict[int, tuple[int, set[int]]]:
    """The kernels of this Hub's servers and services: pid -> (uid, the TCP ports it listens on).

    Told apart from other Hubs' kernels on the machine by the Hub API URL in their environment."""
    listening, found = listening_inodes(), {}
    ours = [f":{port}/hub/api".encode() for port in (stack.hub_port, stack.hub_api_port)]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if b"ipykernel_launcher" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                continue
            environ = Path(f"/proc/{pid}/environ").read_bytes()
            if not any(marker in environ for marker in ours):
                continue
            uid = Path(f"/proc/{pid}").stat().st_uid
            inodes = socket_inodes(pid)
        except OSError:
            continue
        found[int(pid)] = (uid, {listening[i] for i in inodes if i in listening})
    return found


def secret_in_processes(secret: bytes) -> list[str]:
    """Processes whose command line or environment holds `secret` (read as root)."""
    holders = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        for part in ("cmdline", "environ"):
            try:
                if secret in Path(f"/proc/{pid}/{part}").read_bytes():
                    holders.append(f"{pid}/{part}")
            except OSError:
                continue
    return holders


def mount_holders(folder: str) -> dict[int, str]:
    """Processes whose mount namespace still holds a mount below `folder` (pid -> command line)."""
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if f" {folder}/" in Path(f"/proc/{pid}/mountinfo").read_text():
                found[int(pid)] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
        except OSError:
            continue
    return found


def restart(hub: HubClient, name: str) -> float:
    hub.stop(name)
    deadline = time.monotonic() + 60
    while hub.api("GET", f"/users/{name}").json().get("servers", {}) and time.monotonic() < deadline:
        time.sleep(0.25)
    return hub.spawn(name)


def memory_usage(system_user: str) -> int:
    from codementor.isolation.cgroups import cgroup_v1_mount

    return int(Path(cgroup_v1_mount("memory"), "codementor-students", system_user, "memory.usage_in_bytes").read_text())


HOARD = """
import os, json
written = 0
try:
    with open("/dev/shm/hoard-" + str(os.getpid()), "wb") as f:
        for _ in range(MB):
            f.write(b"x" * (1 << 20)); f.flush(); written += 1
except OSError as err:
    stopped = type(err).__name__
else:
    stopped = None
print(json.dumps({"written_mb": written, "stopped": stopped, "shm": sorted(os.listdir("/dev/shm"))}))
"""

FILL_HOME = """
import os, json
written = 0
try:
    with open(os.path.expanduser("~/filler"), "wb") as f:
        while True:
            f.write(b"x" * (1 << 20)); f.flush(); os.fsync(f.fileno()); written += 1
except OSError as err:
    stopped = type(err).__name__
print(json.dumps({"written_mb": written, "stopped": stopped}))
"""


def notebook_model(text: str) -> dict:
    return {"type": "notebook", "format": "json", "content": {
        "cells": [{"cell_type": "code", "source": text, "metadata": {}, "outputs": [], "execution_count": None}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}}


async def test_a_student_attacks_her_classmate_and_the_instructor(classroom, admin):
    """Eve, from her own kernel, against Bob's running kernel and the instructor's dashboards."""
    url, log = classroom.hub_url, PROJECT / "test-artifacts" / "jupyterhub-classroom.log"
    hub = HubClient(url, classroom.ops_token)
    report = isolation_report(log)
    print("\n[figure] classroom isolation report:\n  " + "\n  ".join(f"{k}: {v}" for k, v in report.items()))
    assert report["network"].startswith("firewall") and report["private mounts"].startswith("per server"), report
    assert report["disk"].startswith("per student") and report["kernels"].startswith("IPC"), report
    for name in ("eve", "bob"):
        assert "sent to the admin" in sign_up(url, name)
        approve(admin, name)
        assert log_in(url, name) is not None  # the Hub user exists from the first login
    spawned = [hub.spawn("eve"), hub.spawn("bob")]
    eve_user, bob_user = (pwd.getpwnam(classroom.prefix + n) for n in ("eve", "bob"))
    teacher_token = hub.user_token("teacher")  # what the dashboards' kernels are handed for this visit
    bob_secret, own = "BOB-WORK-" + secrets.token_hex(8), "EVE-OWN-" + secrets.token_hex(8)
    header = (f"MARKERS_HEX = {[m.encode().hex() for m in (bob_secret, teacher_token)]!r}\nOWN_HEX = {own.encode().hex()!r}\n"
              f"SECONDS = 8\nHOMES = {classroom.extra_env['CODEMENTOR_HOME_ROOT']!r}\nSTATE = [{str(classroom.state_dir)!r}]\n")
    bob_code = f"import time\nsecret = bytes.fromhex({bob_secret.encode().hex()!r}).decode()\nfor i in range(60):\n    print(secret, i, flush=True); time.sleep(0.25)\n"
    page = f"{url}/services/dashboards/voila/render/overview.ipynb"
    visits = []

    def visit_dashboards(until: float) -> None:
        while time.monotonic() < until:
            shown = httpx.get(page, headers={"Authorization": f"token {teacher_token}"}, timeout=60)
            visits.append(shown.status_code)

    eve = await Kernel.for_notebook(hub, "eve", "attack.ipynb")
    bob = await Kernel.for_notebook(hub, "bob", "work.ipynb")
    try:
        attack, bob_ran, _ = await asyncio.gather(
            eve.execute(header + ATTACK, timeout=120), bob.execute(bob_code, timeout=60),
            asyncio.to_thread(visit_dashboards, time.monotonic() + 12),
        )
        running = kernels(classroom)  # while both students' kernels and the dashboards' are up
        bob_ports = ports_of(bob_user.pw_uid)
    finally:
        eve.close()
        bob.close()
    assert attack["error"] is None, attack
    seen = json.loads(attack["outputs"][-1])
    print(f"[figure] attack from eve's kernel: tcp ports tried {seen['tcp']}; bytes received {seen['received']}; "
          f"markers found {seen['found']}; processes listed {seen['processes']} (owners {seen['proc_owners']}); "
          f"files read {seen['files_read']}; dashboard visits {visits}")
    assert bob_ran["error"] is None and bob_secret in bob_ran["text"]  # Bob's kernel really printed his work meanwhile
    assert visits and set(visits) == {200}, visits  # and the instructor's dashboards really ran with her token
    assert seen["uid"] == eve_user.pw_uid
    # the control: the same subscriber, on her own kernel's IPC socket, received her own output
    assert seen["found"][own] and all(w.startswith("ipc:/tmp/jupyter-runtime/") for w in seen["found"][own]), seen["found"]
    # nothing of anyone else's: no marker anywhere, no byte from any TCP port or foreign socket
    assert seen["found"][bob_secret] == [] and seen["found"][teacher_token] == [], seen["found"]
    assert all(name.startswith("ipc:/tmp/jupyter-runtime/") for name in seen["received"]), seen["received"]
    # among the machine's ports, only the Hub's public port and the API's answer her
    opened = {int(port) for port, state in seen["tcp"].items() if state == "open"}
    assert opened == {classroom.hub_port, classroom.api_port}, seen["tcp"]
    for port in (classroom.redis_port, classroom.proxy_api_port, classroom.hub_api_port, classroom.dashboards_port):
        assert seen["tcp"].get(str(port)) in ("ConnectionResetError", "ConnectionRefusedError"), (port, seen["tcp"])
    assert bob_ports and all(seen["tcp"].get(str(port)) != "open" for port in bob_ports), (bob_ports, seen["tcp"])  # his server
    assert [path for path, state in seen["unix"].items() if state == "open" and "kernel-" in path and eve.kernel_id not in path] == [], seen["unix"]
    assert seen["proc_owners"] == [eve_user.pw_uid], seen  # other users' processes are not listed
    # as root: no kernel channel listens on TCP (over TCP each kernel has 5 channel ports); the one
    # TCP listener left per kernel is ipykernel's receive-only pipe for forked children's output
    # (a PULL socket: it sends nothing, and takes only messages carrying a random 16-byte key)
    print(f"[figure] kernels while attacked (pid: uid, TCP ports): {running}")
    assert running and all(len(ports) <= 1 for _, ports in running.values()), running
    dash_uid = pwd.getpwnam(classroom.prefix + "dash").pw_uid
    assert {uid for uid, _ in running.values()} == {eve_user.pw_uid, bob_user.pw_uid, dash_uid}, running
    assert secret_in_processes(teacher_token.encode()) == []

    # shared memory across a restart of her server: what she leaves in /dev/shm is gone with it
    hoard = await run_in_new_kernel(hub, "eve", f"MB = {STUDENT_TMP_LIMIT_MB + 32}\n" + HOARD)
    assert hoard["stopped"] == "OSError" and STUDENT_TMP_LIMIT_MB - 8 <= hoard["written_mb"] <= STUDENT_TMP_LIMIT_MB, hoard
    held = memory_usage(eve_user.pw_name)
    spawned.append(restart(hub, "eve"))
    after = memory_usage(eve_user.pw_name)
    again = await run_in_new_kernel(hub, "eve", "MB = 64\n" + HOARD)
    homes = classroom.extra_env["CODEMENTOR_HOME_ROOT"]
    mounted = await run_in_new_kernel(hub, "eve", f"import json\nprint(json.dumps([l.split()[4] for l in open('/proc/self/mountinfo') if l.split()[4].startswith({homes!r})]))")
    assert mounted == [eve_user.pw_dir], mounted  # Bob's home was mounted when she restarted: not in her namespace
    print(f"[figure] eve's memory group: {held >> 20} MiB with {hoard['written_mb']} MiB in /dev/shm, {after >> 20} MiB after a restart; "
          f"spawn-to-ready (eve, bob, eve again): {[round(t, 2) for t in spawned]} s")
    assert held >= hoard["written_mb"] << 20  # the tmpfs pages were charged to her
    assert after < 200 << 20, after  # and freed with her server
    assert len(again["shm"]) == 1 and again["written_mb"] == 64, again  # her /dev/shm starts empty
    assert not any(name.startswith("hoard-") for name in os.listdir("/dev/shm"))  # and was never the host's

    # the disk allowance: a full home refuses a save in one clear line, and keeps the saved version
    server = hub.server("eve")
    assert server.put("/api/contents/kept.ipynb", json=notebook_model("print('saved before')")).status_code in (200, 201)
    filled = await run_in_new_kernel(hub, "eve", FILL_HOME)
    refused = server.put("/api/contents/kept.ipynb", json=notebook_model("x = 1\n" * 200_000))
    kept = server.get("/api/contents/kept.ipynb").json()
    print(f"[figure] eve's home took {filled['written_mb']} MiB before {filled['stopped']}; a save then: {refused.status_code} {refused.json().get('message')}")
    assert filled["stopped"] == "OSError" and STUDENT_DISK_LIMIT_MB // 2 < filled["written_mb"] <= STUDENT_DISK_LIMIT_MB, filled
    assert refused.status_code == 507 and f"allowance is {STUDENT_DISK_LIMIT_MB} MiB" in refused.json()["message"], refused.text
    assert kept["content"]["cells"][0]["source"] == "print('saved before')"
    hub.stop("eve")
    hub.stop("bob")


async def run_in_new_kernel(hub: HubClient, user: str, code: str) -> dict:
    kernel = await Kernel.for_notebook(hub, user, f"run-{secrets.token_hex(3)}.ipynb")
    try:
        ran = await kernel.execute(code, timeout=120)
    finally:
        kernel.close()
    assert ran["error"] is None, ran
    return json.loads(ran["outputs"][-1])


def test_stopping_the_hub_undoes_the_firewall_and_the_mounts(classroom):
    chain = f"CM-STUDENTS-{classroom.hub_port}"
    assert chain in subprocess.run(["iptables", "-w", "-S"], capture_output=True, text=True).stdout
    log = PROJECT / "test-artifacts" / "jupyterhub-classroom.log"
    log_before = log.stat().st_size
    started = time.monotonic()
    classroom.stop()
    stop_log = log.read_text()[log_before:]
    print(f"\n[figure] classroom Hub stop after the attack test (servers stopped by then): {time.monotonic() - started:.1f} s; "
          + "; ".join(re.findall(r"Stopped (.+? in [0-9.]+ s)", stop_log)))
    assert "Traceback" not in stop_log, stop_log[-3000:]
    for tool in ("iptables", "ip6tables"):
        assert chain not in subprocess.run([tool, "-w", "-S"], capture_output=True, text=True).stdout, tool
    assert str(classroom.state_dir) not in Path("/proc/self/mountinfo").read_text()
    images = classroom.state_dir / "homes"
    assert sorted(images.glob("*.img")), "no home image was made"
    # nothing of this Hub holds a home image: no process shows a mount below the homes, and a loop
    # device still bound is marked to be freed once the last holder ends (a mount namespace made
    # elsewhere while homes were mounted, e.g. another Hub's grading zygote on a shared machine)
    assert mount_holders(classroom.extra_env["CODEMENTOR_HOME_ROOT"]) == {}
    for image in images.glob("*.img"):
        bound = subprocess.run(["losetup", "--list", "--noheadings", "--output", "AUTOCLEAR", "--associated", str(image)],
                               capture_output=True, text=True).stdout.split()
        assert bound in ([], ["1"]), (image, bound)


# --- `codementor classroom`: one command, secrets kept, a quick and quiet stop ------------------
class Command:
    """`codementor classroom` as a subprocess; its output read line by line."""

    def __init__(self, state: Path, port: int, env: dict, tls: tuple[Path, Path] | None = None):
        tls_args = ["--ssl-cert", str(tls[0]), "--ssl-key", str(tls[1])] if tls else []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "codementor.cli", "classroom", "--state-dir", str(state), "--port", str(port), "--admin", "teacher", *tls_args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        )
        self.lines: list[str] = []
        self.queue: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.queue.put(line)
        self.queue.put(None)

    def read_until(self, marker: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.queue.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                break
            self.lines.append(line)
            if marker in line:
                return line
        raise AssertionError(f"{marker!r} not printed in {timeout} s:\n{''.join(self.lines)}")

    def stop(self) -> float:
        """SIGTERM, as systemd sends it; the seconds until the command exited."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=120)
        seconds = time.monotonic() - started
        while (line := self.queue.get(timeout=10)) is not None:
            self.lines.append(line)
        return seconds


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1 that is its own CA (a client trusts it by that file)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, crl_sign=False, encipher_only=False,
                                     decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(mode=0o755, exist_ok=True)
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    cert_file.chmod(0o644)
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    key_file.chmod(0o600)
    return cert_file, key_file


def test_the_classroom_command_keeps_data_and_secrets_and_stops_quietly(runnable_python):
    prefix = f"cm{secrets.token_hex(2)}-"
    state = Path(tempfile.mkdtemp(prefix="codementor-command-", dir="/var/tmp"))
    homes = state / "home"
    homes.mkdir(mode=0o711)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CODEMENTOR_HUB_DB_URL")}
    # the API's port is fixed (Prometheus scrapes it): not 10101, which another stack on this machine may hold
    env.update(CODEMENTOR_SYSTEM_USER_PREFIX=prefix, CODEMENTOR_HOME_ROOT=str(homes), CODEMENTOR_STUDENTS_GROUP=f"{prefix}class",
               CODEMENTOR_DASHBOARDS_USER=f"{prefix}dash", CODEMENTOR_API_PORT=str(free_port()))
    port = free_port()
    hub_url = f"http://127.0.0.1:{port}"
    try:
        first = Command(state, port, env)
        started = time.monotonic()
        first.read_until("ready in", 240)
        print(f"\nempty state folder to the printed URL: {time.monotonic() - started:.1f} s")
        output = "".join(first.lines)
        assert f"running on {hub_url}" in output and "signed up the admin 'teacher'" in output, output
        assert f"Metrics: http://127.0.0.1:{env['CODEMENTOR_API_PORT']}/services/codementor/metrics" in output, output
        # as root it says which system users it makes (the students' ones when their first server starts, below)
        assert f"creating the system user '{prefix}dash' that runs the instructors' dashboards" in output, output
        assert "Postgres" not in output and "WARNING" not in output, output  # no database chatter
        kept = {p.name: p.read_text() for p in (state / "secrets").iterdir()}
        assert set(kept) >= {"postgres_password", "redis_password", "metrics_token", "ops_token", "admin_password"}
        assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in (state / "secrets").iterdir())
        assert stat.S_IMODE((state / "secrets").stat().st_mode) == 0o700
        assert stat.S_IMODE((state / "jupyterhub_cookie_secret").stat().st_mode) == 0o600
        admin = log_in(hub_url, "teacher", kept["admin_password"].strip())
        assert admin is not None, "the admin cannot sign in with the kept password"
        assert "sent to the admin" in sign_up(hub_url, "ana")  # waits for approval: a row in the Hub's database
        assert "ana" in admin.get("/hub/authorize").text
        admin.close()
        log_before = (state / "jupyterhub.log").stat().st_size
        seconds = first.stop()
        tail = "".join(first.lines[-5:])
        stop_log = (state / "jupyterhub.log").read_text()[log_before:]
        print(f"stop (SIGTERM to exit): {seconds:.1f} s; printed: {tail.strip()!r}; "
              + "; ".join(re.findall(r"Stopped (.+? in [0-9.]+ s)", stop_log)))
        assert first.proc.returncode == 0, tail
        assert "Traceback" not in "".join(first.lines) and "Traceback" not in stop_log, stop_log[-3000:]
        assert seconds < 60  # sanity only; the figure is printed above

        # the second start serves TLS itself; students' servers reach the Hub by CODEMENTOR_PUBLIC_HOST,
        # a name the certificate covers
        cert, key = self_signed_certificate(state / "tls")
        trusted = ssl.create_default_context(cafile=str(cert))
        again = Command(state, port, {**env, "CODEMENTOR_PUBLIC_HOST": "localhost"}, tls=(cert, key))
        again.read_until("ready in", 240)
        assert "signed up the admin" not in "".join(again.lines)
        hub_url = f"https://127.0.0.1:{port}"
        assert f"running on {hub_url}" in "".join(again.lines), "".join(again.lines)
        assert {p.name: p.read_text() for p in (state / "secrets").iterdir()} == kept
        for url in (hub_url, f"https://localhost:{port}"):
            assert httpx.get(f"{url}/hub/health", verify=trusted, timeout=30).status_code == 200, url
        with pytest.raises(httpx.ConnectError):  # a client that does not trust this certificate refuses it
            httpx.get(f"{hub_url}/hub/health", timeout=30)
        with pytest.raises(httpx.HTTPError):  # plain http on that port gets no Hub
            httpx.get(f"http://127.0.0.1:{port}/hub/health", timeout=30).raise_for_status()
        api = httpx.get(f"{hub_url}/services/codementor/api/v1/health", verify=trusted, timeout=30)
        assert api.status_code == 200 and api.headers.get("Strict-Transport-Security") == "max-age=31536000", api.headers
        admin = log_in(hub_url, "teacher", kept["admin_password"].strip(), verify=trusted)
        assert admin is not None and "ana" in admin.get("/hub/authorize").text, "the sign-up did not survive the restart"
        approve(admin, "ana")
        admin.close()
        student = log_in(hub_url, "ana", verify=trusted)  # her first login makes her a Hub user
        assert student is not None
        student.close()
        ops = HubClient(hub_url, kept["ops_token"].strip(), verify=trusted)
        assert {"teacher", "ana"} <= {u["name"] for u in ops.api("GET", "/users").json()}
        # the approval on the Hub's /hub/authorize page is in the API's audit trail: who, what, whom
        teacher = ops.user_token("teacher")
        trail = httpx.get(f"{hub_url}/services/codementor/api/v1/admin/audit", headers={"Authorization": f"token {teacher}"},
                          verify=trusted, timeout=30).json()["events"]
        approvals = [(e["at"], e["action"], e["actor"], e["actor_role"], e["subject"]) for e in trail if e["action"].endswith("_signup")]
        print(f"the approval in the audit trail: {approvals}")
        assert [a[1:] for a in approvals] == [("approve_signup", "teacher", "admin", "ana")], trail
        # her server checks her token with the Hub over TLS (https://localhost:<port>/hub/api)
        try:
            print(f"a student's server over TLS ready in {ops.spawn('ana', timeout=120):.1f} s")
        except TimeoutError:
            raise AssertionError((state / "jupyterhub.log").read_text()[-4000:]) from None
        print(again.read_until(f"created the system user '{prefix}ana' for a student's server", 15).strip())
        token = ops.user_token("ana")
        status = httpx.get(f"{hub_url}/user/ana/api/status", headers={"Authorization": f"token {token}"}, verify=trusted, timeout=30)
        assert status.status_code == 200, status.text[:500]
        assert status.headers.get("Strict-Transport-Security") == "max-age=31536000", status.headers
        # the dashboards open: the visit leaves a Voila kernel running in the dashboards server
        shown = httpx.get(f"{hub_url}/services/dashboards/voila/render/overview.ipynb", verify=trusted, timeout=120,
                          headers={"Authorization": f"token {teacher}"})
        assert shown.status_code == 200, shown.text[:500]
        # `codementor users delete` with nothing but the state folder: classroom.env names the databases, Redis and
        # the Hub's API, secrets/ops_token is the Hub token; it removes her Hub account, system user, home and home image
        image = state / "homes" / f"{prefix}ana.img"
        assert image.exists()
        ops.stop("ana")
        wait_for(lambda: not ops.api("GET", "/users/ana").json().get("servers"), "ana's server to stop", 120)
        deleted = subprocess.run([sys.executable, "-m", "codementor.cli", "users", "delete", "ana", "--yes"], capture_output=True,
                                 text=True, timeout=300, env={**env, "CODEMENTOR_STATE_DIR": str(state)})
        assert deleted.returncode == 0, deleted.stderr
        report = json.loads(deleted.stdout)
        print(f"users delete: {report['hub_user']}; {report['host']}")
        assert report["hub_user"] == "deleted" and report["rows"]["users"] == 1 and str(image) in report["host"], report
        assert not image.exists() and ops.api("GET", "/users/ana").status_code == 404
        with pytest.raises(KeyError):
            pwd.getpwnam(f"{prefix}ana")
        log_before = (state / "jupyterhub.log").stat().st_size
        seconds = again.stop()
        stop_log = (state / "jupyterhub.log").read_text()[log_before:]
        print(f"second stop (TLS, a student's server and the dashboards running): {seconds:.1f} s; load {os.getloadavg()[0]:.2f}; "
              + "; ".join(re.findall(r"Stopped (.+? in [0-9.]+ s)", stop_log)))
        assert again.proc.returncode == 0, "".join(again.lines[-5:])
        assert "Traceback" not in "".join(again.lines) and "Traceback" not in stop_log, stop_log[-3000:]
    finally:
        for command in ("first", "again"):
            if command in locals() and locals()[command].proc.poll() is None:
                # SIGTERM first: a SIGKILL alone leaves its Hub, servers, firewall chain and home mounts behind
                locals()[command].proc.terminate()
                try:
                    locals()[command].proc.wait(60)
                except subprocess.TimeoutExpired:
                    locals()[command].proc.kill()
        if (state / "jupyterhub.log").is_file():  # kept for a look after a failure
            (PROJECT / "test-artifacts").mkdir(exist_ok=True)
            shutil.copyfile(state / "jupyterhub.log", PROJECT / "test-artifacts" / "jupyterhub-classroom-command.log")
        _remove_system_users(prefix)
        subprocess.run(["groupdel", f"{prefix}class"], capture_output=True)
        shutil.rmtree(state, ignore_errors=True)


def test_an_admin_password_the_hub_does_not_know_names_the_file_to_fix(runnable_python):
    """As after a restore into a new state folder: the Hub's database holds the admin with another password
    than <state>/secrets/admin_password. The refusal names that file (the Hub is stopped by then, so a page
    of it is no way out), and the old password put back there lets the start go on."""
    prefix = f"cm{secrets.token_hex(2)}-"
    state = Path(tempfile.mkdtemp(prefix="codementor-admin-", dir="/var/tmp"))
    homes = state / "home"
    homes.mkdir(mode=0o711)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CODEMENTOR_HUB_DB_URL")}
    env.update(CODEMENTOR_SYSTEM_USER_PREFIX=prefix, CODEMENTOR_HOME_ROOT=str(homes), CODEMENTOR_STUDENTS_GROUP=f"{prefix}class",
               CODEMENTOR_DASHBOARDS_USER=f"{prefix}dash", CODEMENTOR_API_PORT=str(free_port()))
    port, kept = free_port(), state / "secrets" / "admin_password"
    commands = []
    try:
        commands.append(Command(state, port, env))
        commands[-1].read_until("ready in", 240)
        assert commands[-1].stop() and commands[-1].proc.returncode == 0
        old = kept.read_text()
        kept.write_text("a-new-folder-made-another-one\n")
        commands.append(Command(state, port, env))
        line = commands[-1].read_until("codementor classroom:", 240)
        assert commands[-1].proc.wait(60) == 1
        assert line.split(" (log: ")[0] == (
            f"codementor classroom: the admin 'teacher' exists in the Hub's database with a password other than the one in {kept} "
            "(a restored backup keeps her old one): put her password in that file (the old state folder's secrets/admin_password) "
            "and start again, or start with another --admin"), "".join(commands[-1].lines)
        assert "Traceback" not in "".join(commands[-1].lines)
        kept.write_text(old)
        commands.append(Command(state, port, env))
        commands[-1].read_until("ready in", 240)
        assert commands[-1].stop() and commands[-1].proc.returncode == 0
    finally:
        for command in commands:
            if command.proc.poll() is None:
                command.proc.terminate()
                try:
                    command.proc.wait(60)
                except subprocess.TimeoutExpired:
                    command.proc.kill()
        if (state / "jupyterhub.log").is_file():  # kept for a look after a failure
            (PROJECT / "test-artifacts").mkdir(exist_ok=True)
            shutil.copyfile(state / "jupyterhub.log", PROJECT / "test-artifacts" / "jupyterhub-classroom-admin.log")
        _remove_system_users(prefix)
        subprocess.run(["groupdel", f"{prefix}class"], capture_output=True)
        shutil.rmtree(state, ignore_errors=True)
