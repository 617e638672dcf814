"""cgroup v1 groups: make one with its limits, remove the ones no longer used.

The grader puts each grading slot in a group (``codementor-sandbox/<zygote>-slot<n>``), the
classroom profile each student's server (``codementor-students/<system user>``).
"""

from __future__ import annotations

import functools
import os


class CgroupError(OSError):
    """A group could not be made or a limit not set; the message names what and where."""


CONTROLLERS = ("memory", "pids", "cpu")
OPTIONAL_SETTINGS = {"memory.swappiness"}  # applied where the kernel has it
CPU_PERIOD_US = 100_000  # the CFS period of every CPU quota set here


def cpu_quota(cores: float) -> dict:
    """The cpu controller's settings for a quota of `cores` (e.g. 1.0: one core's worth each period)."""
    return {"cpu.cfs_period_us": CPU_PERIOD_US, "cpu.cfs_quota_us": int(cores * CPU_PERIOD_US)}


@functools.lru_cache(maxsize=None)
def cgroup_v1_mount(controller: str) -> str | None:
    """Where the cgroup-v1 hierarchy holding `controller` is mounted (None on cgroup-v2-only hosts)."""
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                left, _, right = line.partition(" - ")
                fields, rest = left.split(), right.split()
                if len(fields) > 4 and len(rest) >= 3 and rest[0] == "cgroup" and controller in rest[2].split(","):
                    return fields[4]
    except OSError:
        pass
    return None


def cgroup_group(controller: str, parent: str, name: str, settings: dict) -> str:
    """Make (or update) group `parent/name` of a cgroup-v1 controller; return its cgroup.procs path.

    Raises OSError naming what failed: no v1 hierarchy for the controller, or a limit that
    could not be written (a missing limit file is an error, so no limit is ever assumed)."""
    mount = cgroup_v1_mount(controller)
    if mount is None:
        raise CgroupError(2, f"no cgroup v1 '{controller}' hierarchy is mounted (a cgroup-v2-only host?)")
    folder = os.path.join(mount, parent, name)
    os.makedirs(folder, exist_ok=True)
    for key, value in settings.items():
        path = os.path.join(folder, key)
        if key in OPTIONAL_SETTINGS and not os.path.exists(path):
            continue
        try:
            with open(path, "w") as f:
                f.write(str(value))
        except OSError as exc:
            raise CgroupError(exc.errno or 1, f"cannot set {path} to {value}: {exc.strerror}") from None
    return os.path.join(folder, "cgroup.procs")


def remove_cgroup_groups(parent: str, keep=lambda entry: False) -> None:
    """Remove the groups under `parent` of every controller, except those `keep` names (busy ones stay)."""
    for controller in CONTROLLERS:
        mount = cgroup_v1_mount(controller)
        if mount is None:
            continue
        try:
            entries = os.listdir(os.path.join(mount, parent))
        except OSError:
            continue
        for entry in entries:
            if os.path.isdir(os.path.join(mount, parent, entry)) and not keep(entry):
                try:
                    os.rmdir(os.path.join(mount, parent, entry))
                except OSError:
                    pass
