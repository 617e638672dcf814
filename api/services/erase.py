"""Deleting a user: their rows, the cached answers made from their prompts, their Hub account.

The order makes a retry safe: the Hub account goes first (a Hub that does not answer stops
everything before anything is deleted), then every row in one transaction with its audit
event, then the cache. Home folders and system users (classroom profile) are the host's:
`codementor users delete NAME`, run as root on the Hub's machine, removes them; the API cannot.
"""

from __future__ import annotations

import httpx
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from ..auth import forget_confirmations
from ..errors import Unavailable
from ..gateway.cache import forget_owner
from ..grader.turns import forget_grading_turn
from ..models import DeletionRequest, User
from . import audit
from .answering import forget_turn
from .limits import forget_user
from .userdata import delete_rows, find_user

HOST_PENDING = "home folder and system user (classroom profile only): run `codementor users delete NAME` as root on the Hub's machine"


class HubUsers:
    """The Hub's REST API for user accounts, with a token holding the delete:users scope."""

    def __init__(self, api_url: str, token: str):
        self.api_url, self.token = api_url.rstrip("/"), token

    async def delete(self, name: str) -> str:
        """'deleted', or 'absent' when the Hub has no such user; Unavailable when the Hub refuses or is down."""
        try:
            async with httpx.AsyncClient(timeout=30) as client:
                resp = await client.delete(f"{self.api_url}/users/{name}", headers={"Authorization": f"token {self.token}"})
        except httpx.HTTPError as err:
            raise Unavailable(f"JupyterHub did not answer the deletion of the Hub user ({type(err).__name__}); nothing was deleted, try again") from None
        if resp.status_code == 404:
            return "absent"
        if resp.status_code in (401, 403):
            raise Unavailable(f"JupyterHub refused to delete the Hub user (HTTP {resp.status_code}: the token needs the delete:users scope); nothing was deleted")
        if resp.status_code >= 300:
            try:
                said = resp.json().get("message", "")
            except (ValueError, AttributeError):
                said = ""
            raise Unavailable(f"JupyterHub did not delete the Hub user (HTTP {resp.status_code}{': ' + said if said else ''}); nothing was deleted, try again")
        return "deleted"


async def erase_user(sessionmaker, redis, hub: HubUsers | None, name: str, actor_id: int | None, actor_role: str, **details) -> dict:
    """Delete everything about `name`; a report of what went (rows per table, cached answers, Hub user).

    `details` go into the audit event (e.g. that the host's part is still pending)."""
    async with sessionmaker() as session:
        user_id = await find_user(session, name)
    hub_state = await hub.delete(name) if hub else "not asked"
    async with sessionmaker() as session, session.begin():
        rows = await delete_rows(session, user_id)
        await audit.record(session, "delete_user", actor_id, actor_role, user_id, rows=sum(rows.values()), hub_user=hub_state, **details)
    try:
        cached = await forget_owner(redis, user_id)
        left = await forget_redis_state(redis, name, user_id)
    except RedisError as err:  # the rows are gone: say what stays, do not undo
        said = (str(err).strip().splitlines() or [type(err).__name__])[0]
        cached, left = 0, {"redis_keys": 0, "redis_left": REDIS_LEFT.format(error=said)}
    return {"user_id": user_id, "rows": rows, "cached_answers": cached, **left, "hub_user": hub_state}


REDIS_LEFT = ("Redis did not answer ({error}): the user's cached answers and rate-limit state stay until they expire "
              "(a day at most for the limits); check REDIS_URL")


async def forget_redis_state(redis, name: str, user_id: int | None) -> dict:
    """Delete what Redis keeps by `name` and id: rate-limit windows, daily caps, idempotency marks, a tutor turn, token
    confirmations, a grading turn (a new user of the same name starts clean); the count, as a report entry."""
    count = await forget_user(redis, name) + await forget_confirmations(redis, name)
    if user_id is not None:
        count += await forget_turn(redis, user_id) + await forget_grading_turn(redis, user_id)
    return {"redis_keys": count}


async def request_deletion(session, user_id: int):
    """Record (once) that a student asked to be deleted; when they first asked."""
    stmt = insert(DeletionRequest).values(user_id=user_id)
    await session.execute(stmt.on_conflict_do_nothing())
    return (await session.execute(select(DeletionRequest.requested_at).where(DeletionRequest.user_id == user_id))).scalar_one()


async def pending_requests(session) -> list[dict]:
    """Every open deletion request, oldest first, with the student's name (admins act on names)."""
    rows = await session.execute(
        select(User.id, User.name, DeletionRequest.requested_at).join(User, User.id == DeletionRequest.user_id).order_by(DeletionRequest.requested_at)
    )
    return [{"user_id": r.id, "name": r.name, "requested_at": r.requested_at.isoformat()} for r in rows]


