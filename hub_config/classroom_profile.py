"""Settings of the classroom profile, applied by jupyterhub_config.py (CODEMENTOR_PROFILE=classroom)."""

from __future__ import annotations

import atexit
import grp
import logging
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import student_server
from .classroom import USERNAME_PATTERN, ClassroomError, check_students_can_run, private_bank
from .classroom_layers import Firewall, probe_disk_images, probe_private_mounts, release_home

BYTE_UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


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
    c.ClassroomSpawner.students_group = env("CODEMENTOR_STUDENTS_GROUP", "codementor-students")
    c.ClassroomSpawner.tmp_limit = _bytes("CODEMENTOR_STUDENT_TMP_LIMIT", "256M")
    c.ClassroomSpawner.disk_limit = _bytes("CODEMENTOR_STUDENT_DISK_LIMIT", "2G")


def _bytes(name: str, default: str) -> int:
    """A size setting: bytes or a K/M/G/T suffix; empty or 0 means 0 (off)."""
    raw = os.environ.get(name, default).strip() or "0"
    try:
        return int(raw) if raw.isdigit() else int(float(raw[:-1]) * BYTE_UNITS[raw[-1].upper()])
    except (ValueError, KeyError):
        raise SystemExit(f"{name}={raw!r} is not a size: bytes, or a number with K, M, G or T (0 turns it off)") from None


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


def ensure_group(name: str) -> int:
    """The students' system group (made if missing); the firewall matches its gid."""
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        done = subprocess.run(["groupadd", "--system", name], capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"groupadd --system {name} failed: {done.stderr.strip()} (CODEMENTOR_STUDENTS_GROUP)") from None
        return grp.getgrnam(name).gr_gid


def firewall_chain(hub_port: int) -> str:
    """The students' firewall chain of the Hub on `hub_port` (one per Hub: several may share a machine)."""
    return f"CM-STUDENTS-{hub_port}"


def undo_hub_layers(state: Path, hub_port: int) -> None:
    """What the Hub undoes at its exit (firewall chain, mounted home images), for when it could not:
    a Hub that was killed runs no exit handler. Safe to call when there is nothing to undo."""
    Firewall(firewall_chain(hub_port), 0, []).remove()
    release_images(state / "homes")


def isolation_layers(c, state: Path, ports: list[int]) -> dict[str, str]:
    """Set up what is applied at Hub start (firewall, group) and probe the per-server layers;
    returns the report: each layer and whether (and how) it applies on this host."""
    spawner = c.ClassroomSpawner
    gid = ensure_group(spawner.students_group)
    firewall = Firewall(firewall_chain(c.JupyterHub.port), gid, ports)
    report = {"kernels": "IPC transport: each student's kernels over unix sockets in her own runtime folder (mode 0700)"}
    report["network"] = firewall.apply()
    atexit.register(firewall.remove)
    homes = os.path.realpath(spawner.home_root)
    mounts_problem = probe_private_mounts()
    if homes.startswith("/dev/shm/") or sys.prefix.startswith("/dev/shm/"):
        mounts_problem = f"the homes ({homes}) or the environment ({sys.prefix}) live under /dev/shm"
    spawner.private_mounts = mounts_problem is None
    report["private mounts"] = (
        f"per server: /tmp and /dev/shm of {spawner.tmp_limit >> 20} MiB each (tmpfs, charged to her memory), "
        "/proc with hidepid=invisible, no other home mounted" if mounts_problem is None else
        f"NONE ({mounts_problem}): /tmp and /dev/shm are shared and outlive servers, every process is listed"
    )
    report["disk"] = disk_layer(c, state)
    return report


def disk_layer(c, state: Path) -> str:
    spawner = c.ClassroomSpawner
    spawner.disk_image_dir = str(state / "homes")
    if not spawner.disk_limit:
        return "NONE (CODEMENTOR_STUDENT_DISK_LIMIT=0): a student can fill the disk holding the homes"
    problem = probe_disk_images()
    if problem:
        spawner.disk_limit = 0
        return f"NONE (ext4 images cannot be mounted here: {problem}): a student can fill the disk holding the homes"
    atexit.register(release_images, Path(spawner.disk_image_dir))
    return f"per student: an ext4 image of {spawner.disk_limit >> 20} MiB loop-mounted on her home ({spawner.disk_image_dir})"


def release_images(folder: Path) -> None:
    """At Hub exit: unmount every student's home image that is still mounted."""
    for image in folder.glob("*.img"):
        try:
            release_home(image, Path(pwd.getpwnam(image.stem).pw_dir))
        except KeyError:
            continue


def log_report(report: dict[str, str]) -> None:
    from jupyterhub.app import JupyterHub

    log = JupyterHub.instance().log if JupyterHub.initialized() else logging.getLogger("JupyterHub")
    for layer, state in report.items():
        log.info("classroom isolation: %s: %s", layer, state)


def dashboards_user() -> str:
    """The system user of the dashboards server and its kernels ($CODEMENTOR_DASHBOARDS_USER)."""
    return os.environ.get("CODEMENTOR_DASHBOARDS_USER", "codementor-dashboards")


def _runs_processes(uid: int) -> bool:
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and entry.stat().st_uid == uid:
                return True
        except OSError:
            continue
    return False


def dashboards_user_taken(dash_state: Path) -> str:
    """Why the dashboards' system user cannot serve `dash_state` (another classroom on this machine runs
    as it, from its own folder: usermod cannot move its home), as one line; "" when it can."""
    name = dashboards_user()
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return ""
    if entry.pw_dir == str(dash_state) or not _runs_processes(entry.pw_uid):
        return ""
    return (f"the system user {name!r} runs another classroom's dashboards (from {entry.pw_dir}): give this one a user "
            f"of its own with CODEMENTOR_DASHBOARDS_USER (e.g. {name}-2), or stop the other classroom")


def configure_dashboards(service: dict, dash_state: Path) -> str:
    """Run the dashboards server and its kernels as an unprivileged system user of their own,
    their kernels over unix sockets in a short private folder; returns the report's line."""
    name = dashboards_user()
    entry = _system_account(name, dash_state)
    for folder in [dash_state, *dash_state.rglob("*")]:
        os.chown(folder, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
    dash_state.chmod(0o700)
    # unix socket paths are short (108 bytes): the runtime folder lives in /run, not in the state folder
    runtime = Path(tempfile.mkdtemp(prefix="codementor-dash-", dir="/run" if os.access("/run", os.W_OK) else None))
    os.chown(runtime, entry.pw_uid, entry.pw_gid)
    atexit.register(shutil.rmtree, runtime, True)
    service["user"] = name
    service["environment"]["JUPYTER_RUNTIME_DIR"] = str(runtime)
    service["command"].append("--KernelManager.transport=ipc")
    return (f"server and kernels as {name} (uid {entry.pw_uid}), kernels over unix sockets in {runtime} (mode 0700), "
            "the viewer's token handed over in a 0600 file read once, no IPython history")


def _system_account(name: str, home: Path) -> pwd.struct_passwd:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        args = ["--system", "--no-create-home", "--home-dir", str(home), "--shell", "/usr/sbin/nologin", "--user-group", name]
        done = subprocess.run(["useradd", *args], capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"useradd {name} failed: {done.stderr.strip()} (CODEMENTOR_DASHBOARDS_USER)") from None
        entry = pwd.getpwnam(name)
    if entry.pw_uid == 0:
        raise SystemExit(f"CODEMENTOR_DASHBOARDS_USER={name} is root: name an unprivileged user")
    if entry.pw_dir != str(home):
        taken = dashboards_user_taken(home)
        if taken:
            raise SystemExit(taken)
        done = subprocess.run(["usermod", "--home", str(home), name], capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"usermod --home {home} {name} failed: {done.stderr.strip()} (CODEMENTOR_DASHBOARDS_USER)")
        entry = pwd.getpwnam(name)
    return entry


# added to every student server's arguments: her kernels talk over unix sockets in her own
# runtime folder (not TCP ports anyone can subscribe to); a full home is said in one line
SERVER_ARGS = ["--KernelManager.transport=ipc", "--ServerApp.contents_manager_class=codementor.server_ext.contents.AllowanceContentsManager"]


def hub_trust_bundle(cert: Path, state: Path) -> Path:
    """The system's CA certificates plus the Hub's own certificate, readable by the students'
    servers: with it (SSL_CERT_FILE) they check a self-signed Hub certificate as well as one a
    public CA issued. Rewritten at each start, so a renewed certificate is picked up."""
    import ssl

    system = ssl.get_default_verify_paths().cafile
    parts = [Path(system).read_text()] if system and Path(system).is_file() else []
    parts.append(cert.read_text())
    bundle = state / "hub-ca-bundle.pem"
    bundle.write_text("\n".join(part.strip() for part in parts) + "\n")
    bundle.chmod(0o644)
    return bundle


def finish_classroom(c, state: Path, dashboards: dict, api_port: int) -> None:
    """After the common settings: the students' servers' arguments, the Hub API through the
    proxy's public port, the dashboards' user, the isolation layers; logs which apply."""
    c.Spawner.args.extend(SERVER_ARGS)
    public = f"http://{c.JupyterHub.ip if c.JupyterHub.ip not in ('', '0.0.0.0', '::') else '127.0.0.1'}:{c.JupyterHub.port}"
    if c.JupyterHub.get("ssl_cert"):
        # over TLS the servers check the certificate: reach the Hub by the name it was issued for
        import socket

        public = f"https://{os.environ.get('CODEMENTOR_PUBLIC_HOST') or socket.getfqdn()}:{c.JupyterHub.port}"
        bundle = hub_trust_bundle(Path(c.JupyterHub.ssl_cert), state)
        c.Spawner.environment.update({"SSL_CERT_FILE": str(bundle)})
    # the firewall leaves students the public port only: their servers reach /hub/api through the proxy
    c.ClassroomSpawner.hub_connect_url = public
    report = isolation_layers(c, state, [c.JupyterHub.port, api_port])
    report["dashboards"] = configure_dashboards(dashboards, Path(dashboards["cwd"]))
    log_report(report)


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
        check_students_can_run(Path(student_server.command(Path(sys.executable).parent)[0]))
        bank = private_bank(private, os.environ.get("CODEMENTOR_BANK_DIR"))
    except ClassroomError as err:
        raise SystemExit(str(err)) from None
    # submitted code runs in the grader's sandbox (api/grader/README.md): its own uid per slot,
    # namespaces and a private root without the bank; nothing to set up here
    return {"CODEMENTOR_BANK_DIR": str(bank)}
