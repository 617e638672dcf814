"""What admins do on the Hub's own pages goes into the API's audit trail.

Approving (or revoking) a sign-up on /hub/authorize and changing a user's roles (the admin flag,
membership of groups such as `instructors` or a class) happen in JupyterHub, not in the API. The
Hub's handlers for them are replaced by subclasses that, once the change is made, post one event
per change to the API's ``POST /api/v1/admin/audit/hub-events``: who (the Hub user or service
that did it), what, to whom. The API accepts these only with the Hub's audit token, a secret
that only the Hub process and the API service hold (no Hub scope grants it, no student server
or kernel sees it), so no one else can write an entry; the API stores users' opaque ids, never
names.

Role changes are found by comparing each user's admin flag and groups before and after the
request, so every way a handler can change them (the admin panel, the REST API, creating a user
as an admin or with groups, deleting a group) is covered without parsing its body.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict

import httpx
from jupyterhub import orm
from jupyterhub.apihandlers.groups import GroupAPIHandler, GroupListAPIHandler, GroupUsersAPIHandler
from jupyterhub.apihandlers.users import UserAPIHandler, UserListAPIHandler
from traitlets import Float, Unicode, default
from traitlets.config import LoggingConfigurable

INSTRUCTORS_GROUP = "instructors"
Snapshot = dict[str, tuple[bool, frozenset]]


class HubAudit(LoggingConfigurable):
    """Posts the Hub's audit events to the API."""

    url = Unicode(
        help="The API's endpoint for the Hub's audit events, e.g. http://127.0.0.1:10101/services/codementor/api/v1/"
        "admin/audit/hub-events ($CODEMENTOR_HUB_AUDIT_URL). Empty: the Hub's admin actions are not audited.",
    ).tag(config=True)
    token = Unicode(
        help="The secret the API accepts the Hub's audit events with ($CODEMENTOR_HUB_AUDIT_TOKEN; the API's "
        "c.TutorAPI.hub_audit_token must be the same).",
    ).tag(config=True)
    timeout = Float(10.0, help="Seconds to wait for the API to take one event.").tag(config=True)

    @default("url")
    def _default_url(self):
        return os.environ.get("CODEMENTOR_HUB_AUDIT_URL", "")

    @default("token")
    def _default_token(self):
        return os.environ.get("CODEMENTOR_HUB_AUDIT_TOKEN", "")

    async def record(self, action: str, actor, subject: str, **details) -> bool:
        """Post one event; an API that does not take it is logged as an error (the change itself stands)."""
        if not (self.url and self.token):
            return False
        name, role, extra = actor_fields(actor)
        body = {"action": action, "actor": name, "actor_role": role, "subject": subject, "details": {**extra, **details}}
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                resp = await client.post(self.url, content=json.dumps(body), headers={
                    "Authorization": f"token {self.token}", "Content-Type": "application/json"})
            resp.raise_for_status()
        except httpx.HTTPError as err:
            self.log.error("Audit event %s by %s NOT recorded: the API did not take it (%s); check CODEMENTOR_HUB_AUDIT_URL "
                           "and that the API runs", action, body["actor_role"], type(err).__name__)
            return False
        return True


def actor_fields(actor) -> tuple[str | None, str, dict]:
    """Who did it, as the API records it: a Hub user's name and role, or a service (named in the details)."""
    if getattr(actor, "kind", "user") == "service":
        return None, "service", {"service": actor.name}
    if actor.admin:
        return actor.name, "admin", {}
    if any(group.name == INSTRUCTORS_GROUP for group in actor.groups):
        return actor.name, "instructor", {}
    return actor.name, "student", {}


def role_snapshot(db) -> Snapshot:
    """Every Hub user's admin flag and groups."""
    groups = defaultdict(set)
    for user, group in db.query(orm.User.name, orm.Group.name).join(orm.User.groups):
        groups[user].add(group)
    return {name: (bool(admin), frozenset(groups[name])) for name, admin in db.query(orm.User.name, orm.User.admin)}


def role_changes(before: Snapshot, after: Snapshot) -> list[tuple[str, str, dict]]:
    """(action, user, details) for each change of an admin flag or a group membership; a new user counts as
    having had neither, a deleted one is not a role change."""
    changes = []
    for name in sorted(after):
        was_admin, was_in = before.get(name, (False, frozenset()))
        admin, now_in = after[name]
        if admin != was_admin:
            changes.append(("grant_admin" if admin else "revoke_admin", name, {}))
        changes += [("add_to_group", name, {"group": group}) for group in sorted(now_in - was_in)]
        changes += [("remove_from_group", name, {"group": group}) for group in sorted(was_in - now_in)]
    return changes


class AuditedHandler:
    """Mixed into a Hub handler: `audit` (HubAudit) is injected by CodeMentorHub.init_handlers."""

    def initialize(self, audit: HubAudit | None = None):
        super().initialize()
        self.audit = audit

    async def audit_role_changes(self, before: Snapshot) -> None:
        if self.audit is None:
            return
        for action, name, details in role_changes(before, role_snapshot(self.db)):
            await self.audit.record(action, self.current_user, name, **details)


def _audited(method):
    async def audited_method(self, *args, **kwargs):
        before = role_snapshot(self.db)
        result = method(self, *args, **kwargs)
        if hasattr(result, "__await__"):
            result = await result
        await self.audit_role_changes(before)
        return result
    audited_method.__name__ = method.__name__
    return audited_method


def audited(handler: type) -> type:
    """`handler` whose changing methods record the role changes they made."""
    methods = {name: _audited(getattr(handler, name)) for name in ("post", "put", "patch", "delete") if name in vars(handler)}
    return type(f"Audited{handler.__name__}", (AuditedHandler, handler), methods)


AUDITED_HANDLERS = {
    handler: audited(handler)
    for handler in (UserListAPIHandler, UserAPIHandler, GroupListAPIHandler, GroupAPIHandler, GroupUsersAPIHandler)
}
