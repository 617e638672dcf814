"""Who is asking: Hub identity to API role, and the API's own row for that user."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..db import driver_connection

# the user's row, made the first time they are seen; role and last_seen_at kept current
UPSERT_USER = (
    "INSERT INTO users (name, role) VALUES (%(name)s, %(role)s) "
    "ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, last_seen_at = now() RETURNING id"
)


@dataclass(frozen=True)
class Identity:
    name: str
    role: str  # student | instructor | admin
    groups: tuple[str, ...]
    kind: str = "user"
    personal: tuple[str, ...] = ()  # names, e-mails and ids the login gives (never sent to a vendor)


# where authenticators put who someone is (OAuthenticator's auth_state, an LTI launch, LDAP)
LOGIN_FIELDS = ("name", "full_name", "display_name", "given_name", "family_name", "email", "preferred_username", "username",
                "login", "sub", "id", "user_id", "student_id", "lis_person_name_full", "lis_person_contact_email_primary", "uid")


def login_identities(model: dict) -> tuple[str, ...]:
    """The names, e-mails and ids a Hub user model (and its auth state, when the API may read it) carries."""
    found: list[str] = [model.get("name") or ""]
    sources = [model.get("auth_state") or {}]
    while sources:
        source = sources.pop()
        if not isinstance(source, dict):
            continue
        for key, value in source.items():
            if isinstance(value, dict):
                sources.append(value)  # e.g. auth_state["oauth_user"]
            elif key in LOGIN_FIELDS and isinstance(value, (str, int)) and not isinstance(value, bool):
                found.append(str(value))
    return tuple(dict.fromkeys(v.strip() for v in found if str(v).strip()))


def role_for(model: dict, instructor_groups: set[str]) -> str:
    """The API role of a Hub user model: admin, instructor (by group) or student."""
    if model.get("admin"):
        return "admin"
    if instructor_groups & set(model.get("groups") or ()):
        return "instructor"
    return "student"


class UserDirectory:
    """Maps Hub users to API users, creating the row the first time a user is seen."""

    def __init__(self, sessionmaker, instructor_groups, remember_seconds: float = 60.0, connect=None):
        self.sessionmaker = sessionmaker
        # the API's pool of plain connections (ctx.connection): a class's first requests each
        # made an ORM session for this one statement, a sixth of a worker's time at 1,000 students
        self.connect = connect
        self.instructor_groups = set(instructor_groups)
        # an id is looked up again after this long: a user deleted through another API process
        # (and re-created under the same name) is never served a stale id for longer
        self.remember_seconds = remember_seconds
        self._ids: dict[tuple[str, str], int] = {}
        self._seen: dict[tuple[str, str], float] = {}

    def identity(self, model: dict) -> Identity:
        return Identity(
            name=model["name"],
            role=role_for(model, self.instructor_groups),
            groups=tuple(model.get("groups") or ()),
            kind=model.get("kind", "user"),
            personal=login_identities(model),
        )

    def known_id(self, who: Identity) -> int | None:
        """The users.id of `who` if this process has already looked it up (for logs: no query)."""
        return self._ids.get((who.name, who.role))

    def forget(self, name: str) -> None:
        """Drop what this process remembers of `name` (after their deletion)."""
        self._ids = {key: value for key, value in self._ids.items() if key[0] != name}

    async def user_id(self, who: Identity) -> int:
        """The users.id of `who`, upserting name and role at most once per `remember_seconds` per process."""
        key = (who.name, who.role)
        # concurrent requests may both look up: whichever finishes sets id and time together
        if key not in self._ids or time.monotonic() - self._seen.get(key, float("-inf")) > self.remember_seconds:
            found = await self._upsert({"name": who.name, "role": who.role})
            self._ids[key], self._seen[key] = found, time.monotonic()
        return self._ids[key]

    async def _upsert(self, params: dict) -> int:
        if self.connect is not None:
            async with self.connect() as pg:
                return (await (await pg.execute(UPSERT_USER, params)).fetchone())[0]
        async with self.sessionmaker() as session, session.begin():
            return (await (await (await driver_connection(session)).execute(UPSERT_USER, params)).fetchone())[0]
