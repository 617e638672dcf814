"""The audit trail: instructors' and admins' actions on students' data, append-only.

Only INSERT happens here; Postgres refuses UPDATE, DELETE and TRUNCATE on audit_events
(migration 0005). Actor and subject are opaque users.id values, so deleting a user leaves
the trail intact and no longer tied to a name.
"""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..models import AuditEvent, User
from .pagination import check_page_limit, newest_first

ACTIONS = (
    "view_student",  # an instructor's drill-down of one student
    "export_class_csv",  # the class export (rows of every student in scope)
    "export_user",  # an admin's (or the command line's) export of one user
    "delete_user",
    "list_deletion_requests",
    "view_audit",
)
# done on the Hub's own pages and reported by the Hub (hub_config/audit.py, POST /admin/audit/hub-events)
HUB_ACTIONS = (
    "approve_signup",  # an admin approved a sign-up on /hub/authorize
    "revoke_signup",
    "grant_admin",  # a user's admin flag set or cleared (admin panel, REST API)
    "revoke_admin",
    "add_to_group",  # a user added to or removed from a group (instructors, a class); details.group names it
    "remove_from_group",
)
CLI = "cli"  # actor_role of the `codementor` command run on the server


async def record(session, action: str, actor_id: int | None, actor_role: str, subject_id: int | None = None, **details) -> None:
    """Append one event (in the caller's transaction, so it lands with the action or not at all)."""
    if action not in ACTIONS + HUB_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    await session.execute(
        insert(AuditEvent).values(action=action, actor_user_id=actor_id, actor_role=actor_role, subject_user_id=subject_id, details=details)
    )


async def user_id_for(session, name: str, role: str) -> int:
    """The users.id of `name`, a row made for a user the API has not seen yet (with `role`; a known user's role
    is left as the API last saw it)."""
    await session.execute(pg_insert(User).values(name=name, role=role).on_conflict_do_nothing(index_elements=[User.name]))
    return (await session.execute(select(User.id).where(User.name == name))).scalar_one()


async def record_hub_event(session, action: str, actor: str | None, actor_role: str, subject: str, details: dict) -> None:
    """One event the Hub reported, its names turned into the API's opaque user ids."""
    actor_id = await user_id_for(session, actor, actor_role if actor_role != "service" else "student") if actor else None
    await record(session, action, actor_id, actor_role, await user_id_for(session, subject, "student"), source="hub", **details)


def _view(event: AuditEvent, names: dict[int, str]) -> dict:
    return {
        "id": event.id, "at": event.at.isoformat(), "action": event.action, "actor_role": event.actor_role,
        "actor_id": event.actor_user_id, "actor": names.get(event.actor_user_id), "subject_id": event.subject_user_id,
        "subject": names.get(event.subject_user_id), "details": event.details,
    }


async def page(session, limit: int, cursor: str | None) -> dict:
    """Newest events first; names where the user still exists (a deleted user shows as an id only)."""
    events, next_cursor = await newest_first(session, select(AuditEvent), AuditEvent.id, check_page_limit(limit, 200), cursor)
    ids = {e.actor_user_id for e in events} | {e.subject_user_id for e in events}
    rows = (await session.execute(select(User.id, User.name).where(User.id.in_([i for i in ids if i is not None])))).all()
    names = dict(rows)
    return {"events": [_view(e, names) for e in events], "next_cursor": next_cursor}
