"""`codementor exercises`: list the bank, render a student notebook, validate the exercises."""

from __future__ import annotations

import asyncio
import json
import sys


def cmd_exercises(args) -> None:
    from codementor.exercise_bank import Bank, ExerciseNotFound
    from codementor.exercise_bank.render import render_notebook
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


def cmd_validate(args) -> None:
    from codementor.api.grader import Grader
    from codementor.exercise_bank.validate import MUTANT_TIMEOUT, format_table, validate_bank

    # a batch job: every mutant of the exercises in flight may wait in line (the API's 503 guard is for students)
    grader = Grader(concurrency=args.concurrency, timeout=MUTANT_TIMEOUT, queue_limit=1_000_000)
    try:
        report = asyncio.run(validate_bank(
            grader.grade, args.bank, args.ids, min_score=args.min_score, max_mutants=args.max_mutants, concurrency=args.concurrency
        ))
    except (LookupError, OSError) as err:
        sys.exit(f"codementor exercises validate: {err}")
    print(json.dumps(report.to_dict(), indent=2) if args.json else format_table(report))
    sys.exit(0 if report.passed else 1)


def register(sub) -> None:
    p = sub.add_parser("exercises", help="list exercises, render one as a student notebook, or validate them")
    p.add_argument("action", choices=["list", "render", "validate"])
    p.add_argument("ids", nargs="*", metavar="ID", help="render: one exercise id; validate: the ids to check (default: all)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--bank", default=None)
    p.add_argument("--min-score", type=float, default=0.9, help="validate: lowest mutation score that passes (0-1)")
    p.add_argument("--max-mutants", type=int, default=40, help="validate: mutants graded per exercise (0: all)")
    p.add_argument("--concurrency", type=int, default=2, help="validate: submissions graded at once")
    p.set_defaults(func=cmd_exercises)
