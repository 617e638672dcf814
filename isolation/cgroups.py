"""cgroup groups: make one with its limits, remove the ones no longer used.

The grader puts each grading slot in a group (``codementor-sandbox/<zygote>-slot<n>``), the
classroom profile each student's server (``codementor-students/<system user>``).

cgroup v1 applies where the controller's v1 hierarchy is mounted (one group per controller).
Otherwise cgroup v2: one group for all controllers under a delegated subtree,
``$CODEMENTOR_CGROUP2_ROOT`` or, on a v2-only host, the group this process was started in
(a systemd unit with ``Delegate=yes``); its processes move into a leaf ``codementor-main``
first, since v2 lets a group hand controllers to children only while it holds no process.
The v1 settings are translated: ``memory.limit_in_bytes`` -> ``memory.max`` (with
``memory.swap.max`` 0), ``cpu.cfs_quota_us``/``cpu.cfs_period_us`` -> ``cpu.max``,
``pids.max`` as is; ``memory.swappiness`` has no v2 counterpart.
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


def v2_settings(settings: dict) -> dict:
    """The cgroup-v2 files and values for v1 `settings` (see the module's docstring)."""
    out = {}
    for key, value in settings.items():
        if key == "memory.limit_in_bytes":
            out.update({"memory.max": value, "memory.swap.max": 0})
        elif key == "cpu.cfs_quota_us":
            quota = "max" if int(value) < 0 else str(value)
            out["cpu.max"] = f"{quota} {settings.get('cpu.cfs_period_us', CPU_PERIOD_US)}"
        elif key == "pids.max":
            out[key] = value
    return out


V2_OPTIONAL = {"memory.swap.max"}  # absent without swap accounting


@functools.lru_cache(maxsize=None)
def cgroup_v2_mount() -> str | None:
    """Where the unified (v2) hierarchy is mounted, if anywhere."""
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                left, _, right = line.partition(" - ")
                if right.split()[:1] == ["cgroup2"]:
                    return left.split()[4]
    except OSError:
        pass
    return None


def cgroup_v2_root() -> str | None:
    """The delegated v2 subtree our groups go under, or None (see the module's docstring)."""
    root = os.environ.get("CODEMENTOR_CGROUP2_ROOT")
    if root:
        return root
    mount = cgroup_v2_mount()
    if mount is None or any(cgroup_v1_mount(c) for c in CONTROLLERS):
        return None
    try:
        with open("/proc/self/cgroup") as f:
            own = next(line.split("::", 1)[1].strip() for line in f if line.startswith("0::"))
    except (OSError, StopIteration):
        return None
    return os.path.join(mount, own.lstrip("/"))


def cgroup_version(controller: str) -> str:
    """Which cgroup layer a group of `controller` gets here: "v1", "v2" or "none"."""
    if cgroup_v1_mount(controller):
        return "v1"
    return "v2" if cgroup_v2_root() else "none"


def _write(path: str, value) -> None:
    try:
        with open(path, "w") as f:
            f.write(str(value))
    except OSError as exc:
        raise CgroupError(exc.errno or 1, f"cannot set {path} to {value}: {exc.strerror}") from None


def _delegate(folder: str, controller: str) -> None:
    """Hand `controller` to the children of `folder` (its processes moved to a leaf first)."""
    try:
        with open(os.path.join(folder, "cgroup.controllers")) as f:
            available = f.read().split()
    except OSError as exc:
        raise CgroupError(exc.errno or 1, f"{folder} is not a cgroup v2 group ({exc.strerror})") from None
    if controller not in available:
        raise CgroupError(2, f"the cgroup v2 controller '{controller}' is not available in {folder} "
                             "(not delegated to it, or bound to a cgroup v1 hierarchy)")
    with open(os.path.join(folder, "cgroup.procs")) as f:
        busy = f.read().split()
    if busy:
        leaf = os.path.join(folder, "codementor-main")
        os.makedirs(leaf, exist_ok=True)
        for pid in busy:
            try:
                _write(os.path.join(leaf, "cgroup.procs"), pid)
            except CgroupError:
                pass  # ended meanwhile, or a kernel thread
    _write(os.path.join(folder, "cgroup.subtree_control"), f"+{controller}")


def cgroup_v2_group(controller: str, parent: str, name: str, settings: dict) -> str:
    """Group `parent/name` of the delegated v2 subtree with `controller`'s limits; its cgroup.procs."""
    root = cgroup_v2_root()
    if root is None:
        raise CgroupError(2, f"no cgroup v1 '{controller}' hierarchy is mounted and no delegated cgroup v2 subtree "
                             "(CODEMENTOR_CGROUP2_ROOT, or a v2-only host)")
    upper = os.path.join(root, parent)
    os.makedirs(upper, exist_ok=True)
    _delegate(root, controller)
    _delegate(upper, controller)
    folder = os.path.join(upper, name)
    os.makedirs(folder, exist_ok=True)
    for key, value in v2_settings(settings).items():
        if key in V2_OPTIONAL and not os.path.exists(os.path.join(folder, key)):
            continue
        _write(os.path.join(folder, key), value)
    return os.path.join(folder, "cgroup.procs")


def cgroup_group(controller: str, parent: str, name: str, settings: dict) -> str:
    """Make (or update) group `parent/name` for a controller; return its cgroup.procs path.

    cgroup v1 where the controller's hierarchy is mounted, else the delegated v2 subtree.
    Raises OSError naming what failed: neither is there, or a limit that could not be written
    (a missing limit file is an error, so no limit is ever assumed)."""
    mount = cgroup_v1_mount(controller)
    if mount is None:
        return cgroup_v2_group(controller, parent, name, settings)
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
    v2 = cgroup_v2_root()
    for mount in {cgroup_v1_mount(c) or v2 for c in CONTROLLERS}:
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
