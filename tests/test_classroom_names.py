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


def test_the_firewall_accepts_replies_first_then_the_allowed_ports_then_refuses_the_machine():
    from codementor.hub_config.classroom_layers import firewall_rules

    rules = firewall_rules([8000, 10101], dns=False)
    assert rules[0] == ["-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"]
    assert [r[r.index("--dport") + 1] for r in rules if "--dport" in r] == ["8000", "10101"]
    assert all("LOCAL" in r for r in rules[1:])  # only this machine's addresses are filtered
    assert rules[-1][-2:] == ["-j", "REJECT"] and "tcp-reset" in rules[-2]
    assert sum("53" in r for r in firewall_rules([8000], dns=True)) == 2  # a local resolver, udp and tcp


def test_mount_points_below_a_folder_are_read_from_the_mount_table(tmp_path):
    from codementor.hub_config.classroom_layers import mount_points

    table = tmp_path / "mountinfo"
    table.write_text(
        "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
        "30 22 7:0 / /home/cm-ana rw - ext4 /dev/loop0 rw\n"
        "31 22 7:1 / /home/cm-ana2 rw - ext4 /dev/loop1 rw\n"
        "32 22 0:5 / /homework rw - tmpfs x rw\n"
        "33 22 7:2 / /home/with\\040space rw - ext4 /dev/loop2 rw\n"
    )
    assert mount_points("/home", str(table)) == ["/home/cm-ana", "/home/cm-ana2", "/home/with space"]
    assert mount_points("/home/cm-ana", str(table)) == ["/home/cm-ana"]


@pytest.mark.parametrize("raw, expected", [("2G", 2 << 30), ("256M", 256 << 20), ("1.5g", 3 << 29), ("4096", 4096), ("0", 0), ("", 0)])
def test_size_settings_take_bytes_or_a_suffix(monkeypatch, raw, expected):
    from codementor.hub_config.classroom_profile import _bytes

    monkeypatch.setenv("CODEMENTOR_STUDENT_DISK_LIMIT", raw)
    assert _bytes("CODEMENTOR_STUDENT_DISK_LIMIT", "2G") == expected


def test_a_bad_size_setting_names_it(monkeypatch):
    from codementor.hub_config.classroom_profile import _bytes

    monkeypatch.setenv("CODEMENTOR_STUDENT_DISK_LIMIT", "lots")
    with pytest.raises(SystemExit, match="CODEMENTOR_STUDENT_DISK_LIMIT='lots' is not a size"):
        _bytes("CODEMENTOR_STUDENT_DISK_LIMIT", "2G")


def test_a_full_home_is_one_clear_line():
    import errno

    from tornado import web

    from codementor.server_ext.contents import _disk_full, full_message

    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as err:
            raise web.HTTPError(500, "Unexpected error while saving file") from err
    except web.HTTPError as wrapped:
        assert _disk_full(wrapped)
    assert not _disk_full(web.HTTPError(500, "other"))
    line = full_message("work/a.ipynb", 64 << 20)
    assert "\n" not in line and "work/a.ipynb was not saved" in line and "allowance is 64 MiB" in line
