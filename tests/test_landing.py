"""Where each role lands after signing in (hub_config/landing.py); the browser test drives the real Hub."""

from __future__ import annotations

from types import SimpleNamespace

from codementor.hub_config.landing import dashboards_link, default_url, landing_url, role_of


def hub_user(admin=False, groups=()):
    """The fields of JupyterHub's user object the rules read: the admin flag and group objects."""
    return SimpleNamespace(admin=admin, groups=[SimpleNamespace(name=g) for g in groups])


def test_each_role_lands_where_it_works():
    student, instructor, admin = hub_user(groups=["students"]), hub_user(groups=["instructors"]), hub_user(admin=True, groups=["instructors"])
    assert [role_of(u) for u in (student, instructor, admin, None)] == ["student", "instructor", "admin", "anonymous"]
    assert landing_url(student, "/", "dashboards") == ""  # the Hub's default: their own server, today's notebook
    assert landing_url(None, "/", "dashboards") == ""
    assert landing_url(instructor, "/", "dashboards") == "/services/dashboards/voila/render/overview.ipynb"
    assert landing_url(admin, "/base/", "dashboards") == "/base/hub/admin"
    handler = SimpleNamespace(current_user=instructor, base_url="/base/")
    assert default_url("dashboards")(handler) == "/base/services/dashboards/voila/render/overview.ipynb"


def test_the_home_page_link_is_for_instructors_and_admins_only():
    link = dashboards_link("dashboards", "/")
    assert link(hub_user(groups=["students"])) == "" and link(None) == ""
    assert link(hub_user(groups=["instructors"])) == link(hub_user(admin=True)) == "/services/dashboards/voila/render/overview.ipynb"
