"""The Hub's side of the audit trail as plain functions (the end-to-end path is in test_students_data.py
and test_classroom.py): which role changes a request made, and who did it."""

from __future__ import annotations

from types import SimpleNamespace

from codementor.hub_config.audit import actor_fields, role_changes


def test_role_changes_name_each_flag_and_group_that_moved():
    before = {"ana": (False, frozenset({"students"})), "bob": (True, frozenset()), "gone": (False, frozenset({"students"}))}
    after = {"ana": (True, frozenset({"instructors"})), "bob": (False, frozenset()), "new": (False, frozenset({"students"}))}
    assert role_changes(before, after) == [
        ("grant_admin", "ana", {}),
        ("add_to_group", "ana", {"group": "instructors"}),
        ("remove_from_group", "ana", {"group": "students"}),
        ("revoke_admin", "bob", {}),
        ("add_to_group", "new", {"group": "students"}),  # a new user counts as having had no group; a deleted one is no change
    ]
    assert role_changes(after, after) == []


def test_the_actor_is_a_user_with_her_role_or_a_service_by_name():
    group = SimpleNamespace(name="instructors")
    assert actor_fields(SimpleNamespace(kind="user", name="ada", admin=False, groups=[group])) == ("ada", "instructor", {})
    assert actor_fields(SimpleNamespace(kind="user", name="root-ish", admin=True, groups=[])) == ("root-ish", "admin", {})
    assert actor_fields(SimpleNamespace(kind="user", name="al", admin=False, groups=[])) == ("al", "student", {})
    assert actor_fields(SimpleNamespace(kind="service", name="ops")) == (None, "service", {"service": "ops"})
