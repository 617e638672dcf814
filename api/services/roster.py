"""Which students a viewer may see: the Hub's groups decide, the API only asks.

Rule (documented in the README): an instructor sees the members of the groups they belong
to themselves, other than instructor groups (an instructor in ``cs101`` sees ``cs101``).
An instructor in no such group falls back to ``c.TutorAPI.class_groups``, which maps an
instructor group to the groups it teaches (default: ``instructors`` teach ``students``).
Instructors never appear in a class. Admins see every student; students see no class.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from ..errors import Forbidden, Unavailable
from .users import Identity


@dataclass(frozen=True)
class ClassScope:
    """What one viewer may see: `names` is None for everyone (admins)."""

    viewer: str
    groups: tuple[str, ...] | None
    names: frozenset[str] | None
    known: frozenset[str] = frozenset()  # admins: Hub group members the API may not have seen yet

    def allows(self, name: str) -> bool:
        return self.names is None or name in self.names


def student_groups(who: Identity, class_groups: dict, instructor_groups: set[str]) -> list[str]:
    """The groups whose members an instructor may see (see the module docstring)."""
    own = {g for g in who.groups if g not in instructor_groups}
    if own:
        return sorted(own)
    return sorted({g for group in who.groups for g in class_groups.get(group, ())})


class Roster:
    """Asks the Hub (with the API service's own token) who is in a group; caches briefly."""

    def __init__(self, hub_api_url: str, token: str, class_groups: dict, instructor_groups, ttl: float = 30.0):
        self.hub_api_url = hub_api_url.rstrip("/")
        self.token = token
        self.class_groups = {k: list(v) for k, v in class_groups.items()}
        self.instructor_groups = set(instructor_groups)
        self.ttl = ttl
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._fetching: dict[str, asyncio.Task] = {}

    def taught_groups(self, who: Identity) -> list[str]:
        """The groups an instructor teaches (no Hub request: their own groups and c.TutorAPI.class_groups)."""
        return student_groups(who, self.class_groups, self.instructor_groups)

    async def members(self, group: str) -> frozenset[str]:
        """The members of `group`; when the cached list is too old, one request to the Hub per group, however many ask at once."""
        hit = self._cache.get(group)
        if hit and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        # a class asking at once after the cache expired once sent the Hub one (large) group request each
        fetch = self._fetching.get(group)
        if fetch is None:
            fetch = self._fetching[group] = asyncio.ensure_future(self._fetch_members(group))
            fetch.add_done_callback(lambda done: self._fetching.pop(group) if self._fetching.get(group) is done else None)
        return await asyncio.shield(fetch)

    async def _fetch_members(self, group: str) -> frozenset[str]:
        resp = await self._get(f"/groups/{quote(group, safe='')}")
        if resp.status_code == 404:
            names = frozenset()
        else:
            resp.raise_for_status()
            names = frozenset(resp.json().get("users") or ())
        self._cache[group] = (time.monotonic(), names)
        return names

    async def _get(self, path: str):
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                resp = await client.get(f"{self.hub_api_url}{path}", headers={"Authorization": f"token {self.token}"})
        except httpx.HTTPError as err:
            raise Unavailable(f"the Hub API did not answer ({type(err).__name__}); check that JupyterHub is running") from None
        if resp.status_code == 403:
            raise Unavailable("the API service may not read Hub groups: grant its role the scopes list:groups and read:groups in jupyterhub_config.py")
        if resp.status_code >= 500:
            raise Unavailable(f"the Hub API answered {resp.status_code}; check that JupyterHub is healthy")
        return resp

    async def all_group_members(self, page: int = 200) -> frozenset[str]:
        """Members of every group but the instructor groups (for an admin's roster)."""
        names: set[str] = set()
        offset = 0
        while True:
            resp = await self._get(f"/groups?offset={offset}&limit={page}")
            resp.raise_for_status()
            groups = resp.json()
            for group in groups:
                if group["name"] not in self.instructor_groups:
                    names |= set(group.get("users") or ())
            if len(groups) < page:
                break
            offset += page
        for group in self.instructor_groups:
            names -= await self.members(group)
        return frozenset(names)

    async def classmates(self, who: Identity) -> frozenset[str]:
        """Everyone in the groups of `who` and in the instructor groups: names a student may mention."""
        names: set[str] = set()
        for group in {*who.groups, *self.instructor_groups}:
            names |= await self.members(group)
        return frozenset(names)

    async def scope_for(self, who: Identity) -> ClassScope:
        """The class `who` may see, or Forbidden for a student."""
        if who.role == "admin":
            return ClassScope(who.name, None, None, await self.all_group_members())
        if who.role != "instructor":
            raise Forbidden("the class endpoints are for instructors and admins")
        groups = student_groups(who, self.class_groups, self.instructor_groups)
        names: set[str] = set()
        for group in groups:
            names |= await self.members(group)
        for group in self.instructor_groups:
            names -= await self.members(group)
        return ClassScope(who.name, tuple(groups), frozenset(names))
