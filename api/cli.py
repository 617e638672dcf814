"""The `codementor` command: run the API, migrate, grade a file, inspect the bank, run the demo."""

from __future__ import annotations

import argparse
import asyncio
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


def cmd_validate(args):
    from ..exercise_bank.validate import format_table, validate_bank

    try:
        report = asyncio.run(
            validate_bank(args.bank, args.ids, min_score=args.min_score, max_mutants=args.max_mutants, concurrency=args.concurrency)
        )
    except (LookupError, OSError) as err:
        sys.exit(f"codementor exercises validate: {err}")
    print(json.dumps(report.to_dict(), indent=2) if args.json else format_table(report))
    sys.exit(0 if report.passed else 1)


def print_isolation(as_json: bool) -> None:
    """Start a grader the way the API does and say which isolation layers are active here."""
    import asyncio

    from .grader import Grader

    async def report():
        grader = Grader()
        await grader.start()
        try:
            return grader.isolation_report()
        finally:
            grader.stop()

    layers = asyncio.run(report())
    if as_json:
        print(json.dumps(layers, indent=2))
    else:
        for name, state in layers.items():
            print(f"{name:<11} {state}")


def cmd_exercises(args, rest):
    from ..exercise_bank import Bank, ExerciseNotFound
    from ..exercise_bank.render import render_notebook
    import nbformat

    if args.action == "validate":
        return cmd_validate(args)
    if args.action == "render" and len(args.ids) != 1:
        sys.exit("codementor exercises render: name one exercise id")
    bank = Bank(args.bank)
    if args.action == "list":
        rows = [ex.summary() for ex in bank.all()]
        if args.json:
            print(json.dumps(rows, indent=2))
        else:
            for r in rows:
                print(f"{r['id']:<32} {r['topic']:<16} {r['difficulty']:<7} {r['estimated_minutes']:>3} min  {r['title']}")
    elif args.action == "render":
        try:
            print(nbformat.writes(render_notebook(bank.get(args.ids[0]))))
        except ExerciseNotFound as err:
            sys.exit(f"codementor exercises render: {err}")


def cmd_bench(args, rest):
    if args.bench == "adaptive":
        from ..bench.adaptive import main as bench_adaptive

        bench_adaptive(args)
    elif args.bench == "grading":
        from ..bench import grading

        grading.run(as_json=args.json, jobs=args.jobs, notebook_jobs=args.notebook_jobs)
    elif args.bench == "tutor":
        from ..bench.tutor import main as bench_tutor

        bench_tutor(as_json=args.json, rounds=args.rounds, students=args.students)
    elif args.bench == "dashboard":
        from ..bench.dashboard import run

        run(students=args.students, runs=args.runs)


def cmd_demo(args, rest):
    from ..hub_config.demo import run_demo

    run_demo(Path(args.state_dir), args.port)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="codementor", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("api", help="run the API service (JupyterHub runs this for you)", add_help=False).set_defaults(func=cmd_api)
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
    p = sub.add_parser("exercises", help="list exercises, render one as a student notebook, or validate them")
    p.add_argument("action", choices=["list", "render", "validate"])
    p.add_argument("ids", nargs="*", metavar="ID", help="render: one exercise id; validate: the ids to check (default: all)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--bank", default=None)
    p.add_argument("--min-score", type=float, default=0.9, help="validate: lowest mutation score that passes (0-1)")
    p.add_argument("--max-mutants", type=int, default=40, help="validate: mutants graded per exercise (0: all)")
    p.add_argument("--concurrency", type=int, default=2, help="validate: submissions graded at once")
    p.set_defaults(func=cmd_exercises)
    p = sub.add_parser("bench", help="benchmarks that print numbers")
    p.set_defaults(func=cmd_bench)
    benches = p.add_subparsers(dest="bench", required=True)
    b = benches.add_parser("adaptive", help="the daily choice against two baselines, on simulated students")
    b.add_argument("--students", type=int, default=1000)
    b.add_argument("--days", type=int, default=30)
    b.add_argument("--per-day", type=int, default=1, help="exercises assigned per student per day")
    b.add_argument("--per-level", type=int, default=2, help="simulated exercises per topic and level (13 topics, 3 levels)")
    b.add_argument("--seed", type=int, default=1)
    b.add_argument("--test-spread", type=float, default=1.0, help="world: spread of a test's difficulty around its exercise's, in logits")
    b.add_argument("--testlet-sd", type=float, default=0.7, help="world: sd of the effect one submission shares across its tests")
    b.add_argument("--topic-sd", type=float, default=0.5, help="world: sd of a student's topic offsets around their general ability")
    b.add_argument("--json", action="store_true", help="machine-readable output")
    b = benches.add_parser("grading", help="the grader's sandbox against a bare subprocess and nbclient")
    b.add_argument("--json", action="store_true", help="machine-readable output")
    b.add_argument("--jobs", type=int, default=300, help="jobs per concurrency level for the sandbox and the bare floor")
    b.add_argument("--notebook-jobs", type=int, default=8, help="jobs per concurrency level for nbclient")
    b = benches.add_parser("tutor", help="tutor latency, gateway overhead and cache hit rate (starts its own stack)")
    b.add_argument("--json", action="store_true", help="machine-readable output")
    b.add_argument("--rounds", type=int, default=200, help="timed requests per latency figure")
    b.add_argument("--students", type=int, default=30, help="class size of the replayed cache trace")
    b = benches.add_parser("dashboard", help="the instructor overview's load time with a seeded class (starts its own stack)")
    b.add_argument("--students", type=int, default=200)
    b.add_argument("--runs", type=int, default=5)
    p = sub.add_parser("demo", help="start Postgres, Redis and JupyterHub with demo users")
    p.add_argument("--state-dir", default=".state/demo")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    if argv[:1] == ["api"]:
        return cmd_api(None, argv[1:])
    args, rest = parser.parse_known_args(argv)
    if args.command == "exercises" and not any(r.startswith("-") for r in rest):
        args.ids += rest  # ids given after an option: `exercises validate --json a b`
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return args.func(args, rest)


if __name__ == "__main__":
    main()
