"""`codementor classroom`: the classroom profile on one machine, in one command, as root.

Postgres and Redis are the embedded ones of the demo (hub_config/stack.py), kept in the state
folder and asking for passwords, unless DATABASE_URL and REDIS_URL are given. The secrets are
made at the first start and reused afterwards, each a 0600 file in ``<state>/secrets`` (0700):
the database and Redis passwords, the metrics token (``CODEMENTOR_METRICS_TOKEN``), the ops token
(``CODEMENTOR_OPS_TOKEN``) and the first admin's password; the Hub's cookie secret is
``<state>/jupyterhub_cookie_secret`` (0600). The first admin is signed up with that password,
so no one reaching the Hub first can take the name.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import signal
import socket
import sys
import time
from pathlib import Path

from .classroom_profile import dashboards_user, dashboards_user_taken
from .stack import POSTGRES_ACCOUNT, MissingProxy, Stack, _account_exists, proxy_command, write_environment

SECRETS = {
    "postgres_password": lambda: secrets.token_hex(24),
    "redis_password": lambda: secrets.token_hex(24),
    "metrics_token": lambda: secrets.token_hex(24),
    "ops_token": lambda: secrets.token_hex(24),
    "admin_password": lambda: secrets.token_urlsafe(18),
}
# Prometheus scrapes the API on its own port (deploy/prometheus/prometheus.yml): it must not move between starts
API_PORT = 10101
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,27}$")
# the Hub's log line when a student's first server start made her system user (ClassroomSpawner.start)
CREATED_USER = re.compile(r"Created the system user (\S+) ")


class HubNotices:
    """Lines of the Hub's log that the operator should also see in the command's output: system users made."""

    def __init__(self, log_file: Path):
        self.log_file = log_file
        self.offset = log_file.stat().st_size if log_file.exists() else 0

    def new(self) -> list[str]:
        try:
            with open(self.log_file, "rb") as log:
                log.seek(self.offset)
                whole, newline, _partial = log.read().rpartition(b"\n")
        except OSError:
            return []
        self.offset += len(whole) + len(newline)
        found = CREATED_USER.finditer(whole.decode("utf-8", "replace"))
        return [f"created the system user {m.group(1)!r} for a student's server" for m in found]


class ClassroomStartError(Exception):
    """Something the operator fixes before starting again; the message names it."""


def keep_secret(path: Path, make) -> str:
    """The secret in `path`, written 0600 by `make()` the first time."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        path.chmod(0o600)
        return path.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(make() + "\n")
    return path.read_text().strip()


def load_secrets(state_dir: Path) -> dict[str, str]:
    folder = state_dir / "secrets"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    kept = {name: keep_secret(folder / name, make) for name, make in SECRETS.items()}
    keep_secret(state_dir / "jupyterhub_cookie_secret", lambda: secrets.token_hex(32))
    return kept


def api_port() -> int:
    """$CODEMENTOR_API_PORT, else 10101: the port the scrape configuration names."""
    value = os.environ.get("CODEMENTOR_API_PORT") or str(API_PORT)
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ClassroomStartError(f"CODEMENTOR_API_PORT={value}: give a port number (default {API_PORT})")
    return int(value)


def classroom_stack(state_dir: Path, ip: str, port: int, admin: str, kept: dict, ssl: tuple[str, str] | None) -> Stack:
    env = {
        "CODEMENTOR_PROFILE": "classroom",
        "CODEMENTOR_HUB_IP": ip,
        "CODEMENTOR_ADMIN_USERS": admin,
        "CODEMENTOR_METRICS_TOKEN": kept["metrics_token"],
        "CODEMENTOR_OPS_TOKEN": kept["ops_token"],
    }
    if ssl:
        env.update(CODEMENTOR_SSL_CERT=ssl[0], CODEMENTOR_SSL_KEY=ssl[1])
    return Stack(
        state_dir=state_dir, hub_port=port, passwords=True, extra_env=env, tls=bool(ssl),
        api_port=api_port(), fixed_ports={"api_port": "CODEMENTOR_API_PORT"},
        postgres_password=kept["postgres_password"], redis_password=kept["redis_password"],
        database_url=os.environ.get("DATABASE_URL", ""), redis_url=os.environ.get("REDIS_URL", ""),
        hub_db_url=os.environ.get("CODEMENTOR_HUB_DB_URL", ""),
        # else the start makes the API's role on DATABASE_URL's server (or on its own Postgres)
        api_database_url=os.environ.get("CODEMENTOR_API_DATABASE_URL", ""),
    )


def ensure_admin(hub_url: str, name: str, password: str, password_file: Path) -> bool:
    """Sign the admin up through the Hub's own form (approved at once); False if she exists.

    `password` is the one kept in `password_file`: a Hub database restored into a new state folder
    holds the admin with the old folder's password, which only that file can give back."""
    import httpx

    with httpx.Client(base_url=hub_url, timeout=30, verify=False) as browser:
        form = browser.get("/hub/login")
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form.text).group(1)
        if browser.post("/hub/login", data={"_xsrf": xsrf, "username": name, "password": password}).status_code == 302:
            return False
        page = browser.get("/hub/signup")
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
        done = browser.post("/hub/signup", data={"_xsrf": xsrf, "username": name, "signup_password": password,
                                                 "signup_password_confirmation": password})
    if "successful" not in done.text:
        raise ClassroomStartError(f"the admin {name!r} exists in the Hub's database with a password other than the one in "
                                  f"{password_file} (a restored backup keeps her old one): put her password in that file "
                                  "(the old state folder's secrets/admin_password) and start again, or start with another --admin")
    return True


def public_url(stack: Stack, ip: str) -> str:
    host = socket.getfqdn() if ip in ("", "0.0.0.0", "::") else ip
    return f"{'https' if stack.tls else 'http'}://{host}:{stack.hub_port}"


BANNER = """
CodeMentor Hub (classroom) is running on {url}

  Sign in as {admin}; the password is in {state}/secrets/admin_password
  Students sign up at {url}/hub/signup; approve them at {url}/hub/authorize
  Metrics: {metrics_url} (the API's own port; bearer token in {state}/secrets/metrics_token)

Ctrl-C (or SIGTERM) stops it; data and secrets stay in {state}.
"""


def banner(stack: Stack, ip: str, admin: str, state_dir: Path) -> str:
    return BANNER.format(url=public_url(stack, ip), admin=admin, state=state_dir, metrics_url=stack.metrics_url)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def hold_signals() -> None:
    """From here on a signal (a second Ctrl-C, systemd's SIGTERM during a failed start) must not cut the stop
    short: it left the Hub running with its servers, firewall chain and home mounts."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def check_start(state_dir: Path, admin: str, ssl: tuple[str, str] | None) -> None:
    if os.geteuid() != 0:
        raise ClassroomStartError("run it as root: the classroom starts each student's server as her own system user")
    if not NAME.match(admin):
        raise ClassroomStartError(f"--admin {admin!r}: use lowercase letters, digits, - and _ (at most 28)")
    for path in ssl or ():
        if not Path(path).is_file():
            raise ClassroomStartError(f"no TLS file at {path} (--ssl-cert/--ssl-key)")
    if bool(os.environ.get("DATABASE_URL")) != bool(os.environ.get("REDIS_URL")):
        raise ClassroomStartError("give both DATABASE_URL and REDIS_URL, or neither (then both run in the state folder)")
    api_port()
    try:
        proxy_command()
    except MissingProxy as err:
        raise ClassroomStartError(str(err)) from None
    taken = dashboards_user_taken(state_dir / "dashboards")
    if taken:
        raise ClassroomStartError(taken)


def run_classroom(state_dir: Path, ip: str, port: int, admin: str, ssl: tuple[str, str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING, format="[classroom] %(message)s")
    started = time.monotonic()
    state_dir = state_dir.resolve()
    try:
        check_start(state_dir, admin, ssl)
    except ClassroomStartError as err:
        sys.exit(f"codementor classroom: {err}")
    os.umask(0o077)
    state_dir.mkdir(mode=0o711, parents=True, exist_ok=True)
    kept = load_secrets(state_dir)
    stack = classroom_stack(state_dir, ip, port, admin, kept, ssl)
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    log_file = state_dir / "jupyterhub.log"
    try:
        if not stack.database_url and not _account_exists(POSTGRES_ACCOUNT):
            print(f"creating the system user {POSTGRES_ACCOUNT!r} that runs Postgres (it refuses to run as root)", flush=True)
        dashboards = dashboards_user()
        if not _account_exists(dashboards):
            print(f"creating the system user {dashboards!r} that runs the instructors' dashboards", flush=True)
        notices = HubNotices(log_file)
        stack.start(log_file=log_file)
        write_environment(state_dir / "classroom.env", stack.operator_environment())
        if ensure_admin(stack.hub_url, admin, kept["admin_password"], state_dir / "secrets" / "admin_password"):
            print(f"signed up the admin {admin!r}", flush=True)
        print(banner(stack, ip, admin, state_dir), flush=True)
        print(f"ready in {time.monotonic() - started:.1f} s; log: {log_file}", flush=True)
        while all(p.poll() is None for p in stack._procs):
            for line in notices.new():
                print(line, flush=True)
            time.sleep(1)
        print(f"a component stopped on its own; see {log_file}", flush=True)
    except KeyboardInterrupt:
        hold_signals()
        print("stopping...", flush=True)
    except Exception as err:
        # whatever failed, nothing this start began is left running (Redis kept the course's password)
        hold_signals()
        stack.stop()
        if not isinstance(err, (ClassroomStartError, RuntimeError, TimeoutError)):
            raise
        print(f"codementor classroom: {err} (log: {log_file})", file=sys.stderr, flush=True)
        sys.exit(1)
    stopping = time.monotonic()
    stack.stop()
    print(f"stopped in {time.monotonic() - stopping:.1f} s", flush=True)
    # everything is stopped and undone: end without the interpreter's teardown (seconds of CPU on a busy machine)
    sys.stderr.flush()
    os._exit(0)
