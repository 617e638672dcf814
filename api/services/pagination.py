"""Keyset pagination by id, newest first: the one cursor scheme of the API's own lists."""

from __future__ import annotations

import base64

from ..errors import InvalidRequest

MAX_ID = 2**63 - 1  # Postgres bigint


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        value = int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (ValueError, UnicodeDecodeError):
        value = 0
    if not 0 < value <= MAX_ID:
        raise InvalidRequest("the cursor is not one this API gave out")
    return value


def check_page_limit(limit: int, most: int) -> None:
    if not 1 <= limit <= most:
        raise InvalidRequest(f"limit must be between 1 and {most}")


async def newest_first(session, stmt, id_column, limit: int, cursor: str | None) -> tuple[list, str | None]:
    """One page of `stmt` (a select of ORM rows) ordered by `id_column` descending, and the next cursor."""
    stmt = stmt.order_by(id_column.desc()).limit(limit + 1)
    if cursor:
        stmt = stmt.where(id_column < decode_cursor(cursor))
    rows = list((await session.execute(stmt)).scalars())
    page = rows[:limit]
    return page, (encode_cursor(page[-1].id) if len(rows) > limit else None)
