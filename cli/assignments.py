"""`codementor assignments add|list|remove`: pin exercises to a day for a Hub group, on the server.

The same rows the instructors' API writes (POST /api/v1/class/assignments), for any group,
through the API's database (--database-url, else DATABASE_URL, else the state folder's, as
`codementor users` finds it: run from the project folder, the demo's). Due times without a UTC offset are read in the
course's time zone (--timezone, default $CODEMENTOR_TIMEZONE or UTC).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import date, datetime


def _run(args, work):
    """`work(session)` in one transaction on the API's database, found as `codementor users` finds it (cli/data.py)."""
    from codementor.api import db

    from .data import NotReady, check_postgres, database_url

    async def go():
        url = database_url(args)
        engine = db.make_engine(url, pool_size=2)
        try:
            await check_postgres(engine, url)
            async with db.make_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(go())
    except NotReady as err:
        _fail(str(err))


def _fail(message: str) -> None:
    sys.exit(f"codementor assignments: {message}")


def cmd_add(args) -> None:
    from types import SimpleNamespace

    from codementor.api.errors import InvalidRequest
    from codementor.api.services.assignments import assignment_view, due_instant, pin
    from codementor.exercise_bank import Bank

    try:
        day = date.fromisoformat(args.day)
        due = datetime.fromisoformat(args.due) if args.due else None
        due = due_instant(SimpleNamespace(day=day, due_at=due), args.timezone)
    except ValueError as err:
        _fail(f"{err} (day: YYYY-MM-DD; --due: an ISO 8601 time such as {args.day or '2027-01-15'}T17:00)")
    except InvalidRequest as err:
        _fail(err.message)
    if args.exercise_id not in Bank():
        print(f"note: {args.exercise_id!r} is not in the built-in bank; it is delivered only if a course folder for this group has it", file=sys.stderr)
    row = _run(args, lambda session: pin(session, args.group, args.exercise_id, day, due))
    print(json.dumps(assignment_view(row)))


def cmd_list(args) -> None:
    from codementor.api.services.assignments import assignment_view, find

    since = date.fromisoformat(args.since) if args.since else None
    rows = _run(args, lambda session: find(session, [args.group] if args.group else None, since, None, 1000))
    for row in rows:
        view = assignment_view(row)
        print(f"{view['id']:>6}  {view['day']}  {view['group']:<20} {view['exercise_id']:<32} due {view['due_at'] or '-'}")
    if not rows:
        print("no assignments")


def cmd_remove(args) -> None:
    from codementor.api.errors import NotFound
    from codementor.api.services.assignments import unpin

    try:
        _run(args, lambda session: unpin(session, args.id, None))
    except NotFound as err:
        _fail(err.message)
    print(f"removed assignment {args.id}")


def register(sub) -> None:
    top = sub.add_parser("assignments", help="pin exercises to a day for a Hub group (what instructors do through the API)")
    actions = top.add_subparsers(dest="action", required=True)
    p = actions.add_parser("add", help="pin EXERCISE to DAY for GROUP (again: changes the due time)")
    p.add_argument("group")
    p.add_argument("exercise_id")
    p.add_argument("day", help="YYYY-MM-DD")
    p.add_argument("--due", default=None, help="due time, ISO 8601 (e.g. 2027-01-15T17:00); without an offset, in --timezone")
    p.add_argument("--timezone", default=os.environ.get("CODEMENTOR_TIMEZONE", "UTC"))
    p.set_defaults(func=cmd_add)
    p = actions.add_parser("list", help="the assignments, by day")
    p.add_argument("--group", default=None)
    p.add_argument("--since", default=None, help="YYYY-MM-DD")
    p.set_defaults(func=cmd_list)
    p = actions.add_parser("remove", help="unpin one assignment by its id")
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_remove)
    for action in (actions.choices["add"], actions.choices["list"], actions.choices["remove"]):
        action.add_argument("--database-url", default=None, help="defaults to $DATABASE_URL, else the state folder's")
        action.add_argument("--state-dir", default=None, help="the course's state folder, whose classroom.env or demo.env names the "
                            "database (default: $CODEMENTOR_STATE_DIR, else /var/lib/codementor if it exists, else .state/demo if it exists)")
