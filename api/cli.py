"""The `codementor` command: run the API, migrate, grade a file, inspect the bank, run the demo."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def cmd_api(args, rest):
    from .app import TutorAPI

    TutorAPI.launch_instance(rest)


def cmd_db(args, rest):
    from . import db
    from .errors import SchemaMismatch

    try:
        if args.action == "upgrade":
            db.upgrade(args.database_url)
            print(f"database schema is at {db.current_revision(args.database_url)} (latest: {db.head_revision()})")
        else:
            print(f"current: {db.current_revision(args.database_url)}  latest: {db.head_revision()}")
    except SchemaMismatch as err:
        sys.exit(f"codementor db: {err}")


def cmd_grade(args, rest):
    from ..exercise_bank import Bank, ExerciseNotFound
    from .grader import grade_file

    try:
        exercise = Bank(args.bank).get(args.exercise_id)
    except ExerciseNotFound as err:
        sys.exit(f"codementor grade: {err}")
    path = Path(args.file)
    if not path.is_file():
        sys.exit(f"codementor grade: no such file: {path}")
    result = grade_file(exercise, path)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        verdict = "PASSED" if result.passed else "FAILED"
        print(f"{exercise.id}: {verdict}  score {result.score:.0%}  ({result.duration_ms:.0f} ms)")
        if result.message:
            print(f"  {result.message}")
        for t in result.tests:
            mark = "ok  " if t.passed else "FAIL"
            print(f"  {mark} {'[hidden] ' if t.hidden else ''}{t.name}{': ' + t.message if t.message else ''}")
    sys.exit(0 if result.passed else 1)


def cmd_exercises(args, rest):
    from ..exercise_bank import Bank
    from ..exercise_bank.render import render_notebook
    import nbformat

    bank = Bank(args.bank)
    if args.action == "list":
        rows = [ex.summary() for ex in bank.all()]
        if args.json:
            print(json.dumps(rows, indent=2))
        else:
            for r in rows:
                print(f"{r['id']:<32} {r['topic']:<16} {r['difficulty']:<7} {r['estimated_minutes']:>3} min  {r['title']}")
    elif args.action == "render":
        print(nbformat.writes(render_notebook(bank.get(args.exercise_id))))


def cmd_demo(args, rest):
    from ..hub_config.demo import run_demo

    run_demo(Path(args.state_dir), args.port)


def cmd_bench(args, rest):
    if args.name == "dashboard":
        from ..bench.dashboard import run

        run(students=args.students, runs=args.runs)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="codementor", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("api", help="run the API service (JupyterHub runs this for you)", add_help=False).set_defaults(func=cmd_api)
    p = sub.add_parser("db", help="database schema: upgrade to the latest migration, or show the current one")
    p.add_argument("action", choices=["upgrade", "current"])
    p.add_argument("--database-url", default=None, help="defaults to $DATABASE_URL")
    p.set_defaults(func=cmd_db)
    p = sub.add_parser("grade", help="grade a file against an exercise, exactly as the API does")
    p.add_argument("exercise_id")
    p.add_argument("file")
    p.add_argument("--json", action="store_true")
    p.add_argument("--bank", default=None, help="exercise folder (default: $CODEMENTOR_BANK_DIR or the bundled bank)")
    p.set_defaults(func=cmd_grade)
    p = sub.add_parser("exercises", help="list exercises or render one as a student notebook")
    p.add_argument("action", choices=["list", "render"])
    p.add_argument("exercise_id", nargs="?")
    p.add_argument("--json", action="store_true")
    p.add_argument("--bank", default=None)
    p.set_defaults(func=cmd_exercises)
    p = sub.add_parser("demo", help="start Postgres, Redis and JupyterHub with demo users")
    p.add_argument("--state-dir", default=".state/demo")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("bench", help="benchmarks that print numbers (they start their own stack on free ports)")
    p.add_argument("name", choices=["dashboard"], help="dashboard: the instructor overview with a seeded class")
    p.add_argument("--students", type=int, default=200)
    p.add_argument("--runs", type=int, default=5)
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    if argv[:1] == ["api"]:
        return cmd_api(None, argv[1:])
    args, rest = parser.parse_known_args(argv)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return args.func(args, rest)


if __name__ == "__main__":
    main()
