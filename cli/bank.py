"""`codementor exercises`: list the bank, render a student notebook, validate the exercises
(and, from courses.py, the authoring notebooks and course banks: new, export, import, reload)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path


def cmd_exercises(args) -> None:
    from codementor.exercise_bank import Bank, ExerciseNotFound
    from codementor.exercise_bank.render import render_notebook
    import nbformat

    if args.action == "validate":
        return cmd_validate(args)
    if args.action in ("new", "export", "import", "reload"):
        from . import courses

        return courses.run(args)
    if args.action == "render" and len(args.ids) != 1:
        sys.exit("codementor exercises render: name one exercise id")
    bank = Bank(args.bank)
    if args.action == "list":
        from .courses import listing

        rows = listing(args, bank)
        if args.json:
            print(json.dumps(rows, indent=2))
        else:
            for r in rows:
                scope = f", for {', '.join(r['groups'])}" if r.get("groups") else ""
                where = "" if r["origin"] == "builtin" else f"  [{r['origin']}{scope}]"
                hidden = "  (hidden)" if r.get("hidden") else f"  (hidden for {', '.join(r['hidden_for'])})" if r.get("hidden_for") else ""
                print(f"{r['id']:<32} {r['topic']:<16} {r['difficulty']:<7} {r['estimated_minutes']:>3} min  {r['title']}{where}{hidden}")
    elif args.action == "render":
        try:
            print(nbformat.writes(render_notebook(bank.get(args.ids[0]))))
        except ExerciseNotFound as err:
            sys.exit(f"codementor exercises render: {err}")


def cmd_validate(args) -> None:
    from codementor.api.grader import Grader
    from codementor.api.grader.grader import tool_uid_offset
    from codementor.exercise_bank.validate import MUTANT_TIMEOUT, format_table, validate_bank

    # a batch job: every mutant of the exercises in flight may wait in line (the API's 503 guard is for students);
    # its jobs run under uids of their own, not a running API's
    async def validate():
        grader = Grader(concurrency=args.concurrency, timeout=MUTANT_TIMEOUT, queue_limit=1_000_000)
        grader.uid_offset = tool_uid_offset(grader.concurrency)
        try:
            return await validate_bank(
                grader.grade, args.bank, args.ids, min_score=args.min_score, max_mutants=args.max_mutants, concurrency=args.concurrency,
                check_hint=hint_checker(bank_solutions(args.bank), grader.grade),
            )
        finally:
            await grader.aclose()

    try:
        report = asyncio.run(validate())
    except (LookupError, OSError) as err:
        sys.exit(f"codementor exercises validate: {err}")
    print(json.dumps(report.to_dict(), indent=2) if args.json else format_table(report))
    placement_problems = validate_placement()
    sys.exit(0 if report.passed and not placement_problems else 1)


def validate_placement() -> list[str]:
    """Run every placement question's snippet: it must print what the bank says (problems go to stderr)."""
    from codementor.exercise_bank.placement import PlacementFormatError, load_questions, validate_questions

    try:
        questions = load_questions()
        problems = validate_questions(questions)
    except (PlacementFormatError, OSError, ValueError) as err:
        problems, questions = [str(err)], []
    for problem in problems:
        print(f"placement: {problem}", file=sys.stderr)
    if not problems:
        print(f"placement: {len(questions)} questions, each prints what the bank says", file=sys.stderr)
    return problems


def bank_solutions(bank_dir) -> list[str]:
    """The reference solutions of a bank folder that load (the validator reports the others)."""
    from codementor.exercise_bank.loader import ExerciseFormatError, default_bank_dir, load_exercise
    from codementor.exercise_bank.validate import exercise_folders

    solutions = []
    for folder in exercise_folders(Path(bank_dir or default_bank_dir()), []):
        try:
            solutions.append(load_exercise(folder).solution)
        except ExerciseFormatError:
            continue
    return solutions


def hint_checker(solutions: list[str], grade):
    """The tutor's leak filter, as the gateway configures it by default, for the validator's hint check.

    `solutions`: the bank's reference solutions, which weigh each statement by its rarity."""
    from codementor.api.gateway.gateway import TutorGateway
    from codementor.api.gateway.leak import LeakDetector, StatementFrequency, hidden_share, judge

    frequency = StatementFrequency.of(solutions)
    settings = {name: getattr(TutorGateway, name).default_value for name in ("leak_threshold", "leak_walk_threshold", "leak_pass_share")}
    detectors: dict = {}

    async def check(exercise, hint: str) -> str:
        if exercise.digest not in detectors:
            detectors[exercise.digest] = LeakDetector(exercise.solution, settings["leak_threshold"], frequency, settings["leak_walk_threshold"])
        detector = detectors[exercise.digest]
        share = None
        candidates = detector.candidates(hint)
        if candidates:
            starter = await grade(exercise, exercise.starter)
            baseline = {t.name for t in starter.tests if t.passed}
            share = max([hidden_share(await grade(exercise, code), baseline) for code in candidates])
        verdict = judge(detector.similarity(hint), detector.walked(hint), share, threshold=settings["leak_threshold"],
                        walk_threshold=settings["leak_walk_threshold"], pass_share=settings["leak_pass_share"])
        return f"{verdict.reason}: similarity {verdict.similarity:.2f}, walkthrough {verdict.walkthrough:.2f}" if verdict.leaking else ""

    return check


def register(sub) -> None:
    p = sub.add_parser("exercises", help="list, render or validate exercises; author them in notebooks; reload the course banks")
    p.add_argument("action", choices=["list", "render", "validate", "new", "export", "import", "reload"])
    p.add_argument("ids", nargs="*", metavar="ID", help="render, new, export: one exercise id; import: one authoring notebook; "
                   "validate: the ids to check (default: all)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--bank", default=None)
    p.add_argument("--min-score", type=float, default=0.9, help="validate: lowest mutation score that passes (0-1)")
    p.add_argument("--max-mutants", type=int, default=40, help="validate: mutants graded per exercise (0: all)")
    p.add_argument("--concurrency", type=int, default=2, help="validate: submissions graded at once")
    p.add_argument("-o", "--output", default=None, help="new, export: the notebook file to write (default: ID.ipynb)")
    p.add_argument("--force", action="store_true", help="export: replace an existing notebook file")
    p.add_argument("--course", action="append", default=[], metavar="DIR",
                   help="import, export, reload: a course folder (repeat for several; default: c.CourseBank.course_dirs)")
    p.add_argument("--config", default=None, help="import, export, reload: the API's config file (c.CourseBank settings)")
    p.add_argument("--database-url", default=None, help="reload: the API's Postgres (default: $DATABASE_URL)")
    p.add_argument("--redis-url", default=None, help="reload: the API's Redis (default: $REDIS_URL)")
    p.add_argument("--wait", type=float, default=10.0, help="reload: seconds to wait for every API worker to serve the new version")
    p.set_defaults(func=cmd_exercises)
