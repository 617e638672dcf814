"""Everything stored about one user, found from the schema itself: export it, delete it.

A table is about a user when it has a foreign key to users.id, or a foreign key to a table
that is (tutor_messages through tutor_conversations). New tables are picked up without a
list to keep up to date; tests/test_students_data.py walks the metadata to prove it.
The audit trail is the one exception (see RETAINED): it keeps opaque ids, never names.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Table, delete, or_, select

from ..errors import NotFound
from ..models import Base, User
from .submissions import hidden_summary, visible_results

USERS = User.__table__
# tables with a user column that a deletion keeps on purpose, and why
RETAINED = {"audit_events": "append-only record of who accessed whose data; holds opaque users.id values, no names"}


@dataclass(frozen=True)
class Link:
    """How `table` reaches a user: each (column, parent table, parent column) points at users or another personal table."""

    table: Table
    refs: tuple[tuple[str, Table, str], ...]


def user_links(metadata=Base.metadata) -> dict[str, Link]:
    """Every table that holds rows about a user (other than users itself), keyed by name."""
    users = metadata.tables["users"]
    links: dict[str, Link] = {}
    changed = True
    while changed:
        changed = False
        for table in metadata.sorted_tables:
            if table is users:
                continue
            refs = tuple(
                (fk.parent.name, fk.column.table, fk.column.name)
                for fk in sorted(table.foreign_keys, key=lambda fk: fk.parent.name)
                if fk.column.table is users or fk.column.table.name in links
            )
            if refs and (table.name not in links or links[table.name].refs != refs):
                links[table.name] = Link(table, refs)
                changed = True
    return links


def rows_condition(link: Link, user_id: int, links: dict[str, Link]):
    """A WHERE clause selecting `link.table`'s rows about `user_id` (through any of its references)."""
    clauses = []
    for column, parent, parent_column in link.refs:
        if parent is USERS:
            clauses.append(link.table.c[column] == user_id)
        else:
            inner = select(parent.c[parent_column]).where(rows_condition(links[parent.name], user_id, links))
            clauses.append(link.table.c[column].in_(inner))
    return or_(*clauses)


async def find_user(session, name: str) -> int:
    user_id = (await session.execute(select(USERS.c.id).where(USERS.c.name == name))).scalar_one_or_none()
    if user_id is None:
        raise NotFound(f"the API has no data about a user named {name!r}")
    return user_id


def _plain(value):
    return value.isoformat() if isinstance(value, (datetime, date)) else value


async def collect(session, user_id: int) -> dict[str, list[dict]]:
    """Every row about `user_id`, by table name (users first, then the schema's order)."""
    tables = {"users": (USERS, USERS.c.id == user_id)}
    links = user_links()
    for name, link in links.items():
        tables[name] = (link.table, rows_condition(link, user_id, links))
    audit = Base.metadata.tables["audit_events"]
    tables["audit_events"] = (audit, audit.c.subject_user_id == user_id)  # who looked at your data
    data = {}
    for name, (table, where) in tables.items():
        order = list(table.primary_key.columns)
        rows = (await session.execute(select(table).where(where).order_by(*order))).mappings()
        data[name] = [{k: _plain(v) for k, v in row.items()} for row in rows]
    return data


README = """Everything CodeMentor stores about you, as of {when}.

One JSON file per table (a list of rows), manifest.json with the row counts, and each code
submission as code/<submission id>-<exercise>.py. A submission lists its visible tests' results
and counts its hidden tests' (hidden_tests), as the submission itself showed them. audit_events lists the instructors' and
admins' accesses to your data. The privacy page of the service says how long each part is kept.
"""


def archive(data: dict[str, list[dict]], when: datetime) -> bytes:
    """The zip a student downloads: JSON per table, code as .py files, a manifest."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("README.txt", README.format(when=when.isoformat(timespec="seconds")))
        zf.writestr("manifest.json", json.dumps({"exported_at": when.isoformat(), "rows": {k: len(v) for k, v in data.items()}}, indent=1))
        for name, rows in data.items():
            if name == "submissions":  # which hidden test passed stays on the server, as in the API
                rows = [{**row, "results": visible_results(row.get("results")), "hidden_tests": hidden_summary(row.get("results"))} for row in rows]
            zf.writestr(f"{name}.json", json.dumps(rows, indent=1, default=str))
        for row in data.get("submissions", []):
            if row.get("code") is not None:
                zf.writestr(f"code/{row['id']}-{row['exercise_id']}.py", row["code"])
    return buf.getvalue()


async def delete_rows(session, user_id: int) -> dict[str, int]:
    """Delete every row about `user_id` (children before parents); rows deleted per table."""
    links = user_links()
    counts = {}
    for table in reversed(Base.metadata.sorted_tables):
        if table.name in links:
            result = await session.execute(delete(table).where(rows_condition(links[table.name], user_id, links)))
            counts[table.name] = result.rowcount
    counts["users"] = (await session.execute(delete(USERS).where(USERS.c.id == user_id))).rowcount
    return counts
