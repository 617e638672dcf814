"""Isolation primitives for the grader's worker processes. Standard library only.

Imported both by the API process (to probe and report which layers work) and by the zygote
(``zygote.py``, run as ``python -I -S``), which applies them. Each layer is tried at start-up;
a layer that is not available here is reported as a fallback instead of failing the grader.

The layers, outermost first:

- a mount namespace with a private root (``build_root`` + ``chroot``): a tmpfs holding
  read-only bind mounts of ``/usr`` and of the interpreter's standard library, four device
  nodes and an empty ``/tmp``. The exercise bank, the project, ``/proc``, ``/etc`` and home
  directories are simply not there;
- per job: new network, PID and IPC namespaces (no interface but a down loopback; the job is
  PID 1 of its namespace, so when it ends every process it started is killed by the kernel);
- per job: an unprivileged uid of its own (one per concurrency slot, no passwd entry needed),
  no supplementary groups, ``no_new_privs``, not dumpable (no ptrace, no /proc peeking);
- per job: rlimits (CPU, address space, processes, open files, file size, no core files) and
  a private working directory, removed when the job ends.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import resource
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_SET_PDEATHSIG = 4, 38, 1

_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


class SandboxError(OSError):
    pass


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise SandboxError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = lambda s: s.encode() if s is not None else None  # noqa: E731
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)), f"mount {target}")


def prctl(option: int, value: int) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0), "prctl")


def stdlib_dirs() -> list[str]:
    """Folders the worker imports from: the standard library and its compiled modules."""
    import sysconfig

    paths = {sysconfig.get_path("stdlib"), sysconfig.get_path("platstdlib")}
    return sorted(p for p in paths if p and os.path.isdir(p))


def _bind_readonly(source: str, root: str, devices: bool = False) -> None:
    target = root + source
    if os.path.isdir(source):
        os.makedirs(target, mode=0o755, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        open(target, "a").close()
    mount(source, target, None, MS_BIND | MS_REC)
    mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | (0 if devices else MS_NODEV))


def build_root(root: str, tmp_size_mb: int) -> None:
    """In a fresh mount namespace: make `root` a tmpfs with only what the worker needs, read-only."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    mount("codementor-sandbox", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=16m")
    for link, target in (("bin", "usr/bin"), ("lib", "usr/lib"), ("lib64", "usr/lib64")):
        if os.path.islink("/" + link):
            os.symlink(target, os.path.join(root, link))
    for source in ["/usr", *stdlib_dirs()]:
        if not source.startswith("/usr/"):
            _bind_readonly(source, root)
    _bind_readonly("/usr", root)
    for dev in ("null", "zero", "urandom", "random"):
        _bind_readonly("/dev/" + dev, root, devices=True)
    tmp = os.path.join(root, "tmp")
    os.makedirs(tmp, exist_ok=True)
    mount("codementor-jobs", tmp, "tmpfs", MS_NOSUID | MS_NODEV, f"mode=0711,size={tmp_size_mb}m")
    mount(None, root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)


def enter_root(root: str) -> None:
    os.chroot(root)
    os.chdir("/")


def set_limits(cpu_seconds: int, memory_bytes: int, processes: int, open_files: int, file_bytes: int) -> None:
    """Resource limits of the job process (inherited by anything it starts)."""
    for which, value in (
        (resource.RLIMIT_CPU, cpu_seconds),
        (resource.RLIMIT_AS, memory_bytes),
        (resource.RLIMIT_NOFILE, open_files),
        (resource.RLIMIT_FSIZE, file_bytes),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(which, (value, value))
    if processes:
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))


def drop_privileges(uid: int, gid: int) -> None:
    """Become `uid`/`gid` for good: no groups, no way back, no setuid gains, no ptrace."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise SandboxError(1, "the uid did not change")


def harden() -> None:
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    prctl(PR_SET_DUMPABLE, 0)


def probe_namespaces(flags: int) -> str | None:
    """Can this process create these namespaces? None if so, else the reason (tried in a child)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            unshare(flags)
            os._exit(0)
        except BaseException as exc:  # report anything, never return into the caller's code
            os.write(write, str(exc).encode()[:200])
            os._exit(1)
    os.close(write)
    reason = os.read(read, 400).decode(errors="replace")
    os.close(read)
    _, status = os.waitpid(pid, 0)
    return None if status == 0 else (reason or "unshare failed")


def shared_uid_nproc(extra: int) -> int:
    """RLIMIT_NPROC for a job that shares its uid with the API: what that uid runs now, plus `extra`.

    The limit counts every process of the uid, so it has to leave room for the existing ones.
    Root ignores it entirely (0 means: do not set it)."""
    uid = os.getuid()
    if uid == 0:
        return 0
    count = 0
    for entry in os.listdir("/proc"):
        try:
            count += entry.isdigit() and os.stat(f"/proc/{entry}").st_uid == uid
        except OSError:
            continue
    return count + extra


CGROUP_ROOT = "/sys/fs/cgroup"
CONTROLLERS = ("memory", "pids", "cpu")


def _slot_group(controller: str, name: str, slot: int, settings: dict) -> int:
    folder = os.path.join(CGROUP_ROOT, controller, "codementor-sandbox", f"{name}-slot{slot}")
    os.makedirs(folder, exist_ok=True)
    for key, value in settings.items():
        if os.path.exists(os.path.join(folder, key)):
            with open(os.path.join(folder, key), "w") as f:
                f.write(str(value))
    return os.open(os.path.join(folder, "cgroup.procs"), os.O_WRONLY | os.O_CLOEXEC)


def slot_cgroups(name: str, slots: int, memory_bytes: int, processes: int, cpu_quota_us: int = 0) -> tuple[list[list[int]], str]:
    """Per slot, cgroup-v1 memory, pids and (if asked) cpu groups; returns per slot the open
    fds of their cgroup.procs, and what became of the CPU quota.

    A job joins its slot's groups by writing "0" to those fds before it runs anything, so the
    limits cover all its processes together. Memory and pids are required (OSError if not
    writable); a CPU quota is applied where the cpu controller is mounted and writable."""
    sweep_stale_cgroups()
    made = []
    cpu = f"CPU {cpu_quota_us / 1e5:g} core(s)" if cpu_quota_us > 0 else "no CPU quota (cpu_cores = 0)"
    for slot in range(slots):
        fds = [
            _slot_group("memory", name, slot, {"memory.limit_in_bytes": memory_bytes, "memory.swappiness": 0}),
            _slot_group("pids", name, slot, {"pids.max": processes}),
        ]
        if cpu_quota_us > 0 and not cpu.startswith("no CPU quota"):
            try:
                fds.append(_slot_group("cpu", name, slot, {"cpu.cfs_period_us": 100_000, "cpu.cfs_quota_us": cpu_quota_us}))
            except OSError as exc:
                cpu = f"no CPU quota (cgroup v1 cpu controller not writable: {exc})"
        made.append(fds)
    return made, cpu


def sweep_stale_cgroups() -> None:
    """Remove the slot groups of zygotes that are gone (killed without a clean stop)."""
    for controller in CONTROLLERS:
        parent = os.path.join(CGROUP_ROOT, controller, "codementor-sandbox")
        try:
            entries = os.listdir(parent)
        except OSError:
            continue
        for entry in entries:
            owner = entry.split("-slot")[0]
            if "-slot" in entry and owner.isdigit() and not os.path.exists(f"/proc/{owner}"):
                try:
                    os.rmdir(os.path.join(parent, entry))
                except OSError:
                    pass


def remove_slot_cgroups(name: str) -> None:
    """Remove a zygote's slot groups once it is gone (called by the API process)."""
    for controller in CONTROLLERS:
        parent = os.path.join(CGROUP_ROOT, controller, "codementor-sandbox")
        try:
            entries = [e for e in os.listdir(parent) if e.startswith(f"{name}-slot")]
        except OSError:
            continue
        for entry in entries:
            try:
                os.rmdir(os.path.join(parent, entry))
            except OSError:
                pass


def platform_ok() -> bool:
    return sys.platform.startswith("linux")
