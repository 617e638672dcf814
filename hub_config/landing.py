"""Where each role lands after signing in, and the dashboards link on the Hub's home page.

Students go to their own server, whose default URL (`/codementor/open-today`, served by the
server extension) opens today's notebook; instructors land on the class dashboards, not on a
server of their own starting; admins land on the admin panel. Plain functions of the Hub's
user object, so the rules are testable without a Hub.
"""

from __future__ import annotations

INSTRUCTORS_GROUP = "instructors"
DASHBOARDS_PAGE = "voila/render/overview.ipynb"


def role_of(user) -> str:
    """admin, instructor or student, from the Hub's admin flag and groups."""
    if user is None:
        return "anonymous"
    if getattr(user, "admin", False):
        return "admin"
    if any(getattr(g, "name", g) == INSTRUCTORS_GROUP for g in getattr(user, "groups", []) or []):
        return "instructor"
    return "student"


def dashboards_url(base_url: str, service: str) -> str:
    return f"{base_url.rstrip('/')}/services/{service}/{DASHBOARDS_PAGE}"


def landing_url(user, base_url: str, service: str) -> str:
    """Where a user goes when no page was asked for; "" keeps the Hub's default (their own server)."""
    role = role_of(user)
    if role == "admin":
        return f"{base_url.rstrip('/')}/hub/admin"
    if role == "instructor":
        return dashboards_url(base_url, service)
    return ""


def default_url(service: str):
    """A `c.JupyterHub.default_url` callable: the Hub passes the request handler."""

    def pick(handler) -> str:
        return landing_url(handler.current_user, handler.base_url, service)

    return pick


def dashboards_link(service: str, base_url: str = "/"):
    """A `c.JupyterHub.template_vars` callable: the dashboards' URL for instructors and admins, "" for others."""

    def link(user) -> str:
        return dashboards_url(base_url, service) if role_of(user) in ("admin", "instructor") else ""

    return link
