"""`codementor users export|delete` and `codementor purge`: students' data, run on the server.

These read and write the API's database directly through the API's services (DATABASE_URL,
REDIS_URL). `users delete` also removes the Hub account (JUPYTERHUB_API_URL and a token with
the delete:users scope, e.g. the API service's) and, run as root in the classroom profile,
the student's system user and home folder, which the API process cannot touch.
"""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import subprocess
import sys
from pathlib import Path


def _backends(args):
    import redis.asyncio as aioredis

    from codementor.api import db

    engine = db.make_engine(args.database_url or None, pool_size=2)
    return engine, db.make_sessionmaker(engine), aioredis.from_url(args.redis_url or os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))


def cmd_export(args) -> None:
    from codementor.api.errors import NotFound
    from codementor.hub_config.stack import write_private
    from codementor.api.services import audit
    from codementor.api.services.clock import utcnow
    from codementor.api.services.userdata import archive, collect, find_user

    async def run() -> bytes:
        engine, sessionmaker, redis = _backends(args)
        try:
            async with sessionmaker() as session, session.begin():
                user_id = await find_user(session, args.name)
                await audit.record(session, "export_user", None, audit.CLI, user_id, os_user=_os_user())
                return archive(await collect(session, user_id), utcnow())
        finally:
            await redis.aclose()
            await engine.dispose()

    try:
        body = asyncio.run(run())
    except NotFound as err:
        sys.exit(f"codementor users export: {err}")
    out = Path(args.output or f"codementor-{args.name}.zip")
    write_private(out, body)  # a student's data: 0600, like a backup
    print(f"wrote {out} ({len(body)} bytes)")


def _os_user() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def remove_host_account(name: str, prefix: str) -> str:
    """Remove the classroom profile's system user of `name` and its home; what happened, in words."""
    from codementor.hub_config.classroom import LOWEST_STUDENT_UID, ClassroomError, system_username

    try:
        account = system_username(name, prefix)
        entry = pwd.getpwnam(account)
    except (ClassroomError, KeyError):
        return "no system user (not the classroom profile, or never spawned)"
    if entry.pw_uid < LOWEST_STUDENT_UID:
        return f"refused: {account} has uid {entry.pw_uid}, a system account"
    if os.geteuid() != 0:
        return f"not removed: run as root to remove {account} and {entry.pw_dir}"
    done = subprocess.run(["userdel", "--remove", account], capture_output=True, text=True)
    if done.returncode not in (0, 12):  # 12: the home could not be removed (reported below)
        return f"userdel {account} failed: {done.stderr.strip()}"
    return f"removed system user {account} and {entry.pw_dir}" + ("" if not Path(entry.pw_dir).exists() else " (home still present!)")


def cmd_delete(args) -> None:
    from codementor.api.errors import DomainError
    from codementor.api.services import audit
    from codementor.api.services.erase import HubUsers, erase_user

    if not args.yes and input(f"delete everything about {args.name!r}? type the name again: ").strip() != args.name:
        sys.exit("codementor users delete: not confirmed, nothing deleted")
    token = args.hub_token or os.environ.get("CODEMENTOR_HUB_TOKEN", "")
    hub = HubUsers(args.hub_api_url, token) if args.hub_api_url and token else None

    async def run() -> dict:
        engine, sessionmaker, redis = _backends(args)
        try:
            return await erase_user(sessionmaker, redis, hub, args.name, None, audit.CLI)
        finally:
            await redis.aclose()
            await engine.dispose()

    try:
        report = asyncio.run(run())
    except DomainError as err:
        sys.exit(f"codementor users delete: {err}")
    if hub is None:
        report["hub_user"] = "not asked: give --hub-api-url and --hub-token (or $CODEMENTOR_HUB_TOKEN) with the delete:users scope"
    report["host"] = remove_host_account(args.name, args.system_user_prefix)
    print(json.dumps(report, indent=1))


def cmd_purge(args) -> None:
    from codementor.api.services.retention import Retention, purge

    async def run() -> dict:
        engine, sessionmaker, redis = _backends(args)
        try:
            async with sessionmaker() as session, session.begin():
                return await purge(session, Retention(config=_retention_config(args)))
        finally:
            await redis.aclose()
            await engine.dispose()

    print(json.dumps(asyncio.run(run()), indent=1))


def _retention_config(args):
    from traitlets.config import Config

    config = Config()
    if args.config:
        from traitlets.config.loader import PyFileConfigLoader

        path = Path(args.config)
        config = PyFileConfigLoader(path.name, str(path.parent)).load_config()
    return config


def _common(p) -> None:
    p.add_argument("--database-url", default=None, help="defaults to $DATABASE_URL")
    p.add_argument("--redis-url", default=None, help="defaults to $REDIS_URL")


def register(sub) -> None:
    users = sub.add_parser("users", help="one user's data: export it, or delete everything about them").add_subparsers(dest="action", required=True)
    p = users.add_parser("export", help="write everything stored about a user to a zip (audited)")
    p.add_argument("name")
    p.add_argument("-o", "--output", default=None, help="file to write (default: codementor-NAME.zip)")
    _common(p)
    p.set_defaults(func=cmd_export)
    p = users.add_parser("delete", help="delete a user's rows, cached answers, Hub account and (as root) system user and home")
    p.add_argument("name")
    p.add_argument("--yes", action="store_true", help="do not ask for the name again")
    p.add_argument("--hub-api-url", default=os.environ.get("JUPYTERHUB_API_URL", ""), help="the Hub's REST API (default: $JUPYTERHUB_API_URL)")
    p.add_argument("--hub-token", default=None, help="a token with delete:users (default: $CODEMENTOR_HUB_TOKEN)")
    p.add_argument("--system-user-prefix", default=os.environ.get("CODEMENTOR_SYSTEM_USER_PREFIX", "cm-"), help="classroom profile's prefix")
    _common(p)
    p.set_defaults(func=cmd_delete)
    p = sub.add_parser("purge", help="remove what is older than the retention settings (c.Retention...) allow")
    p.add_argument("--config", default=None, help="a config file with c.Retention settings (the API's)")
    _common(p)
    p.set_defaults(func=cmd_purge)
