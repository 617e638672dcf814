"""Page sizes and cursors of every list the API serves: one limit check, one cursor codec; keyset pagination by id."""

from __future__ import annotations

import base64

from ..errors import InvalidRequest

MAX_ID = 2**63 - 1  # Postgres bigint


def check_page_limit(limit: int, most: int) -> int:
    """`limit` if it is a page size this list allows (1..most), else a 400."""
    if not 1 <= limit <= most:
        raise InvalidRequest(f"limit must be between 1 and {most}")
    return limit


def encode_text_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def decode_text_cursor(cursor: str) -> str:
    """The text of a cursor this API gave out, or a 400 (every cursor's one decoder)."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        text = "\x00"
    if "\x00" in text:  # Postgres text never holds NUL: no cursor of ours does
        raise InvalidRequest("the cursor is not one this API gave out")
    return text


def encode_cursor(last_id: int) -> str:
    return encode_text_cursor(str(last_id))


def decode_cursor(cursor: str) -> int:
    text = decode_text_cursor(cursor)
    value = int(text) if text.isascii() and text.isdigit() and len(text) <= 19 else 0  # "²".isdigit(), but int("²") fails
    if not 0 < value <= MAX_ID:
        raise InvalidRequest("the cursor is not one this API gave out")
    return value


async def newest_first(session, stmt, id_column, limit: int, cursor: str | None) -> tuple[list, str | None]:
    """One page of `stmt` (a select of ORM rows) ordered by `id_column` descending, and the next cursor."""
    stmt = stmt.order_by(id_column.desc()).limit(limit + 1)
    if cursor:
        stmt = stmt.where(id_column < decode_cursor(cursor))
    rows = list((await session.execute(stmt)).scalars())
    page = rows[:limit]
    return page, (encode_cursor(page[-1].id) if len(rows) > limit else None)
