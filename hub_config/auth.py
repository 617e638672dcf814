"""Authenticator pieces shared by the Hub profiles."""

from __future__ import annotations

from jupyterhub import orm
from jupyterhub.authenticators.shared import SharedPasswordAuthenticator
from sqlalchemy.orm import object_session
from traitlets import Unicode
from traitlets.config import Configurable


class StudentsByDefault(Configurable):
    """Mixin for an Authenticator: a new user who belongs to no group joins `default_group`.

    Runs from `add_user`, which the Hub calls for a first login, for a user created in the
    admin panel or the REST API, and (idempotently) for every user at start-up. Admins and
    users already in a group are left alone, so instructors stay out of the class list.
    """

    default_group = Unicode(
        "students",
        help="Hub group a new user without a group joins (empty: none). Instructors are put in `instructors` by an admin.",
    ).tag(config=True)

    async def add_user(self, user):
        result = super().add_user(user)
        if hasattr(result, "__await__"):
            await result
        # at start-up the Hub passes its orm.User, elsewhere its User wrapper
        orm_user = getattr(user, "orm_user", user)
        if self.default_group and not orm_user.admin and not orm_user.groups and not self._group_from_config(orm_user.name):
            db = object_session(orm_user)
            group = orm.Group.find(db, self.default_group)
            if group is None:
                group = orm.Group(name=self.default_group)
                db.add(group)
            orm_user.groups.append(group)
            db.commit()
            self.log.info("new user %s joined the group %s", user.name, self.default_group)


    def _group_from_config(self, name: str) -> bool:
        """Does `c.JupyterHub.load_groups` put this user in a group? At start-up the Hub adds its users before it
        loads the groups, so without this check the demo's instructors would join `students` first."""
        for spec in (getattr(self.parent, "load_groups", None) or {}).values():
            if name in (spec.get("users", ()) if isinstance(spec, dict) else spec):
                return True
        return False


class DemoAuthenticator(StudentsByDefault, SharedPasswordAuthenticator):
    """The demo's shared-password login, with new users landing in `students`."""
