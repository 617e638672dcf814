"""The classroom profile's mapping from Hub names to system users, and its permission checks."""

from __future__ import annotations

import pytest

from codementor.hub_config.classroom import ClassroomError, check_students_can_run, closed_to_others, system_username


@pytest.mark.parametrize("name", ["ana", "ana-b", "a_1", "7ana", "x" * 28])
def test_safe_names_map_to_prefixed_system_users(name):
    assert system_username(name, "cm-") == "cm-" + name


@pytest.mark.parametrize("name", ["", "Ana", "a.b", "../etc", "a b", "-ana", "_ana", "x" * 29, "ana$", "an\na", "ana\n"])
def test_unsafe_names_are_refused(name):
    with pytest.raises(ClassroomError, match="cannot be mapped"):
        system_username(name, "cm-")


def test_a_bad_prefix_names_the_setting():
    with pytest.raises(ClassroomError, match="CODEMENTOR_SYSTEM_USER_PREFIX"):
        system_username("ana", "9")


def test_closed_folders_on_the_way_are_found(tmp_path):
    closed = tmp_path / "closed"
    program = closed / "open" / "python"
    program.parent.mkdir(parents=True)
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    program.parent.chmod(0o755)
    closed.chmod(0o700)
    assert closed in closed_to_others(program)
    with pytest.raises(ClassroomError, match="students cannot run"):
        check_students_can_run(program)
