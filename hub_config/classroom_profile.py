"""Settings of the classroom profile, applied by jupyterhub_config.py (CODEMENTOR_PROFILE=classroom)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .classroom import USERNAME_PATTERN, ClassroomError, check_students_can_run, private_bank


def _admins() -> set[str]:
    admins = {a.strip().lower() for a in os.environ.get("CODEMENTOR_ADMIN_USERS", "").split(",") if a.strip()}
    if not admins:
        raise SystemExit("the classroom profile needs an admin: set CODEMENTOR_ADMIN_USERS (comma-separated Hub user names)")
    return admins


def configure_authenticator(c) -> None:
    """Sign-up with admin approval, strong-enough passwords, lockout after failed logins."""
    env = os.environ.get
    c.JupyterHub.authenticator_class = "codementor.hub_config.classroom.ClassroomAuthenticator"
    c.Authenticator.admin_users = _admins()
    # NativeAuthenticator's approval is the allow list: only approved users can log in
    c.Authenticator.allow_all = True
    c.Authenticator.username_pattern = USERNAME_PATTERN
    c.NativeAuthenticator.open_signup = False
    c.NativeAuthenticator.check_common_password = True
    c.NativeAuthenticator.minimum_password_length = int(env("CODEMENTOR_MIN_PASSWORD_LENGTH", "10"))
    c.NativeAuthenticator.allowed_failed_logins = int(env("CODEMENTOR_LOGIN_ATTEMPTS", "5"))
    c.NativeAuthenticator.seconds_before_next_try = int(env("CODEMENTOR_LOCKOUT_SECONDS", "600"))
    c.JupyterHub.load_groups = {"students": {"users": []}, "instructors": {"users": []}}


def configure_spawner(c) -> None:
    """Each student's server as their own system user, created on first spawn."""
    env = os.environ.get
    c.JupyterHub.spawner_class = "codementor.hub_config.classroom.ClassroomSpawner"
    c.ClassroomSpawner.system_user_prefix = env("CODEMENTOR_SYSTEM_USER_PREFIX", "cm-")
    c.ClassroomSpawner.home_root = env("CODEMENTOR_HOME_ROOT", "/home")
    # each student's server and kernels together (cgroup v1 groups made by the spawner)
    memory = env("CODEMENTOR_STUDENT_MEM_LIMIT", "2G").strip()
    c.ClassroomSpawner.mem_limit = None if memory in ("", "0") else memory  # bytes or a K/M/G/T suffix
    c.ClassroomSpawner.cpu_limit = _number("CODEMENTOR_STUDENT_CPU_LIMIT", "1", float)
    c.ClassroomSpawner.max_processes = _number("CODEMENTOR_STUDENT_MAX_PROCESSES", "512", int)
    if 0 < c.ClassroomSpawner.cpu_limit < 0.01:
        raise SystemExit("CODEMENTOR_STUDENT_CPU_LIMIT is in cores: use at least 0.01 (or 0 for no CPU limit)")


def _number(name: str, default: str, kind):
    """A numeric setting; empty means 0 (off), anything else unreadable stops the Hub naming the setting."""
    raw = os.environ.get(name, default).strip() or "0"
    try:
        value = kind(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a number") from None
    if value < 0:
        raise SystemExit(f"{name} cannot be negative (0 turns the limit off)")
    return value


def configure_classroom(c, state: Path) -> dict:
    """Apply the classroom profile to `c`; return the extra environment of the API service."""
    if os.geteuid() != 0:
        raise SystemExit("the classroom profile starts servers as other system users: run JupyterHub as root (or set CODEMENTOR_PROFILE=demo)")
    # the Hub's database, cookie secret and logs are for root's eyes only; the state folder
    # stays traversable (0711) because the local Postgres of the stack may live inside it
    os.umask(0o077)
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o711)
    configure_authenticator(c)
    configure_spawner(c)
    private = Path(os.environ.get("CODEMENTOR_PRIVATE_DIR", state / "private"))
    try:
        check_students_can_run(Path(sys.executable).parent / "jupyterhub-singleuser")
        bank = private_bank(private, os.environ.get("CODEMENTOR_BANK_DIR"))
    except ClassroomError as err:
        raise SystemExit(str(err)) from None
    # submitted code runs in the grader's sandbox (api/grader/README.md): its own uid per slot,
    # namespaces and a private root without the bank; nothing to set up here
    return {"CODEMENTOR_BANK_DIR": str(bank)}
