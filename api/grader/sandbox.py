"""Isolation primitives for the grader's worker processes. Standard library only.

Imported both by the API process (to probe and report which layers work) and by the zygote
(``zygote.py``, run as ``python -I -S``), which applies them. Each layer is tried at start-up;
a layer that is not available here is reported as a fallback instead of failing the grader.

The layers, outermost first:

- a mount namespace with a private root (``build_root`` + ``chroot``): a read-only tmpfs holding
  four device nodes and an empty ``/tmp``, no file of the host: the zygote brings the standard
  library in its memory (``stdlib_table.py``) and keeps the files it maps resident
  (``pin_mappings``), so no job can open a file, or load a page, that another job can time;
- per job: new PID and IPC namespaces (the job is PID 1 of its namespace, so when it ends
  every process it started is killed by the kernel, and System V IPC objects go with the
  namespace); per keeper: a network namespace with no interface but a down loopback, used by
  its jobs one after another, never by two at once (an unprivileged job can change nothing in
  it that outlives its own processes);
- per job: an unprivileged uid of its own (one per concurrency slot, no passwd entry needed),
  no supplementary groups, ``no_new_privs``, not dumpable (no ptrace, no /proc peeking);
- per job: rlimits (CPU, address space, processes, open files, file size, no core files) and
  a private working directory, removed when the job ends;
- per job, last: a seccomp filter refusing the system calls a graded function never needs
  and kernel attacks often start from (``seccomp_deny``).
"""

from __future__ import annotations

import ctypes
import functools
import os
import platform
import resource
import shutil
import struct
import sys

if __package__:  # in the API process, as codementor.api.grader.sandbox
    from ...isolation.cgroups import cgroup_group, cgroup_version, cpu_quota, remove_cgroup_groups
    from ...isolation.children import in_child
else:  # in the zygote (python -I -S, plain scripts): zygote.py puts the isolation folder on sys.path
    from cgroups import cgroup_group, cgroup_version, cpu_quota, remove_cgroup_groups
    from children import in_child

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_SET_PDEATHSIG = 4, 38, 1
# no descriptor can be numbered above the hard limit of open files (close_range makes the span free)
MAX_FD = min(max(resource.getrlimit(resource.RLIMIT_NOFILE)[1], 1024), 1 << 20)

# the C library's calls, looked up among what the interpreter has loaded (ctypes.util.find_library would import
# subprocess, and with it threading, whose handler then runs in Python after every fork of a zygote, keeper and job)
_libc = ctypes.CDLL(None, use_errno=True)


class SandboxError(OSError):
    pass


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise SandboxError(err, f"{what}: {os.strerror(err)}")


def close_inherited(keep: tuple[int, ...] = ()) -> None:
    """Close every descriptor above stderr except `keep`. A process started by the API's event loop
    inherits whatever the API left inheritable (uvloop's spawn ignores close_fds: the listening socket
    a worker shares, the duplicates of its stdio), and a job must hold none of it."""
    low = 3
    for fd in sorted(k for k in keep if k >= low):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, MAX_FD)


def unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def setns(fd: int, flags: int) -> None:
    _check(_libc.setns(ctypes.c_int(fd), ctypes.c_int(flags)), "setns")


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
    """In a fresh mount namespace: make `root` a read-only tmpfs holding four device nodes and an empty /tmp, nothing else.

    No folder of the host is bound: a file two jobs can open shares its page cache, dentries and inodes between
    them (one loads a page, the other times a read of it: a bit per page). The zygote brings the standard library
    in its memory (stdlib_table.py) and has what it maps pinned (pin_mappings) before it enters the root."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    mount("codementor-sandbox", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")
    for dev in ("null", "zero", "urandom", "random"):
        _bind_readonly("/dev/" + dev, root, devices=True)
    tmp = os.path.join(root, "tmp")
    os.makedirs(tmp, exist_ok=True)
    mount_jobs_tmp(tmp, tmp_size_mb)
    mount(None, root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)


def file_mappings() -> list[tuple[int, int, str]]:
    """(start, end, path) of this process's mappings of files (the interpreter, libraries, a memfd), from /proc/self/maps."""
    found = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split(maxsplit=5)
            if len(fields) == 6 and fields[5].startswith("/"):
                start, end = (int(x, 16) for x in fields[0].split("-"))
                found.append((start, end, fields[5].strip()))
    return found


def pin_mappings() -> str:
    """Make every page of this process's file mappings (the interpreter, its libraries, the extension modules, the
    standard library's table) resident and keep it so, before any job runs: a job faulting one in then loads nothing
    another job could time. mlock of each file mapping, not mlockall, which would also fault in every reserved anonymous
    page (5 MiB more here) that each fork then copies the page tables of; no fork inherits the lock. Where mlock is
    refused (not root, RLIMIT_MEMLOCK), each mapped file is read once: resident at start, not held. The report's line."""
    _libc.malloc_trim(0)  # give back what building the table left free, before any fork copies it
    mappings = file_mappings()
    refused = None
    for start, end, _path in mappings:
        if _libc.mlock(ctypes.c_void_p(start), ctypes.c_size_t(end - start)) != 0:
            refused = os.strerror(ctypes.get_errno())
            break
    if refused is None:
        return f"locked in memory (mlock of its {len(mappings)} file mappings, {sum(e - s for s, e, _ in mappings) >> 20} MiB)"
    for path in sorted({path for _, _, path in mappings}):
        try:
            with open(path, "rb", buffering=0) as mapped:
                while mapped.read(1 << 20):
                    pass
        except OSError:
            continue
    return f"read once at start, not locked (mlock: {refused}): the kernel may evict them later"


def mount_jobs_tmp(path: str, size_mb: int) -> None:
    """A tmpfs for jobs' working folders at `path` (each keeper mounts its own over the root's, in its mount namespace)."""
    mount("codementor-jobs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"mode=0711,size={size_mb}m")


def mount_job_folder(path: str, size_mb: int, owner: int) -> None:
    """A fresh tmpfs as one job's working folder: nothing of an earlier job's (files, inode numbers) is in it,
    and however deep a tree the job leaves, it goes with one unmount."""
    mount("codementor-job", path, "tmpfs", MS_NOSUID | MS_NODEV, f"mode=0700,uid={owner},gid={owner},size={size_mb}m")


def unmount(path: str) -> None:
    _check(_libc.umount2(path.encode(), MNT_DETACH), f"umount {path}")


def remove_tree(path: str) -> None:
    """Remove a job's folder whatever it holds: shutil.rmtree recurses (a tree 3,000 folders deep raises
    RecursionError, which ignore_errors does not catch) and gives up on paths past PATH_MAX; rm does neither."""
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        return
    except (RecursionError, OSError):
        _rm(path)


def _rm(path: str) -> bool:
    """`rm -rf` the folder, started with posix_spawn (no copy of this process's memory, and no `subprocess`, which
    imports threading, whose handler would then run in Python after every fork); False when there is no `rm`."""
    rm = next((c for c in ("/usr/bin/rm", "/bin/rm") if os.access(c, os.X_OK)), None)
    if rm is None:
        return False
    quiet = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0), (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
             (os.POSIX_SPAWN_DUP2, 1, 2)]
    os.waitpid(os.posix_spawn(rm, [rm, "-rf", "--one-file-system", "--", path], {}, file_actions=quiet), 0)
    return True


# --- how a job ended, passed on unread by its keeper -------------------------------------------------------------
# A keeper forks every job of its own from its memory, so it must hold nothing of how an earlier job ended (its exit
# code, its CPU time, which it could choose from the hidden tests and a later job read back through ctypes). It reaps a
# job with waitid(2) into two buffers made once, writes them to the status pipe as they are, then zeroes them: no
# value made from them ever exists in the keeper. The API process reads the record (`job_end_report`).
SYS_WAITID, P_PID, WEXITED = 247, 1, 4  # x86-64 and arm64 differ in the number: the pool needs Linux on x86-64 anyway
SIGINFO_SIZE, RUSAGE_SIZE = 128, 144
CLD_EXITED, CLD_KILLED, CLD_DUMPED = 1, 2, 3
EXIT_SETUP_FAILED = 70  # a job process's exit code when its set-up failed (before any of the student's code ran)
JOB_ENDED = b"R"  # a record: this byte, a flags byte (TIMED_OUT, SET_UP), the siginfo, the rusage
JOB_ENDED_SIZE = 2 + SIGINFO_SIZE + RUSAGE_SIZE
TIMED_OUT, SET_UP = 1, 2


class JobEnd:
    """The buffers a keeper reaps its jobs into, made once, and written out without being read."""

    def __init__(self) -> None:
        self.siginfo = ctypes.create_string_buffer(SIGINFO_SIZE)
        self.rusage = ctypes.create_string_buffer(RUSAGE_SIZE)
        self.flags = [bytes([n]) for n in range(4)]  # the record's flags byte is one of these, made here

    def reap(self, pid: int) -> None:
        _check(_libc.syscall(ctypes.c_long(SYS_WAITID), ctypes.c_long(P_PID), ctypes.c_long(pid), self.siginfo,
                             ctypes.c_long(WEXITED), self.rusage), "waitid")

    def write(self, fd: int, timed_out: bool, set_up: bool) -> None:
        try:
            os.writev(fd, [JOB_ENDED, self.flags[TIMED_OUT * timed_out + SET_UP * set_up], self.siginfo, self.rusage])
        finally:
            ctypes.memset(self.siginfo, 0, SIGINFO_SIZE)
            ctypes.memset(self.rusage, 0, RUSAGE_SIZE)


def job_end_report(record: bytes) -> dict:
    """In the API process: how the job of a `JobEnd` record ended ("lost" when the record is not whole)."""
    if len(record) < JOB_ENDED_SIZE or record[:1] != JOB_ENDED:
        return {"ended": "lost"}
    flags = record[1]
    code, status = struct.unpack_from("<i", record, 2 + 8)[0], struct.unpack_from("<i", record, 2 + 24)[0]
    user_s, user_us, system_s, system_us = struct.unpack_from("<qqqq", record, 2 + SIGINFO_SIZE)
    cpu = {"job_cpu_ms": round((user_s + system_s) * 1000 + (user_us + system_us) / 1000, 2)}
    if flags & TIMED_OUT:
        return {"ended": "timeout", **cpu}
    if code in (CLD_KILLED, CLD_DUMPED):
        return {"ended": "signal", "signal": status, **cpu}
    if code == CLD_EXITED:
        failed = status == EXIT_SETUP_FAILED and not flags & SET_UP  # from a job that never said its set-up was over
        return {"ended": "setup_failed" if failed else "exit", "code": status, **cpu}
    return {"ended": "lost"}


def spawn_remove_tree(path: str) -> None:
    """Remove a job's folder from a keeper: `rm` reads the names in it, in a process of its own started without
    copying the keeper's memory, so that no name the job chose is ever in the keeper's."""
    if not _rm(path):
        remove_tree(path)


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
    return in_child(lambda: unshare(flags) or True, "unshare failed")


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


SANDBOX_GROUPS = "codementor-sandbox"


def _slot_group(controller: str, name: str, slot: int, settings: dict) -> int:
    procs = cgroup_group(controller, SANDBOX_GROUPS, f"{name}-slot{slot}", settings)
    return os.open(procs, os.O_WRONLY | os.O_CLOEXEC)


def slot_cgroups(name: str, slots: int, memory_bytes: int, processes: int, cpu_cores: float = 0) -> tuple[list[list[int]], str]:
    """Per slot, cgroup-v1 memory, pids and (if asked) cpu groups; returns per slot the open
    fds of their cgroup.procs, and what became of the CPU quota.

    A job joins its slot's groups by writing "0" to those fds before it runs anything, so the
    limits cover all its processes together. Memory and pids are required (OSError if not
    there or not writable); a CPU quota is applied where a v1 cpu controller is writable."""
    sweep_stale_cgroups()
    made = []
    cpu = f"CPU {cpu_cores:g} core(s)" if cpu_cores > 0 else "no CPU quota (cpu_cores = 0)"
    quota = cpu_cores > 0
    for slot in range(slots):
        fds = [
            _slot_group("memory", name, slot, {"memory.limit_in_bytes": memory_bytes, "memory.swappiness": 0}),
            _slot_group("pids", name, slot, {"pids.max": processes}),
        ]
        if quota:
            try:
                fds.append(_slot_group("cpu", name, slot, cpu_quota(cpu_cores)))
            except OSError as exc:
                quota, cpu = False, f"no CPU quota ({exc})"
        made.append(fds)
    return made, cpu


def sweep_stale_cgroups() -> None:
    """Remove the slot groups of zygotes that are gone (killed without a clean stop)."""
    def alive(entry: str) -> bool:
        owner = entry.split("-slot")[0]
        return not ("-slot" in entry and owner.isdigit()) or os.path.exists(f"/proc/{owner}")

    remove_cgroup_groups(SANDBOX_GROUPS, keep=alive)


def remove_slot_cgroups(name: str) -> None:
    """Remove a zygote's slot groups once it is gone (called by the API process)."""
    remove_cgroup_groups(SANDBOX_GROUPS, keep=lambda entry: not entry.startswith(f"{name}-slot"))


def platform_ok() -> bool:
    return sys.platform.startswith("linux")


# --- seccomp: a denylist of system calls, as a classic BPF program (x86-64 only) -------------
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000
SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_ERRNO, SECCOMP_RET_ALLOW = 0x80000000, 0x00050000, 0x7FFF0000
BPF_LD_W_ABS, BPF_JEQ, BPF_JGE, BPF_JSET, BPF_RET, BPF_JA = 0x20, 0x15, 0x35, 0x45, 0x06, 0x05
EPERM, ENOSYS = 1, 38
CLONE = 56
CLONE3 = 435  # its flags sit in memory a filter cannot read: ENOSYS, so the C library falls back to clone
NAMESPACE_FLAGS = 0x7E020000  # CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
DENIED_SYSCALLS = {
    # watching or changing other processes
    "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312, "pidfd_getfd": 438,
    # mounts, roots and namespaces
    "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161, "unshare": 272, "setns": 308,
    "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
    "open_by_handle_at": 304, "name_to_handle_at": 303,
    # kernel interfaces with a long record of local exploits
    "bpf": 321, "perf_event_open": 298, "userfaultfd": 323, "keyctl": 250, "add_key": 248, "request_key": 249,
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "modify_ldt": 154,
    # the machine itself
    "kexec_load": 246, "kexec_file_load": 320, "init_module": 175, "finit_module": 313, "delete_module": 176,
    "reboot": 169, "swapon": 167, "swapoff": 168, "acct": 163, "syslog": 103, "quotactl": 179,
    "settimeofday": 164, "clock_settime": 227, "clock_adjtime": 305, "adjtimex": 159,
    "sethostname": 170, "setdomainname": 171, "iopl": 172, "ioperm": 173, "vhangup": 153,
    # rarely used, and nothing a graded function needs
    "personality": 135, "uselib": 134, "lookup_dcookie": 212, "fanotify_init": 300, "quotactl_fd": 443,
    "process_madvise": 440, "move_pages": 279, "migrate_pages": 256, "mbind": 237, "set_mempolicy": 238, "memfd_secret": 447,
    # what jobs running at once (two submissions' jobs) could signal each other through: the
    # page cache of the shared /usr (evicting and probing pages), file watches on it, the machine's memory counters
    "fadvise64": 221, "readahead": 187, "mincore": 27, "cachestat": 451, "preadv2": 327, "pwritev2": 328,
    "inotify_init": 253, "inotify_init1": 294, "inotify_add_watch": 254, "fanotify_mark": 301, "sysinfo": 99,
    # file locks: a lock on a file of /usr (opened read-only) is seen at once by every job that opens it, a bit per
    # file each way; fcntl's own locks, leases and directory notices are refused by its command (ARGUMENT_RULES)
    "flock": 73,
    # futexes waited on through a list (their flags sit in memory a filter cannot read), and the newer futex calls:
    # the C library uses neither; a shared futex on a page of a /usr file is keyed by the file, so it is refused below
    "futex_waitv": 449, "futex_wake": 454, "futex_wait": 455, "futex_requeue": 456,
    # two jobs pinned to one core read each other's work in the core's own counters (the numbers of new pipes
    # and sockets come in per-core batches): jobs stay where the scheduler puts them
    "sched_setaffinity": 203,
    # machine-wide counts a job could set and another read: the kernel's asynchronous I/O contexts (aio-max-nr is one
    # pool for the machine) and pidfds, numbered machine-wide (a jump in a new pidfd's inode counts others' forks)
    "io_setup": 206, "io_destroy": 207, "io_getevents": 208, "io_submit": 209, "io_cancel": 210, "io_pgetevents": 333,
    "pidfd_open": 434, "pidfd_send_signal": 424,
    # the free blocks and inodes of any mounted file system, named by its device number: the tmpfs of a job running
    # beside (files made and grown there are read as counts), every other job's on the machine
    "ustat": 136, "sysfs": 139,
    # POSIX message queues count against their uid's RLIMIT_MSGQUEUE, which the slot's next job shares, and are freed
    # only with the job's IPC namespace, after the job has ended: how many bytes are still taken was a hidden input
    "mq_open": 240, "mq_unlink": 241, "mq_timedsend": 242, "mq_timedreceive": 243, "mq_notify": 244, "mq_getsetattr": 245,
}
FCNTL, FUTEX, SOCKET, SOCKETPAIR, SETSOCKOPT, GETSOCKOPT, MADVISE, SHMCTL = 72, 202, 41, 53, 54, 55, 28, 31
SHMGET, MEMFD_CREATE, SHM_HUGETLB, MFD_HUGETLB = 29, 319, 0o4000, 4
SHM_LOCK, SHM_UNLOCK, IPC_64 = 11, 12, 0x100
# madvise advices that drop, reclaim or load pages of a file mapping (the interpreter's pages, shared with every job),
# or merge pages across processes: MADV_WILLNEED, MADV_REMOVE, MADV_MERGEABLE, MADV_COLD, MADV_PAGEOUT,
# MADV_COLLAPSE, MADV_HWPOISON, MADV_SOFT_OFFLINE. The allocator's (DONTNEED, FREE, hugepage hints) stay allowed
MADVISE_REFUSED = (3, 9, 12, 20, 21, 25, 100, 101)
CLONE_PIDFD = 0x1000
SEARCH_LEAF = 4  # call numbers compared one by one at the end of the filter's search
FUTEX_PRIVATE_FLAG = 128
AF_UNIX = 1
SO_COOKIE, SO_NETNS_COOKIE, SO_PASSPIDFD, SO_PEERPIDFD = 57, 71, 76, 77
# arguments the filter reads (the low 32 bits of args[n] sit at 16 + 8 n), per call, with what it does with them:
# ("deny_bits", mask): refused if any bit of mask is set; ("need_bits", mask): refused unless one is set;
# ("deny", values): refused for these values; ("allow", values): refused for any other value
ARGUMENT_RULES = {
    # clone asking for a new namespace, or for a pidfd of the child
    CLONE: (0, "deny_bits", NAMESPACE_FLAGS | CLONE_PIDFD),
    # F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_SETLEASE, F_GETLEASE, F_NOTIFY
    FCNTL: (1, "deny", (5, 6, 7, 36, 37, 38, 1024, 1025, 1026)),
    # a futex that is not private to the process: on a page of a shared file (the standard library's, mapped
    # read-only) its key is the file's, and two jobs could wait and wake each other through it
    FUTEX: (1, "need_bits", FUTEX_PRIVATE_FLAG),
    # Unix sockets only (a pipe between a job's own processes): the network namespace is the keeper's, kept for its
    # later jobs, and state an IP socket leaves there outlives the job (an IPv6 flow label lingers up to 150 s after
    # its socket, and a later job can test whether it exists); the count of flow labels is even the machine's.
    # vsock's ports are the machine's too, and no graded function needs a network
    SOCKET: (0, "allow", (AF_UNIX,)),
    SOCKETPAIR: (0, "allow", (AF_UNIX,)),
    # a socket's cookie and its namespace's are numbered machine-wide: jumps in them count other jobs' sockets
    # and a peer's pidfd (asked for, or passed along with messages)
    GETSOCKOPT: (2, "deny", (SO_COOKIE, SO_NETNS_COOKIE, SO_PEERPIDFD)),
    SETSOCKOPT: (2, "deny", (SO_PASSPIDFD,)),
    MADVISE: (2, "deny", MADVISE_REFUSED),
    # a segment locked in memory counts against its uid's RLIMIT_MEMLOCK until the job's IPC namespace is freed, after
    # the job: the slot's next job, of the same uid, read how much was locked
    SHMCTL: (1, "deny", (SHM_LOCK, SHM_UNLOCK, SHM_LOCK | IPC_64, SHM_UNLOCK | IPC_64)),
    # huge-page memory, where the machine has huge pages: a segment's counts against its uid's RLIMIT_MEMLOCK as a
    # locked one's does (until the job's IPC namespace is freed), and the huge pages are the machine's pool
    SHMGET: (2, "deny_bits", SHM_HUGETLB),
    MEMFD_CREATE: (1, "deny_bits", MFD_HUGETLB),
}


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def seccomp_program() -> list[tuple[int, int, int, int]]:
    """The filter as (code, jt, jf, k): wrong architecture kills, a denied call fails with EPERM, clone3 with
    ENOSYS, the calls of ARGUMENT_RULES are refused (EPERM) or allowed by their arguments, the rest runs.

    The call's number is found by a binary search over the numbers the filter names (a few comparisons,
    not one per name): the kernel runs the filter on every call a job makes that it cannot settle ahead, and
    when the filter is installed it runs it once for every call number to find those it can (its cache), so a
    shorter path is paid once per job and once per call. Each leaf of the search holds its own returns and
    argument rules, so that every jump stays short (classic BPF jumps forward only, at most 255)."""
    actions = {nr: "eperm" for nr in DENIED_SYSCALLS.values()}
    actions[CLONE3] = "enosys"
    actions.update({nr: "rule" for nr in ARGUMENT_RULES})
    # instructions as (code, jt, jf, k) with jumps to labels; resolved to offsets once every label's place is known
    body = [
        (BPF_LD_W_ABS, 0, 0, 4),
        (BPF_JEQ, 1, 0, AUDIT_ARCH_X86_64),
        (BPF_RET, 0, 0, SECCOMP_RET_KILL_PROCESS),
        (BPF_LD_W_ABS, 0, 0, 0),
        (BPF_JGE, 0, 1, X32_SYSCALL_BIT),
        (BPF_RET, 0, 0, SECCOMP_RET_ERRNO | EPERM),
    ]

    def leaf(numbers: list[int]) -> None:
        """Compare the call with each of `numbers`; its action, or allow; the actions follow the comparisons."""
        first = numbers[0]
        eperm, enosys = ("eperm", first), ("enosys", first)
        body.extend((BPF_JEQ, ("rule", nr) if actions[nr] == "rule" else (actions[nr], first), 0, nr) for nr in numbers)
        body.append((BPF_RET, 0, 0, SECCOMP_RET_ALLOW))
        for nr in numbers:
            if actions[nr] != "rule":
                continue
            arg, kind, value = ARGUMENT_RULES[nr]
            ok = ("ok", nr)
            body.append(("label", ("rule", nr)))
            body.append((BPF_LD_W_ABS, 0, 0, 16 + 8 * arg))
            if kind == "deny_bits":
                body.append((BPF_JSET, eperm, ok, value))
            elif kind == "need_bits":
                body.append((BPF_JSET, ok, eperm, value))
            elif kind == "deny":
                body.extend((BPF_JEQ, eperm, 0, v) for v in value)
                body.append((BPF_JA, 0, 0, ok))
            else:  # allow
                body.extend((BPF_JEQ, ok, 0, v) for v in value)
                body.append((BPF_JA, 0, 0, eperm))
            body.extend([("label", ok), (BPF_RET, 0, 0, SECCOMP_RET_ALLOW)])
        body.extend([("label", eperm), (BPF_RET, 0, 0, SECCOMP_RET_ERRNO | EPERM)])
        if CLONE3 in numbers:
            body.extend([("label", enosys), (BPF_RET, 0, 0, SECCOMP_RET_ERRNO | ENOSYS)])

    def search(numbers: list[int]) -> None:
        """Instructions that take the action of the call number in `numbers` (sorted), or allow any other."""
        if len(numbers) <= SEARCH_LEAF:
            leaf(numbers)
            return
        half = len(numbers) // 2
        high = ("high", numbers[half])
        body.append((BPF_JGE, high, 0, numbers[half]))
        search(numbers[:half])
        body.append(("label", high))
        search(numbers[half:])

    search(sorted(actions))
    places, program = {}, []
    for ins in body:
        if ins[0] == "label":
            places[ins[1]] = len(program)
        else:
            program.append(ins)

    def offset(at: int, target) -> int:
        return target if isinstance(target, int) else places[target] - at - 1

    prog = []
    for at, (code, jt, jf, k) in enumerate(program):
        if code == BPF_JA:  # an unconditional jump's offset is its k
            prog.append((code, 0, 0, offset(at, k)))
        else:
            prog.append((code, offset(at, jt), offset(at, jf), k))
    assert all(0 <= jt < 256 and 0 <= jf < 256 and (code != BPF_JA or 0 <= k < 256) for code, jt, jf, k in prog), \
        "a jump too far for classic BPF"
    return prog


def seccomp_supported() -> str | None:
    """None if the filter is written for this platform, else why not (probe_seccomp tries it)."""
    if not sys.platform.startswith("linux") or platform.machine() != "x86_64":
        return f"the filter is written for Linux on x86-64, not {sys.platform} on {platform.machine()}"
    return None


@functools.lru_cache(maxsize=1)
def compiled_filter() -> tuple:
    """The filter as the kernel takes it, built once (the zygote builds it before it forks any job)."""
    program = seccomp_program()
    filters = (_SockFilter * len(program))(*[_SockFilter(*ins) for ins in program])
    return filters, _SockFprog(len(program), filters)  # the array is kept alive beside the pointer to it


def seccomp_deny() -> None:
    """Install the denylist on this process and every process it starts (needs no_new_privs)."""
    problem = seccomp_supported()
    if problem:
        raise SandboxError(ENOSYS, problem)
    _, fprog = compiled_filter()
    _check(_libc.prctl(PR_SET_SECCOMP, ctypes.c_ulong(SECCOMP_MODE_FILTER), ctypes.byref(fprog), 0, 0), "seccomp")


def _filter_refuses_ptrace() -> bool:
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    seccomp_deny()
    return _libc.syscall(ctypes.c_long(DENIED_SYSCALLS["ptrace"]), 0, 0, 0, 0) == -1 and ctypes.get_errno() == EPERM


def probe_seccomp() -> str | None:
    """Install the filter in a child and check that it refuses ptrace; None if so, else the reason."""
    return seccomp_supported() or in_child(_filter_refuses_ptrace, "the filter did not refuse ptrace")


# --- Landlock: the job's own file system access, where no private root hides the host's -------
LANDLOCK_CREATE_RULESET, LANDLOCK_ADD_RULE, LANDLOCK_RESTRICT_SELF = 444, 445, 446  # x86-64 (the same on arm64 and most others)
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
FS_REFER, FS_TRUNCATE, FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
FS_READ = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
FS_FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV  # what a rule on a file may allow
# the devices a job opens by name (the worker opens /dev/null itself)
LANDLOCK_DEVICES = (("/dev/null", FS_READ_FILE | FS_WRITE_FILE | FS_IOCTL_DEV), ("/dev/zero", FS_READ_FILE),
                    ("/dev/urandom", FS_READ_FILE), ("/dev/random", FS_READ_FILE))


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def landlock_abi() -> int:
    """The kernel's Landlock ABI version (SandboxError if Landlock is not there, off, or refused by a seccomp profile)."""
    if not sys.platform.startswith("linux"):
        raise SandboxError(ENOSYS, f"Landlock is Linux only, not {sys.platform}")
    version = _libc.syscall(ctypes.c_long(LANDLOCK_CREATE_RULESET), None, ctypes.c_size_t(0),
                            ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION))
    if version < 1:
        err = ctypes.get_errno()
        raise SandboxError(err, f"Landlock: {os.strerror(err)}")
    return version


def landlock_fs_rights(abi: int) -> int:
    """Every file system right the kernel's ABI version knows: all of them are handled (denied unless a rule allows)."""
    rights = (1 << 13) - 1  # ABI 1: execute .. make_sym
    if abi >= 2:
        rights |= FS_REFER
    if abi >= 3:
        rights |= FS_TRUNCATE
    if abi >= 5:
        rights |= FS_IOCTL_DEV
    return rights


def landlock_hidden(extra: list[str] = ()) -> list[str]:
    """Folders no job reads even beneath a readable one: installed packages (site-packages, dist-packages: a wheel
    of this project puts its bank there, and a virtual environment's lib folder, a standard library folder, holds
    them), and `extra` (the installed bank's folders, as the API process finds them)."""
    import glob

    found = list(extra)
    for folder in stdlib_dirs():
        found += [os.path.join(folder, name) for name in ("site-packages", "dist-packages")]
    for pattern in ("/usr/lib*/python3*/*-packages", "/usr/local/lib*/python3*/*-packages"):
        found += glob.glob(pattern)
    return sorted({os.path.realpath(f) for f in found if os.path.exists(f)})


def landlock_readable(hidden: list[str]) -> list[tuple[str, bool]]:
    """(path, is_dir) a job may read beneath: /usr and the standard library, split around `hidden` (a folder that
    holds a hidden one is replaced by its entries but that one, down to it; symlinks are left out, their targets
    are readable where they are)."""
    roots = sorted({os.path.realpath(p) for p in ["/usr", *stdlib_dirs()]})
    roots = [r for r in roots if not any(r.startswith(o + "/") for o in roots)]
    allowed: list[tuple[str, bool]] = []

    def split(path: str, is_dir: bool) -> None:
        if path in hidden:
            return
        if not is_dir or not any(h.startswith(path + "/") for h in hidden):
            allowed.append((path, is_dir))
            return
        with os.scandir(path) as entries:
            for entry in entries:
                if not entry.is_symlink():
                    split(entry.path, entry.is_dir(follow_symlinks=False))

    for root in roots:
        if os.path.isdir(root):
            split(root, True)
    return allowed


def landlock_restrict(readable: list[tuple[str, bool]], writable: list[str]) -> int:
    """Restrict this process and what it starts to reading `readable`, reading and writing beneath `writable` and
    the devices a job opens; every other file system access is refused (EACCES). Needs no_new_privs. The ABI used."""
    abi = landlock_abi()
    handled = landlock_fs_rights(abi)
    attr = ctypes.c_uint64(handled)
    ruleset = _libc.syscall(ctypes.c_long(LANDLOCK_CREATE_RULESET), ctypes.byref(attr), ctypes.c_size_t(8), ctypes.c_uint32(0))
    if ruleset < 0:
        err = ctypes.get_errno()
        raise SandboxError(err, f"landlock_create_ruleset: {os.strerror(err)}")
    try:
        rules = [(path, is_dir, FS_READ) for path, is_dir in readable]
        rules += [(path, True, handled) for path in writable]
        rules += [(path, False, rights) for path, rights in LANDLOCK_DEVICES]
        for path, is_dir, rights in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # not on this machine
            try:
                rule = _PathBeneath(rights & handled & (~0 if is_dir else FS_FILE_RIGHTS), fd)
                _check(_libc.syscall(ctypes.c_long(LANDLOCK_ADD_RULE), ctypes.c_int(ruleset), ctypes.c_int(LANDLOCK_RULE_PATH_BENEATH),
                                     ctypes.byref(rule), ctypes.c_uint32(0)), f"landlock_add_rule {path}")
            finally:
                os.close(fd)
        _check(_libc.syscall(ctypes.c_long(LANDLOCK_RESTRICT_SELF), ctypes.c_int(ruleset), ctypes.c_uint32(0)), "landlock_restrict_self")
    finally:
        os.close(ruleset)
    return abi


def _landlock_refuses_root(readable: list[tuple[str, bool]]) -> bool:
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    landlock_restrict(readable, [])
    try:
        os.listdir("/")
    except PermissionError:
        return True
    return False


def probe_landlock(readable: list[tuple[str, bool]]) -> str | None:
    """Restrict a child with these rules and check that it can no longer list `/`; None if so, else the reason."""
    try:
        landlock_abi()
    except SandboxError as exc:
        return str(exc)
    return in_child(lambda: _landlock_refuses_root(readable), "Landlock did not refuse reading /")
