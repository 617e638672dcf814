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
    from codementor.api import db
    from codementor.api.errors import SchemaMismatch

    try:
        if args.action == "upgrade":
            db.upgrade(args.database_url)
            print(f"database schema is at {db.current_revision(args.database_url)} (latest: {db.head_revision()})")
        else:
            print(f"current: {db.current_revision(args.database_url)}  latest: {db.head_revision()}")
    except SchemaMismatch as err:
        sys.exit(f"codementor db: {err}")


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
    p = sub.add_parser("db", help="database schema: upgrade to the latest migration, or show the current one")
    p.add_argument("action", choices=["upgrade", "current"])
    p.add_argument("--database-url", default=None, help="defaults to $DATABASE_URL")
    p.set_defaults(func=cmd_db)
    p = sub.add_parser("grade", help="grade a file against an exercise, exactly as the API does")
    p.add_argument("exercise_id", nargs="?")
    p.add_argument("file", nargs="?")
    p.add_argument("--json", action="store_true")
    p.add_argument("--bank", default=None, help="exercise folder (default: $CODEMENTOR_BANK_DIR or the bundled bank)")
    p.add_argument("--isolation", action="store_true", help="only list the sandbox's isolation layers active here, and the fallbacks")
    p.set_defaults(func=cmd_grade)
