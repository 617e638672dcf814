"""`codementor api`, `codementor db` and `codementor grade` (and from data.py `users`, `purge`): the API's subcommands."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path


def run_api(argv: list[str]) -> None:
    from codementor.api.app import TutorAPI

    TutorAPI.launch_instance(argv)


def cmd_db(args) -> None:
    from sqlalchemy.exc import OperationalError

    from codementor.api import db
    from codementor.api.errors import SchemaMismatch

    from .data import NotReady, _first_line, database_url, hidden

    if args.action == "api-role":
        return cmd_api_role(args)
    try:
        url = database_url(args)  # as `codementor users` finds it: run from the project folder, the demo's
        if args.action == "upgrade":
            db.upgrade(url)
            print(f"database schema is at {db.current_revision(url)} (latest: {db.head_revision()})")
        else:
            print(f"current: {db.current_revision(url)}  latest: {db.head_revision()}")
    except (SchemaMismatch, NotReady) as err:
        sys.exit(f"codementor db: {err}")
    except OperationalError as err:
        sys.exit(f"codementor db: cannot reach the API's database {hidden(url)} ({_first_line(err.orig or err)}): start it, or give "
                 "the right one with --database-url or DATABASE_URL (or --state-dir)")


def _api_role_password(args) -> str:
    """--password-file, else $CODEMENTOR_API_DB_PASSWORD, else "" (a new role gets one made up; an existing one keeps its own)."""
    import os

    if args.password_file:
        return Path(args.password_file).read_text().strip()
    return os.environ.get("CODEMENTOR_API_DB_PASSWORD", "")


def cmd_api_role(args) -> None:
    """Create or update the API's least-privilege role on the owner's URL, and say what it may do."""
    import os

    import psycopg
    from sqlalchemy.engine import make_url

    from codementor.api import db, db_roles

    from .data import hidden

    owner = db.database_url(args.database_url)
    hub_db = args.hub_db_url if args.hub_db_url is not None else os.environ.get("CODEMENTOR_HUB_DB_URL", "")
    deny = [make_url(hub_db).database] if hub_db else []
    try:
        report = db_roles.ensure_api_role(owner, args.role, _api_role_password(args), deny)
    except (db_roles.RoleError, psycopg.Error, OSError) as err:
        sys.exit(f"codementor db api-role: {str(err).strip().splitlines()[0]}")
    print(f"role {report.role} ({'created' if report.created else 'updated'}): LOGIN, not a superuser, owns nothing, "
          f"no CREATEDB/CREATEROLE")
    print(f"on database {report.database}, schema {report.schema}: SELECT/INSERT/UPDATE/DELETE on {len(report.tables)} tables, "
          f"only SELECT/INSERT on {', '.join(db_roles.APPEND_ONLY)}, only SELECT on {', '.join(db_roles.READ_ONLY)}")
    for name in report.revoked_memberships:
        print(f"revoked its membership of role {name}")
    for name in report.denied_databases:
        print(f"database {name}: CONNECT revoked from PUBLIC and from {report.role}")
    if report.other_databases:
        print(f"it can still connect to (CONNECT granted to PUBLIC): {', '.join(report.other_databases)}")
    if report.password:
        url = db_roles.role_url(owner, report.role, report.password)
        print(f"its password was made up; the API's URL (CODEMENTOR_API_DATABASE_URL in the Hub's environment):\n{url}")
    else:
        print(f"the API's URL: {hidden(db_roles.role_url(owner, report.role, 'PASSWORD'))}")
    print("run this again after every `codementor db upgrade`: tables added later get their grants then")


def cmd_grade(args) -> None:
    from codementor.api.grader import grade_file
    from codementor.exercise_bank import Bank, ExerciseNotFound

    if args.isolation:
        return print_isolation(args.json)
    if not args.exercise_id or not args.file:
        sys.exit("codementor grade: give an exercise id and a file (or --isolation)")
    try:
        exercise = Bank(args.bank).get(args.exercise_id)
    except ExerciseNotFound as err:
        sys.exit(f"codementor grade: {err}")
    path = Path(args.file)
    if not path.is_file():
        sys.exit(f"codementor grade: no such file: {path}")
    result = grade_file(exercise, path)
    print(json.dumps(result.to_dict(), indent=2) if args.json else format_result(exercise.id, result))
    sys.exit(0 if result.passed else 1)


def format_result(exercise_id: str, result) -> str:
    verdict = "PASSED" if result.passed else "FAILED"
    lines = [f"{exercise_id}: {verdict}  score {result.score:.0%}  ({result.duration_ms:.0f} ms)"]
    if result.message:
        lines.append(f"  {result.message}")
    for t in result.tests:
        mark = "ok  " if t.passed else "FAIL"
        lines.append(f"  {mark} {'[hidden] ' if t.hidden else ''}{t.name}{': ' + t.message if t.message else ''}")
    return "\n".join(lines)


def print_isolation(as_json: bool) -> None:
    """Start a grader the way the API does and say which isolation layers are active here."""
    from codementor.api.grader import Grader

    async def report():
        grader = Grader()
        await grader.start()
        try:
            return grader.isolation_report()
        finally:
            await grader.aclose()

    layers = asyncio.run(report())
    if as_json:
        print(json.dumps(layers, indent=2))
    else:
        for name, state in layers.items():
            print(f"{name:<11} {state}")


def register(sub) -> None:
    from . import assignments, data

    data.register(sub)  # `users` and `purge`: the API's database, run on the server
    assignments.register(sub)
    sub.add_parser("api", help="run the API service (JupyterHub runs this for you)", add_help=False)
    p = sub.add_parser("db", help="database schema: upgrade to the latest migration, show the current one, or (api-role) "
                                  "create or update the API's least-privilege Postgres role")
    p.add_argument("action", choices=["upgrade", "current", "api-role"])
    p.add_argument("--database-url", default=None, help="defaults to $DATABASE_URL, else (upgrade, current) the state folder's "
                   "(api-role: the owner's URL)")
    p.add_argument("--state-dir", default=None, help="upgrade, current: the course's state folder, whose classroom.env or demo.env "
                   "names the database (default: $CODEMENTOR_STATE_DIR, else /var/lib/codementor if it exists, else .state/demo if it exists)")
    p.add_argument("--role", default="codementor_api", help="api-role: the API's role (codementor_api)")
    p.add_argument("--password-file", default=None, help="api-role: a file holding the role's password (else "
                   "$CODEMENTOR_API_DB_PASSWORD; else a new role gets one made up and printed, an existing one keeps its own)")
    p.add_argument("--hub-db-url", default=None, help="api-role: the Hub's database on the same server, closed to the role "
                   "(default: $CODEMENTOR_HUB_DB_URL; '' for none)")
    p.set_defaults(func=cmd_db)
    p = sub.add_parser("grade", help="grade a file against an exercise, exactly as the API does")
    p.add_argument("exercise_id", nargs="?")
    p.add_argument("file", nargs="?")
    p.add_argument("--json", action="store_true")
    p.add_argument("--bank", default=None, help="exercise folder (default: $CODEMENTOR_BANK_DIR or the bundled bank)")
    p.add_argument("--isolation", action="store_true", help="only list the sandbox's isolation layers active here, and the fallbacks")
    p.set_defaults(func=cmd_grade)
