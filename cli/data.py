"""`codementor users export|delete` and `codementor purge`: students' data, run on the server.

These read and write the API's database directly through the API's services. Each setting is
taken from its option, else the environment, else the state folder's ``classroom.env`` or
``demo.env`` (written at each start of `codementor classroom` / `codementor demo`; the state
folder as `codementor backup` finds it): DATABASE_URL, REDIS_URL, JUPYTERHUB_API_URL. `users
delete` also removes the Hub account (a token with the delete:users scope: --hub-token,
$CODEMENTOR_HUB_TOKEN, else the classroom's ``<state>/secrets/ops_token``) and, run as root in
the classroom profile, the student's system user, home folder and home disk image, which the
API process cannot touch. It checks every one of these before it deletes anything.
"""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


class NotReady(Exception):
    """A setting is missing or what it names does not answer; the message names the setting."""


def _state_dir(args) -> Path:
    from .backup import default_state_dir

    return Path(args.state_dir) if getattr(args, "state_dir", None) else default_state_dir()


def _setting(given: str | None, variable: str, state_dir: Path) -> str:
    """`given` (an option), else $variable, else the state folder's env file; "" when none has it."""
    from .backup import started_with

    if given is not None:
        return given
    return os.environ.get(variable) or started_with(state_dir).get(variable, "")


def hidden(url: str) -> str:
    """A URL fit to print: its password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    return urlunsplit(parts._replace(netloc=netloc[0].split(":", 1)[0] + ":***@" + netloc[1]))


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


def _required(args, given: str | None, variable: str, what: str, option: str, when: str = "") -> str:
    """A setting the command cannot go without (see `_setting`), or NotReady naming every way to give it."""
    state_dir = _state_dir(args)
    url = _setting(given, variable, state_dir)
    if not url:
        raise NotReady(f"{what} is unknown: give {option} or {variable}, or --state-dir (a course folder whose classroom.env or "
                       f"demo.env names it{when}; none in {state_dir} does)")
    return url


def database_url(args) -> str:
    return _required(args, args.database_url, "DATABASE_URL", "the API's database", "--database-url")


def redis_url(args) -> str:
    return _required(args, args.redis_url, "REDIS_URL", "Redis", "--redis-url", ", written at each start")


async def check_postgres(engine, url: str) -> None:
    from sqlalchemy import text

    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1 FROM users LIMIT 1"))
    except Exception as err:  # any driver's or SQLAlchemy's error: all mean the same to the operator
        raise NotReady(f"cannot use the API's database {hidden(url)} ({_first_line(err)}): start it, or give the right one with "
                       "--database-url or DATABASE_URL (or --state-dir)") from None


async def check_redis(redis, url: str) -> None:
    try:
        await redis.ping()
    except Exception as err:
        raise NotReady(f"cannot reach Redis at {hidden(url)} ({_first_line(err)}): start it, or give the right one with "
                       "--redis-url or REDIS_URL (or --state-dir)") from None


def _backends(args, with_redis: bool):
    """The API's engine, its sessionmaker and (`with_redis`) a Redis client, from the resolved settings."""
    import redis.asyncio as aioredis

    from codementor.api import db

    url = database_url(args)
    engine = db.make_engine(url, pool_size=2)
    redis = aioredis.from_url(redis_url(args)) if with_redis else None
    return url, engine, db.make_sessionmaker(engine), redis


def cmd_export(args) -> None:
    from codementor.api.errors import NotFound
    from codementor.hub_config.stack import write_private
    from codementor.api.services import audit
    from codementor.api.services.clock import utcnow
    from codementor.api.services.userdata import archive, collect, find_user

    async def run() -> bytes:
        url, engine, sessionmaker, _ = _backends(args, with_redis=False)
        try:
            await check_postgres(engine, url)
            async with sessionmaker() as session, session.begin():
                user_id = await find_user(session, args.name)
                await audit.record(session, "export_user", None, audit.CLI, user_id, os_user=_os_user())
                return archive(await collect(session, user_id), utcnow())
        finally:
            await engine.dispose()

    try:
        body = asyncio.run(run())
    except (NotFound, NotReady) as err:
        sys.exit(f"codementor users export: {err}")
    out = Path(args.output or f"codementor-{args.name}.zip")
    write_private(out, body)  # a student's data: 0600, like a backup
    print(f"wrote {out} ({len(body)} bytes)")


def _os_user() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


# --- the host's part (classroom profile): system user, home, home disk image ---------------------
def _host_parts(name: str, prefix: str, image_dir: Path | None):
    """(system user's name, its passwd entry or None, its disk image or None): what exists of them now."""
    from codementor.hub_config.classroom import ClassroomError, system_username

    try:
        account = system_username(name, prefix)
    except ClassroomError:
        return None, None, None
    try:
        entry = pwd.getpwnam(account)
    except KeyError:
        entry = None
    image = image_dir / f"{account}.img" if image_dir else None
    return account, entry, image if image is not None and image.exists() else None


def check_host(name: str, prefix: str, image_dir: Path | None) -> None:
    """NotReady when the command could not remove the student's system user, home or image."""
    from codementor.hub_config.classroom import LOWEST_STUDENT_UID

    account, entry, image = _host_parts(name, prefix, image_dir)
    if entry is not None and entry.pw_uid < LOWEST_STUDENT_UID:
        raise NotReady(f"{account} has uid {entry.pw_uid}, a system account: refusing to remove it (wrong --system-user-prefix?)")
    held = [str(p) for p in ((f"{account} and {entry.pw_dir}" if entry else None), image) if p]
    if held and os.geteuid() != 0:
        raise NotReady(f"run as root to remove {' and '.join(held)}")


def remove_host_account(name: str, prefix: str, image_dir: Path | None = None) -> str:
    """Remove the classroom profile's system user of `name`, its home and its home disk image
    (`image_dir`/<system user>.img, unmounted first); what happened, in words."""
    from codementor.hub_config.classroom import LOWEST_STUDENT_UID
    from codementor.hub_config.classroom_layers import release_home

    account, entry, image = _host_parts(name, prefix, image_dir)
    if entry is None and image is None:
        return "no system user (not the classroom profile, or never spawned)"
    if entry is not None and entry.pw_uid < LOWEST_STUDENT_UID:
        return f"refused: {account} has uid {entry.pw_uid}, a system account"
    if os.geteuid() != 0:
        return f"not removed: run as root to remove {account} and {entry.pw_dir if entry else image}"
    removed, problems = [], []
    if image is not None:
        release_home(image, Path(entry.pw_dir) if entry else None)  # her home is a mount of it while her server runs
    if entry is not None:
        done = subprocess.run(["userdel", "--remove", account], capture_output=True, text=True)
        if done.returncode not in (0, 12):  # 12: the home could not be removed (reported below)
            return f"userdel {account} failed: {done.stderr.strip()}"
        removed += [f"system user {account}", entry.pw_dir]
        if Path(entry.pw_dir).exists():
            problems.append(f"{entry.pw_dir} still present!")
    if image is not None:
        try:
            image.unlink()
            removed.append(str(image))
        except OSError as err:
            problems.append(f"{image} not removed: {err.strerror}")
    said = f"removed {', '.join(removed[:-1])} and {removed[-1]}" if len(removed) > 1 else f"removed {''.join(removed)}"
    if not removed:
        return f"not removed: {'; '.join(problems)}"
    return said + (f" ({'; '.join(problems)})" if problems else "")


# --- users delete ----------------------------------------------------------------------------------
def hub_settings(args, state_dir: Path) -> tuple[str, str]:
    """The Hub's API URL and token; ("", "") when the operator leaves the Hub out with --hub-api-url ''."""
    url = _setting(args.hub_api_url, "JUPYTERHUB_API_URL", state_dir)
    if args.hub_api_url == "":
        return "", ""
    if not url:
        raise NotReady("the Hub is unknown: give --hub-api-url or JUPYTERHUB_API_URL (or --state-dir), or --hub-api-url '' "
                       "to leave the Hub account in place")
    token = args.hub_token or os.environ.get("CODEMENTOR_HUB_TOKEN", "")
    if not token:
        try:
            token = (state_dir / "secrets" / "ops_token").read_text().strip()  # the classroom's ops service: admin:users
        except OSError:
            pass
    if not token:
        raise NotReady(f"no token for the Hub at {url}: give --hub-token or CODEMENTOR_HUB_TOKEN (a token with the delete:users "
                       f"scope; {state_dir}/secrets/ops_token has none)")
    return url, token


async def check_hub(url: str, token: str) -> None:
    """NotReady unless the Hub answers and the token may delete users."""
    import httpx

    try:
        async with httpx.AsyncClient(timeout=30) as client:
            resp = await client.get(f"{url.rstrip('/')}/user", headers={"Authorization": f"token {token}"})
    except httpx.HTTPError as err:
        raise NotReady(f"the Hub at {url} does not answer ({type(err).__name__}): start it, or give the right one with "
                       "--hub-api-url or JUPYTERHUB_API_URL") from None
    try:
        scopes = resp.json().get("scopes", []) if resp.status_code == 200 else []
    except (ValueError, AttributeError):  # not the Hub's API at that URL
        scopes = []
    if not any(s == "delete:users" or s.startswith("delete:users!") for s in scopes):
        raise NotReady(f"the Hub at {url} refuses this token the deletion of users (HTTP {resp.status_code}): give one with the "
                       "delete:users scope with --hub-token or CODEMENTOR_HUB_TOKEN")


def cmd_delete(args) -> None:
    from codementor.api.errors import DomainError, NotFound
    from codementor.api.services import audit
    from codementor.api.services.erase import HubUsers, erase_user, forget_redis_state

    if not args.yes and not sys.stdin.isatty():  # a script or cron: no one to type the name again
        sys.exit("codementor users delete: no terminal to confirm on: pass --yes; nothing deleted")
    if not args.yes and input(f"delete everything about {args.name!r}? type the name again: ").strip() != args.name:
        sys.exit("codementor users delete: not confirmed, nothing deleted")
    state_dir = _state_dir(args)
    image_dir = state_dir / "homes"

    async def run() -> dict:
        hub_url, token = hub_settings(args, state_dir)
        check_host(args.name, args.system_user_prefix, image_dir)
        url, engine, sessionmaker, redis = _backends(args, with_redis=True)
        try:
            await check_postgres(engine, url)
            await check_redis(redis, redis_url(args))
            if hub_url:
                await check_hub(hub_url, token)
            hub = HubUsers(hub_url, token) if hub_url else None
            try:
                return await erase_user(sessionmaker, redis, hub, args.name, None, audit.CLI)
            except NotFound as err:  # deleted before (a run that stopped half-way): the other parts may remain
                left = await forget_redis_state(redis, args.name, None)  # keyed by name: a stopped run's remains
                return {"rows": f"none: {err}", **left, "hub_user": await hub.delete(args.name) if hub else "not asked"}
        finally:
            await redis.aclose()
            await engine.dispose()

    try:
        report = asyncio.run(run())
    except NotReady as err:
        sys.exit(f"codementor users delete: {err}; nothing deleted")
    except DomainError as err:
        sys.exit(f"codementor users delete: {err}")
    except Exception as err:  # a part stopped answering half-way: what is done stays done, a second run finishes
        sys.exit(f"codementor users delete: stopped ({type(err).__name__}: {_first_line(err)}); run the same command again to finish")
    if report["hub_user"] == "not asked":
        report["hub_user"] = "not asked: --hub-api-url '' left the Hub account in place"
    report["host"] = remove_host_account(args.name, args.system_user_prefix, image_dir)
    print(json.dumps(report, indent=1))
    if report.get("redis_left"):
        print(f"codementor users delete: {report['redis_left']}", file=sys.stderr)
    if report["host"].startswith(("userdel", "refused")) or "not removed" in report["host"] or "still present" in report["host"]:
        sys.exit(f"codementor users delete: the host's part is not done ({report['host']}); run the same command again as root to finish")
    if (isinstance(report["rows"], str) and report["hub_user"] != "deleted" and not report.get("redis_keys")
            and report["host"].startswith("no system user")):
        sys.exit(f"codementor users delete: nothing about {args.name!r} was left to delete")


def cmd_purge(args) -> None:
    from codementor.api.services.retention import Retention, purge

    async def run() -> dict:
        url, engine, sessionmaker, _ = _backends(args, with_redis=False)
        try:
            await check_postgres(engine, url)
            async with sessionmaker() as session, session.begin():
                return await purge(session, Retention(config=_retention_config(args)))
        finally:
            await engine.dispose()

    try:
        print(json.dumps(asyncio.run(run()), indent=1))
    except NotReady as err:
        sys.exit(f"codementor purge: {err}")


def _retention_config(args):
    from traitlets.config import Config

    config = Config()
    if args.config:
        from traitlets.config.loader import PyFileConfigLoader

        path = Path(args.config)
        config = PyFileConfigLoader(path.name, str(path.parent)).load_config()
    return config


def _common(p) -> None:
    p.add_argument("--state-dir", default=None, help="the course's state folder, whose classroom.env or demo.env names what the options "
                   "below do not (default: $CODEMENTOR_STATE_DIR, else /var/lib/codementor if it exists, else .state/demo if it exists)")
    p.add_argument("--database-url", default=None, help="defaults to $DATABASE_URL, else the state folder's")
    p.add_argument("--redis-url", default=None, help="defaults to $REDIS_URL, else the state folder's")


def register(sub) -> None:
    users = sub.add_parser("users", help="one user's data: export it, or delete everything about them").add_subparsers(dest="action", required=True)
    p = users.add_parser("export", help="write everything stored about a user to a zip (audited)")
    p.add_argument("name")
    p.add_argument("-o", "--output", default=None, help="file to write (default: codementor-NAME.zip)")
    _common(p)
    p.set_defaults(func=cmd_export)
    p = users.add_parser("delete", help="delete a user's rows, cached answers, Hub account and (as root) system user, home and home image")
    p.add_argument("name")
    p.add_argument("--yes", action="store_true", help="do not ask for the name again")
    p.add_argument("--hub-api-url", default=None, help="the Hub's REST API (default: $JUPYTERHUB_API_URL, else the state folder's); "
                   "'' leaves the Hub account in place")
    p.add_argument("--hub-token", default=None, help="a token with delete:users (default: $CODEMENTOR_HUB_TOKEN, else the state "
                   "folder's secrets/ops_token)")
    p.add_argument("--system-user-prefix", default=os.environ.get("CODEMENTOR_SYSTEM_USER_PREFIX", "cm-"), help="classroom profile's prefix")
    _common(p)
    p.set_defaults(func=cmd_delete)
    p = sub.add_parser("purge", help="remove what is older than the retention settings (c.Retention...) allow")
    p.add_argument("--config", default=None, help="a config file with c.Retention settings (the API's)")
    _common(p)
    p.set_defaults(func=cmd_purge)
