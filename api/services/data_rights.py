"""A user's rights over their data (export, deletion request) and the admins' side of them, audited."""

from __future__ import annotations

from ..errors import Forbidden, InvalidRequest
from . import audit
from .erase import HOST_PENDING, erase_user, pending_requests, request_deletion
from .userdata import archive, collect, find_user

NEXT_STEP = "an admin will delete your account and data; export them first with %mydata"


def require_admin(who) -> None:
    if who.role != "admin":
        raise Forbidden("only admins may do this")


async def export_archive(ctx, user_id: int, sees=None) -> bytes:
    """Everything stored about a user, as one zip; with `sees` (the exercises the user may see), the other exercises
    a tutor answer was remembered for (`tutor_disclosures.touches`) only among those."""
    async with ctx.sessionmaker() as session:
        data = await collect(session, user_id)
    if sees is not None:
        data["tutor_disclosures"] = [{**row, "touches": [x for x in row.get("touches") or () if x in sees]}
                                     for row in data.get("tutor_disclosures", [])]
    return archive(data, ctx.clock())


async def my_export(ctx, who) -> bytes:
    """A user's own export: no id of an exercise their courses do not give (rows written before the filter kept
    to the student's courses may name one)."""
    return await export_archive(ctx, await ctx.users.user_id(who), ctx.bank_for(who))


async def ask_deletion(ctx, who, confirm: str) -> dict:
    """Record `who`'s request to be deleted; they confirm it by typing their own name."""
    if confirm != who.name:
        raise InvalidRequest("type your own user name in 'confirm' to ask for the deletion of your data", fields={"confirm": "does not match"})
    user_id = await ctx.users.user_id(who)
    async with ctx.sessionmaker() as session, session.begin():
        when = await request_deletion(session, user_id)
    return {"requested_at": when.isoformat(), "next": NEXT_STEP}


async def user_export(ctx, who, name: str) -> bytes:
    """Admins: one user's export, audited."""
    require_admin(who)
    actor = await ctx.users.user_id(who)
    async with ctx.sessionmaker() as session, session.begin():
        user_id = await find_user(session, name)
        await audit.record(session, "export_user", actor, who.role, user_id)
    return await export_archive(ctx, user_id)


async def delete_user(ctx, who, name: str) -> dict:
    """Admins: delete every row about `name` and their Hub account (never one's own), audited."""
    require_admin(who)
    if name == who.name:
        raise InvalidRequest("admins cannot delete themselves through the API")
    actor = await ctx.users.user_id(who)
    report = await erase_user(ctx.sessionmaker, ctx.redis, ctx.hub_users, name, actor, who.role, host="pending")
    ctx.users.forget(name)
    return {**report, "host": HOST_PENDING}


async def deletion_requests(ctx, who) -> dict:
    """Admins: the open deletion requests, oldest first (the listing is audited)."""
    require_admin(who)
    actor = await ctx.users.user_id(who)
    async with ctx.sessionmaker() as session, session.begin():
        requests = await pending_requests(session)
        await audit.record(session, "list_deletion_requests", actor, who.role, count=len(requests))
    return {"requests": requests}


async def audit_trail(ctx, who, limit: int, cursor: str | None) -> dict:
    """Admins: one page of the audit trail, newest first (reading it is audited too)."""
    require_admin(who)
    actor = await ctx.users.user_id(who)
    async with ctx.sessionmaker() as session, session.begin():
        data = await audit.page(session, limit, cursor)
        await audit.record(session, "view_audit", actor, who.role)
    return data
