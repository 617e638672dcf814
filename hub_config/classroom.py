"""The classroom profile: one machine, one system user per student, sign-up with admin approval.

The Hub runs as root. Each student's server and kernels run as that student's own system
user (``cm-<name>``, created on first spawn, home folder mode 0700). The API runs as the
Hub's user and keeps the exercise bank in a private folder (mode 0700); submitted code
runs in the grader's sandbox (api/grader/README.md). See the README's "Classroom profile".
"""

from __future__ import annotations

import asyncio
import grp
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from jupyterhub import orm
from jupyterhub.scopes import needs_scope
from jupyterhub.spawner import LocalProcessSpawner, set_user_setuid
from nativeauthenticator import NativeAuthenticator
from nativeauthenticator import handlers as native_handlers
from nativeauthenticator.orm import UserInfo
from tornado import web
from tornado.escape import url_escape
from tornado.httputil import url_concat
from traitlets import Bool, Integer, Unicode

from ..isolation.cgroups import cgroup_group, cgroup_v1_mount, cgroup_v2_root, cgroup_version, cpu_quota, remove_cgroup_groups
from .audit import AuditedHandler
from .classroom_layers import mount_home, private_mounts, release_home

# the folder holding this installation's packages (a source checkout's root in an editable install)
PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Hub names become part of a system user name: lowercase letters, digits, '-' and '_' only,
# starting with a letter or digit, short enough for the 32-character limit with the prefix.
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,27}\Z"
SYSTEM_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
LOWEST_STUDENT_UID = 1000
STUDENTS_GROUP = "students"
STUDENT_GROUPS = "codementor-students"


def student_cgroups(system_user: str, mem_limit: int, cpu_limit: float, max_processes: int) -> tuple[list[str], str]:
    """Make (or update) one cgroup-v1 group per controller for a student's server and kernels.

    Returns the groups' ``cgroup.procs`` files (the server joins them before it drops root)
    and a line for the log. A limit of 0 is not applied. Raises OSError naming what failed
    when a limit cannot be set (no v1 hierarchy for the controller, a file not writable).
    """
    wanted = {
        "memory": {"memory.limit_in_bytes": mem_limit, "memory.swappiness": 0} if mem_limit > 0 else None,
        "cpu": cpu_quota(cpu_limit) if cpu_limit > 0 else None,
        "pids": {"pids.max": max_processes} if max_processes > 0 else None,
    }
    procs = [cgroup_group(controller, STUDENT_GROUPS, system_user, settings) for controller, settings in wanted.items() if settings]
    parts = [f"memory {mem_limit >> 20} MiB" if mem_limit > 0 else "no memory limit",
             f"CPU {cpu_limit:g} core(s)" if cpu_limit > 0 else "no CPU limit",
             f"{max_processes} processes" if max_processes > 0 else "no process limit"]
    layer = f"cgroup {cgroup_version('memory' if mem_limit > 0 else 'pids')}"
    return procs, "limits: " + ", ".join(parts) + f" ({layer})"


def end_leftovers(system_user: str, timeout: float = 10) -> int:
    """Kill whatever of a student's still runs in her groups once her server stopped (a process
    she detached would otherwise hold her private mounts and memory); returns how many."""
    mount = cgroup_v1_mount("pids") or cgroup_v1_mount("memory") or cgroup_v2_root()
    if mount is None:
        return 0
    procs = Path(mount, STUDENT_GROUPS, system_user, "cgroup.procs")
    killed, deadline = set(), time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pids = [int(p) for p in procs.read_text().split()]
        except (OSError, ValueError):
            return len(killed)
        if not pids:
            return len(killed)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except ProcessLookupError:
                pass
        time.sleep(0.1)
    return len(killed)


def remove_student_cgroups(system_user: str) -> None:
    """Remove a student's groups once their server is gone (a group still in use stays)."""
    remove_cgroup_groups(STUDENT_GROUPS, keep=lambda entry: entry != system_user)


def joining(procs: list[str], then):
    """A preexec function: move the new server process into `procs`' groups, then run `then`."""
    def preexec():
        for path in procs:
            with open(path, "w") as f:
                f.write("0")  # cgroup v1: "0" is the writing process itself
        then()
    return preexec


RUNTIME_ROOT = Path("/run/codementor-students")


def runtime_folder(entry: pwd.struct_passwd) -> str:
    """A short folder only the student can enter, for her kernels' sockets when /tmp is shared."""
    RUNTIME_ROOT.mkdir(mode=0o755, exist_ok=True)
    RUNTIME_ROOT.chmod(0o755)
    folder = RUNTIME_ROOT / entry.pw_name
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chown(folder, entry.pw_uid, entry.pw_gid)
    folder.chmod(0o700)
    return str(folder)


class ClassroomError(RuntimeError):
    """The machine is not set up the way the classroom profile needs; the message says what to change."""


def system_username(hub_name: str, prefix: str) -> str:
    """The system user that runs `hub_name`'s server: prefix + name, checked to be a safe name."""
    if not re.fullmatch(USERNAME_PATTERN, hub_name):
        raise ClassroomError(f"the Hub user name {hub_name!r} cannot be mapped to a system user")
    name = prefix + hub_name
    if not SYSTEM_NAME.fullmatch(name):
        raise ClassroomError(f"{name!r} is not a valid system user name: change CODEMENTOR_SYSTEM_USER_PREFIX")
    return name


def ensure_system_user(name: str, home_root: Path, group: str = "") -> pwd.struct_passwd:
    """Create the student's system user and private home if missing (in `group`, the students'
    system group the firewall matches, if given); refuse system accounts."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        home = home_root / name
        _run_useradd(["--create-home", "--home-dir", str(home), "--shell", "/bin/bash", "--user-group", name])
        entry = pwd.getpwnam(name)
    if entry.pw_uid < LOWEST_STUDENT_UID:
        raise ClassroomError(f"system user {name} has uid {entry.pw_uid}, below {LOWEST_STUDENT_UID}: refusing to run a student server as it")
    if group and name not in grp.getgrnam(group).gr_mem:
        done = subprocess.run(["usermod", "--append", "--groups", group, name], capture_output=True, text=True)
        if done.returncode != 0:
            raise ClassroomError(f"usermod --append --groups {group} {name} failed: {done.stderr.strip()}")
    home = Path(entry.pw_dir)
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chown(home, entry.pw_uid, entry.pw_gid)
    home.chmod(0o700)
    return entry


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _run_useradd(args: list[str]) -> None:
    done = subprocess.run(["useradd", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise ClassroomError(f"useradd {' '.join(args)} failed: {done.stderr.strip()} (check CODEMENTOR_HOME_ROOT)")


def closed_to_others(path: Path) -> list[Path]:
    """The folders on the way to `path` (symlinks followed) that other users cannot pass through."""
    closed = []
    for folder in Path(os.path.realpath(path)).parents:
        if not folder.stat().st_mode & stat.S_IXOTH:
            closed.append(folder)
    return closed


def check_students_can_run(program: Path) -> None:
    """Students' servers run `program` and its interpreter: every folder on the way must be passable."""
    shebang = program.read_bytes()[:200].split(b"\n", 1)[0]
    interpreter = Path(shebang[2:].decode().split()[0]) if shebang.startswith(b"#!") else program
    for target in (program, interpreter):
        closed = closed_to_others(target)
        if closed or not os.stat(os.path.realpath(target)).st_mode & stat.S_IXOTH:
            raise ClassroomError(
                f"students cannot run {target} (real path {os.path.realpath(target)}; closed folders: "
                f"{', '.join(map(str, closed)) or 'none'}): build the environment from a Python every user can run, "
                "e.g. /usr/bin/python3 -m venv /opt/codementor, and install CodeMentor there"
            )


def lock_folder(path: Path) -> None:
    """Make a folder reachable by its owner only (its files stay as they are, behind it)."""
    if path.is_dir():
        path.chmod(0o700)


def private_bank(private_dir: Path, configured: str | None) -> Path:
    """The bank the API serves: the configured folder, or a private copy of the bundled one.

    The bundled copy (inside the installed package) is locked to the Hub's user, because
    students run Python from the same installation and could otherwise read it.
    """
    from codementor.exercise_bank import loader

    private_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    private_dir.chmod(0o700)
    bundled = Path(loader.__file__).parent / "exercises"
    if configured:
        bank = Path(configured)
    else:
        bank = private_dir / "bank"
        if bundled.is_dir():
            shutil.copytree(bundled, bank, dirs_exist_ok=True)
            bank.chmod(0o700)
    lock_folder(bundled)
    if not bank.is_dir():
        raise ClassroomError(f"the exercise bank {bank} does not exist: set CODEMENTOR_BANK_DIR")
    if bank.stat().st_mode & (stat.S_IROTH | stat.S_IXOTH):
        raise ClassroomError(f"the exercise bank {bank} is open to other users: chmod 700 it (CODEMENTOR_BANK_DIR)")
    return bank


class _NoMetrics:
    """Stands in for the statsd client JupyterHub 6 no longer has, which the login page still times."""

    def timer(self, name):
        return self

    def start(self):
        return self

    def stop(self, send=True):
        return None


class ClassroomLoginHandler(native_handlers.LoginHandler):
    """NativeAuthenticator 1.3's login page, adapted to JupyterHub 6 (statsd gone, sync error pages)."""

    statsd = _NoMetrics()

    def _render(self, login_error=None, username=None, sync=False, **ignored):
        return self.render_template(
            "native-login.html",
            sync=sync,
            next=url_escape(self.get_argument("next", default="")),
            username=username,
            login_error=login_error,
            custom_html=self.authenticator.custom_html,
            login_url=self.settings["login_url"],
            enable_signup=self.authenticator.enable_signup,
            two_factor_auth=self.authenticator.allow_2fa,
            authenticator_login_url=url_concat(
                self.authenticator.login_url(self.hub.base_url), {"next": self.get_argument("next", "")}
            ),
        )


class ClassroomToggleHandler(AuditedHandler, native_handlers.ToggleAuthorizationHandler):
    """Approving or revoking is a plain link (GET): refuse it when a browser says another site sent it.
    Each approval and revocation goes into the API's audit trail (hub_config/audit.py)."""

    @needs_scope("admin:users")
    async def get(self, slug):
        if self.request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            raise web.HTTPError(403, "approve users from the Hub's own /hub/authorize page")
        if UserInfo.find(self.db, slug) is None:
            raise web.HTTPError(404, f"no sign-up named {slug!r}")
        await super().get(slug)
        signed_up = UserInfo.find(self.db, slug)
        if signed_up is not None and self.audit is not None:
            await self.audit.record("approve_signup" if signed_up.is_authorized else "revoke_signup", self.current_user, slug)


REPLACED_HANDLERS = {r"/login": ClassroomLoginHandler, r"/authorize/([^/]*)": ClassroomToggleHandler}


class ClassroomAuthenticator(NativeAuthenticator):
    """NativeAuthenticator that puts every new non-admin user in the students group."""

    def get_handlers(self, app):
        return [(path, REPLACED_HANDLERS.get(path, handler)) for path, handler in super().get_handlers(app)]

    def add_user(self, user):
        super().add_user(user)
        if user.groups or user.admin or user.name in self.admin_users:
            return
        group = orm.Group.find(user.db, STUDENTS_GROUP)
        if group is None:
            group = orm.Group(name=STUDENTS_GROUP)
            user.db.add(group)
        user.groups.append(group)
        user.db.commit()
        self.log.info("Added %s to the %s group", user.name, STUDENTS_GROUP)


class ClassroomSpawner(LocalProcessSpawner):
    """LocalProcessSpawner running each Hub user as their own system user, created on first spawn."""

    system_user_prefix = Unicode(
        "cm-", help="Prefix of the system user names of Hub users ($CODEMENTOR_SYSTEM_USER_PREFIX).",
    ).tag(config=True)
    home_root = Unicode(
        "/home", help="Folder that holds the students' home folders ($CODEMENTOR_HOME_ROOT).",
    ).tag(config=True)

    max_processes = Integer(
        512, help="Processes and threads a student's server and kernels may run together (cgroup v1 pids; 0: no limit) "
        "($CODEMENTOR_STUDENT_MAX_PROCESSES). mem_limit and cpu_limit (the Spawner's own settings) are enforced the same way.",
    ).tag(config=True)

    students_group = Unicode(
        "", help="System group of every student's system user; the firewall matches it ($CODEMENTOR_STUDENTS_GROUP).",
    ).tag(config=True)
    private_mounts = Bool(
        False, help="Give each server a mount namespace with a private /tmp, /dev/shm and hidepid /proc "
        "(set by the classroom profile where the host allows it).",
    ).tag(config=True)
    tmp_limit = Integer(
        256 << 20, help="Bytes of the private /tmp and of the private /dev/shm each ($CODEMENTOR_STUDENT_TMP_LIMIT); "
        "both are charged to the student's memory allowance too.",
    ).tag(config=True)
    disk_limit = Integer(
        0, help="Bytes of each student's home, an ext4 image loop-mounted while her server runs (0: no image, "
        "no limit) ($CODEMENTOR_STUDENT_DISK_LIMIT).",
    ).tag(config=True)
    disk_image_dir = Unicode(
        "", help="Folder (root only) of the students' home images (<state dir>/homes).",
    ).tag(config=True)

    _cgroup_procs: list = []

    @property
    def system_user(self) -> str:
        return system_username(self.user.name, self.system_user_prefix)

    @property
    def home_image(self) -> Path:
        return Path(self.disk_image_dir) / f"{self.system_user}.img"

    async def wait_for_death(self, timeout=10):
        """Look every 0.1 s whether the stopped server has ended (JupyterHub's looks grow up to 5 s apart)."""
        from .hub_app import died_within

        return await died_within(self, timeout)

    def make_preexec_fn(self, name):
        become = set_user_setuid(self.system_user)
        home, home_root, tmp_bytes = pwd.getpwnam(self.system_user).pw_dir, os.path.realpath(self.home_root), self.tmp_limit
        keep = (sys.prefix, str(PROJECT_ROOT), home_root)

        def mounts_then_become():
            if self.private_mounts:
                private_mounts(home, home_root, tmp_bytes, keep)
            become()
        return joining(self._cgroup_procs, mounts_then_become)

    def user_env(self, env):
        entry = pwd.getpwnam(self.system_user)
        env.update(USER=entry.pw_name, LOGNAME=entry.pw_name, HOME=entry.pw_dir, SHELL=entry.pw_shell)
        # her kernels' IPC sockets and connection files, in a short path (a unix socket's path has at
        # most 107 bytes): her own /tmp, or else a mode-0700 folder of hers under /run
        env["JUPYTER_RUNTIME_DIR"] = "/tmp/jupyter-runtime" if self.private_mounts else runtime_folder(entry)
        if self.disk_limit:
            env["CODEMENTOR_DISK_LIMIT"] = str(self.disk_limit)
        return env

    def mount_disk(self, entry: pwd.struct_passwd) -> str:
        if not self.disk_limit:
            return "no disk limit"
        device = mount_home(self.home_image, self.disk_limit, Path(entry.pw_dir), entry.pw_uid, entry.pw_gid)
        return f"home {self.disk_limit >> 20} MiB ({device})"

    async def start(self):
        known = _user_exists(self.system_user)
        entry = ensure_system_user(self.system_user, Path(self.home_root), self.students_group)
        if not known:  # `codementor classroom` repeats this line to the operator
            self.log.info("Created the system user %s (uid %d) for %s's server", entry.pw_name, entry.pw_uid, self.user.name)
        disk = self.mount_disk(entry)
        try:
            self._cgroup_procs, limits = student_cgroups(entry.pw_name, self.mem_limit or 0, self.cpu_limit or 0, self.max_processes)
        except OSError as err:
            # the server still starts: a class is better served unlimited than locked out
            self._cgroup_procs, limits = [], "NO limits"
            self.log.warning(
                "%s's server runs without memory, CPU or process limits: %s. The limits need cgroup v1 (memory, cpu, "
                "pids) writable by the Hub, or a delegated cgroup v2 subtree (CODEMENTOR_CGROUP2_ROOT); set CODEMENTOR_STUDENT_MEM_LIMIT=0, CODEMENTOR_STUDENT_CPU_LIMIT=0 and "
                "CODEMENTOR_STUDENT_MAX_PROCESSES=0 to run unlimited on purpose", self.user.name, err,
            )
        self.log.info("Starting %s's server as system user %s (uid %d); %s; %s", self.user.name, entry.pw_name, entry.pw_uid, limits, disk)
        return await super().start()

    async def stop(self, now=False):
        await super().stop(now=now)
        # in a thread: these wait on processes and mounts, and the Hub stops every server at once
        await asyncio.to_thread(self.undo_layers)

    def undo_layers(self) -> None:
        """End what her server left running, remove her groups, unmount her home image."""
        leftovers = end_leftovers(self.system_user)
        if leftovers:
            self.log.info("Ended %d process(es) %s's server left behind", leftovers, self.user.name)
        remove_student_cgroups(self.system_user)
        if self.disk_limit:
            release_home(self.home_image, Path(pwd.getpwnam(self.system_user).pw_dir))

    async def move_certs(self, paths):
        raise ClassroomError("internal SSL is not supported by the classroom profile (c.JupyterHub.internal_ssl)")
