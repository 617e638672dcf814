"""cgroup v2 beside v1 (isolation/cgroups.py): the settings' translation, and what this host lets
a test do with a cgroup2 hierarchy mounted for it.

This host runs cgroup v1: memory, cpu and pids are bound to v1 hierarchies, and a controller
bound to v1 cannot be enabled in a v2 mount, so no v2 limit is enforced here. What is checked
for real on a fresh cgroup2 mount: a group is made, a busy group's processes move to a leaf
before it hands a controller to its children, and a controller the subtree lacks is refused
with a message naming it (never assumed applied).
"""

from __future__ import annotations

import os
import subprocess
import tempfile

import pytest

from codementor.isolation import cgroups


def test_v1_settings_become_v2_files():
    assert cgroups.v2_settings({"memory.limit_in_bytes": 256 << 20, "memory.swappiness": 0}) == {"memory.max": 256 << 20, "memory.swap.max": 0}
    assert cgroups.v2_settings(cgroups.cpu_quota(1.5)) == {"cpu.max": "150000 100000"}
    assert cgroups.v2_settings({"cpu.cfs_quota_us": -1}) == {"cpu.max": "max 100000"}
    assert cgroups.v2_settings({"pids.max": 64}) == {"pids.max": 64}


def test_the_report_names_the_layer_that_applies_here():
    expected = "v1" if cgroups.cgroup_v1_mount("memory") else ("v2" if cgroups.cgroup_v2_root() else "none")
    assert cgroups.cgroup_version("memory") == expected
    print(f"\nmemory, cpu, pids here: {[cgroups.cgroup_version(c) for c in cgroups.CONTROLLERS]}")


@pytest.fixture
def cgroup2(monkeypatch):
    """A cgroup2 hierarchy mounted for the test, our subtree in it as CODEMENTOR_CGROUP2_ROOT."""
    if os.geteuid() != 0:
        pytest.skip("mounting cgroup2 needs root")
    point = tempfile.mkdtemp(prefix="cm-cgroup2-")
    if subprocess.run(["mount", "-t", "cgroup2", "none", point], capture_output=True).returncode != 0:
        os.rmdir(point)
        pytest.skip("this machine does not let a test mount a cgroup2 hierarchy")
    root = os.path.join(point, f"codementor-test-{os.getpid()}")
    os.mkdir(root)
    monkeypatch.setenv("CODEMENTOR_CGROUP2_ROOT", root)
    given: list[str] = []  # controllers a test handed to the subtree, taken back at the end
    yield point, root, given
    for folder, dirs, _ in sorted(os.walk(root), key=lambda entry: -len(entry[0])):
        for pid in open(os.path.join(folder, "cgroup.procs")).read().split():
            with open(os.path.join(point, "cgroup.procs"), "w") as f:
                f.write(pid)
        os.rmdir(folder)
    for controller in given:
        with open(os.path.join(point, "cgroup.subtree_control"), "w") as f:
            f.write(f"-{controller}")
    subprocess.run(["umount", point], check=True)
    os.rmdir(point)


def test_a_busy_group_moves_its_processes_to_a_leaf_before_delegating(cgroup2):
    point, root, given = cgroup2
    available = open(os.path.join(point, "cgroup.controllers")).read().split()
    print(f"\ncontrollers a cgroup2 mount offers here: {available or 'none'}")
    if not available:
        pytest.skip("no controller is free for cgroup v2 on this host")
    # the subtree gets the controller from above, as systemd's Delegate=yes gives a unit's group
    top = os.path.join(point, "cgroup.subtree_control")
    if available[0] not in open(top).read().split():
        given.append(available[0])
    with open(top, "w") as f:
        f.write(f"+{available[0]}")
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        with open(os.path.join(root, "cgroup.procs"), "w") as f:
            f.write(str(sleeper.pid))
        cgroups._delegate(root, available[0])
        assert open(os.path.join(root, "cgroup.procs")).read().split() == []
        assert open(os.path.join(root, "codementor-main", "cgroup.procs")).read().split() == [str(sleeper.pid)]
        assert available[0] in open(os.path.join(root, "cgroup.subtree_control")).read().split()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_controller_bound_to_v1_is_refused_by_name(cgroup2):
    point, root, _ = cgroup2
    for controller in ("memory", "pids", "cpu"):
        if controller in open(os.path.join(point, "cgroup.controllers")).read().split():
            continue  # free for v2 here: then the limit applies (not the case on a v1 host)
        with pytest.raises(cgroups.CgroupError, match=f"controller '{controller}' is not available"):
            cgroups.cgroup_v2_group(controller, "codementor-sandbox", "x-slot0", {"pids.max": 8, "memory.limit_in_bytes": 1 << 20})
        assert os.path.isdir(os.path.join(root, "codementor-sandbox"))
