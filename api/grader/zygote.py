"""The grader's zygote: a pre-started process whose keepers fork one sandboxed worker per job.

Run by the API (``pool.py``) as ``python -I -S -B zygote.py CONFIG_JSON ISOLATION_DIR``,
standard library only (``ISOLATION_DIR`` holds the shared ``codementor.isolation`` helpers). At start-up it imports the worker and the modules submissions commonly use,
reads the rest of the standard library into a table in its memory and imports only from there
(``stdlib_table.py``), locks the pages of the files it maps, then (as root, when the kernel allows)
moves into a mount namespace with a private read-only root holding no file of the host and a
network namespace with no interfaces. It then answers on a unix socket: each job
message carries three file descriptors (the job's stdin, the observation pipe, the status
pipe). Per slot, two *keepers* (still root) are forked once and run that slot's jobs in turn.
A keeper makes a network namespace with no interfaces for itself once; ahead of each job it
creates fresh PID and IPC namespaces and forks the *job* process, which joins the slot's
cgroups and waits: both steps cost the kernel milliseconds of waiting (a cgroup migration
waits for an RCU grace period), spent while the slot's other keeper runs the current job. On the job message the zygote hands it to a ready keeper of its slot;
the keeper makes a private working directory and hands the job process its stdin and
observation pipe; the job applies the rlimits, drops to the slot's uid for good and runs
``worker.main()`` (without the private root, after restricting its own file system access with
Landlock where the kernel allows). The keeper enforces the wall-clock timeout, removes the working directory,
writes how the job ended on the status pipe, which only it holds, and prepares its next job
process. A job costs one fork and one exit: the keepers live as long as the zygote. What the
zygote and its keepers write on stderr (set-up failures, tracebacks) goes into the API's log;
jobs never hold that stderr (theirs is /dev/null).
"""

import gc
import json
import os
import select
import signal
import socket
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
IMPORT_PATH = [HERE, sys.argv[2]]  # this folder and the shared isolation helpers' (pool.py passes it)
sys.path[:0] = IMPORT_PATH
import sandbox  # noqa: E402
import stdlib_table  # noqa: E402
import worker  # noqa: E402

del sys.path[:len(IMPORT_PATH)]
# modules submissions often use, imported once here instead of once per job
PRELOAD = ("collections", "itertools", "functools", "math", "re", "string", "random", "statistics",
           "datetime", "dataclasses", "typing", "fractions", "decimal", "heapq", "bisect", "operator")

EXIT_SETUP_FAILED = sandbox.EXIT_SETUP_FAILED
KEEPER_ENDS = 3  # a keeper found the zygote's channel gone: it ends
KEEPERS_PER_SLOT = 2  # while one runs the slot's job, the other's job process waits for the next


def load_stdlib() -> str:
    """Import what jobs use, bring the standard library into memory and import from there only; the layer's line."""
    for name in PRELOAD:
        __import__(name)
    extensions = stdlib_table.preload_extensions()
    table = stdlib_table.build(stdlib_folder())
    stdlib_table.install(table)
    return (f"from the zygote's memory: {len(table)} pure-Python modules ({len(table.blob) >> 10} KiB compressed) and "
            f"{len(extensions)} extension modules loaded before any job; no job imports from a file")


def stdlib_folder() -> str:
    """The standard library's folder (a virtual environment's is its base interpreter's)."""
    import sysconfig

    return sysconfig.get_path("stdlib")


def setup(config: dict) -> dict:
    """Apply the process-wide layers this machine allows; return what is active (and why not)."""
    layers = {"stdlib": load_stdlib()}
    config["cgroups"] = []
    if config["isolate"]:
        try:
            config["cgroups"], cpu = sandbox.slot_cgroups(
                str(os.getpid()), config["slots"], config["memory_bytes"], config["processes"] + 2, config.get("cpu_cores", 0)
            )
            layers["cgroups"] = (f"per slot (cgroup {sandbox.cgroup_version('memory')}): memory {config['memory_bytes'] >> 20} MiB, "
                                 f"{config['processes']} processes and {cpu} for the whole job together")
        except OSError as exc:
            layers["cgroups"] = f"FALLBACK: no per-slot cgroups ({exc}); per-process rlimits only"
    root = config.get("root")
    if config["isolate"] and root:
        try:
            sandbox.unshare(sandbox.CLONE_NEWNS | sandbox.CLONE_NEWNET)
            os.makedirs(root, mode=0o755, exist_ok=True)
            sandbox.build_root(root, config["tmp_size_mb"])
            layers["mapped_files"] = sandbox.pin_mappings()
            sandbox.enter_root(root)
            layers["private_root"] = ("read-only tmpfs root: 4 device nodes and the jobs' /tmp, no file of the host "
                                      "(no /usr, no standard library folder, no bank, no /proc)")
        except OSError as exc:
            layers["private_root"] = f"FALLBACK: {exc}; jobs see the host file system (own tmp dir as cwd)"
    if "mapped_files" not in layers:
        layers["mapped_files"] = sandbox.pin_mappings()
    per_job = config["isolate"] and sandbox.probe_namespaces(config["job_namespaces"]) is None
    private_tmp = layers.get("private_root", "").startswith("read-only")
    config["landlock_readable"], layers["landlock"] = landlock_setup(config, private_tmp)
    layers["job_namespaces"] = ("per job: new PID and IPC namespaces; per keeper: a network namespace without interfaces"
                                + (" and a /tmp of its own" if private_tmp else "") + ", one job at a time") if per_job else "FALLBACK: not available"
    problem = sandbox.probe_seccomp() if config.get("seccomp") else "off (Grader.seccomp = False)"
    config["seccomp_ok"] = problem is None
    if problem is None:
        sandbox.compiled_filter()  # built once here, inherited by every job
    layers["seccomp"] = config["seccomp_layer"] if problem is None else f"FALLBACK: {problem}"
    config["per_job_namespaces"] = per_job
    config["private_tmp"] = private_tmp and per_job
    config["jobs_dir"] = "/tmp" if private_tmp else config["fallback_jobs_dir"]
    return layers


def landlock_setup(config: dict, private_root: bool) -> tuple[list | None, str]:
    """Without the private root, what each job may read (None: no Landlock) and the layer's line.

    A job of the zygote imports the standard library from the zygote's memory, so it reads no folder of the
    host: only its own working folder and the devices (the fallback's jobs, fresh interpreters, read more)."""
    if private_root:
        return None, "not needed: the private root shows jobs no file of the host"
    if not config.get("landlock"):
        return None, "FALLBACK: off (Grader.landlock = False); a job reads whatever the API's uid can read"
    readable: list = []
    problem = sandbox.probe_landlock(readable)
    if problem is not None:
        return None, f"FALLBACK: Landlock not available ({problem}); a job reads whatever the API's uid can read"
    return readable, config["landlock_layer"] + f" (ABI {sandbox.landlock_abi()})"


def join_slot(config: dict, slot: int) -> None:
    """Join the slot's memory, pids and cpu groups (before anything else), and close every slot's fds."""
    for number, fds_of_slot in enumerate(config["cgroups"]):
        for fd in fds_of_slot:
            if number == slot:
                os.write(fd, b"0")
            os.close(fd)


def run_job(config: dict, slot: int, channel: socket.socket) -> None:
    """In the job process: join the slot's groups, wait for the job, confine itself, run the worker. Never returns.

    The keeper forks this process before its job arrives, so that joining the slot's cgroups (a
    migration that waits for the kernel's RCU grace period, several ms under load) happens while
    the slot is idle or its previous job runs, not while a student waits. Nothing of the student's
    reaches this process before the job message, which comes with its stdin and observation pipe.
    """
    problem = None
    try:
        join_slot(config, slot)
        sandbox.prctl(sandbox.PR_SET_PDEATHSIG, signal.SIGKILL)
    except BaseException as exc:  # reported once the job (and its observation pipe) is here
        problem = exc
    try:
        data, fds, _, _ = socket.recv_fds(channel, 65536, 2)
    except OSError:
        os._exit(EXIT_SETUP_FAILED)
    if not data or len(fds) != 2:
        os._exit(EXIT_SETUP_FAILED)
    ready = channel.detach()  # told, once confined, that set-up is over: only then can the student's code run
    stdin_r, obs_w = fds
    os.dup2(stdin_r, 0)
    os.dup2(obs_w, 1)
    sandbox.close_inherited(keep=(ready,))  # the job holds its stdin, its observation pipe and stderr, nothing else
    try:
        if problem is not None:
            raise problem
        job = json.loads(data)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        os.chdir(job["cwd"])
        if not config["per_job_namespaces"]:
            os.setsid()  # no PID namespace: the keeper kills this process group instead
        sandbox.set_limits(config["cpu_seconds"], config["memory_bytes"], job["nproc"], config["open_files"], config["file_bytes"])
        if job["uid"] is not None:
            sandbox.drop_privileges(job["uid"], job["uid"])
            # changing uid clears the parent-death signal: set it again, or a job whose keeper is killed
            # (the zygote stopped or replaced) would go on running, orphaned, until it ends by itself
            sandbox.prctl(sandbox.PR_SET_PDEATHSIG, signal.SIGKILL)
        sandbox.harden()
        if config["landlock_readable"] is not None:  # no private root: the job reads its own folder and the devices only
            sandbox.landlock_restrict(config["landlock_readable"], [job["cwd"]])
        if config["seccomp_ok"]:
            sandbox.seccomp_deny()  # last: nothing after it needs a refused call
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        # from here on the exit code is the student's to choose: the keeper counts EXIT_SETUP_FAILED as a
        # failed set-up only from a job that never said this
        os.write(ready, b"1")
        os.close(ready)
    except BaseException as exc:
        where = traceback.extract_tb(exc.__traceback__)[-1]
        reason = f"{exc!r} ({os.path.basename(where.filename)} line {where.lineno})"[:300]
        os.write(1, json.dumps({"event": "setup_failed", "error": reason}).encode() + b"\n")
        os._exit(EXIT_SETUP_FAILED)
    try:
        worker.main()
    finally:
        os._exit(0)


def fork_job(config: dict, slot: int, keeper_fds: list) -> tuple[int, socket.socket]:
    """Fork the job process of `slot` (it joins the slot's groups, then waits); (pid, channel to it).

    It is forked before the keeper has its job, so it never holds the status pipe; it closes what
    the keeper holds (`keeper_fds`: its channel to the zygote, its own pidfd)."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:
        ours.close()
        for held in keeper_fds:
            held.close() if isinstance(held, socket.socket) else os.close(held)
        run_job(config, slot, theirs)
    theirs.close()
    return pid, ours


def hand_job(channel: socket.socket, job: dict, stdin_r: int, obs_w: int) -> bool:
    """Send the job to its process; the channel stays open (the process says on it when its set-up is over)
    when that worked, and is closed when it did not."""
    try:
        socket.send_fds(channel, [json.dumps(job).encode()], [stdin_r, obs_w])
        return True
    except OSError:
        channel.close()
        return False


def set_up(channel: socket.socket) -> bool:
    """Did the job process, now ended, finish its set-up (and so run the student's code)? Closes the channel."""
    try:
        return channel.recv(8, socket.MSG_DONTWAIT) == b"1"
    except OSError:
        return False
    finally:
        channel.close()


class Keeper:
    """In a keeper, for as long as the zygote runs: per job, fresh namespaces and a job process
    forked ahead, then on the job message its working directory, the hand-over, the timeout and
    the clean-up.

    The keeper says "ready" to the zygote once its next job process waits. A waiting job process
    that dies (a memory hog of the slot's current job can get it OOM-killed; that ends its PID
    namespace, where nothing can be forked any more) is replaced by a fresh one, before or after
    its job came. What fails (the keeper's own set-up, a job process's) is reported on the job's
    status pipe: a keeper that ended instead would have the zygote fork keepers in a loop."""

    def __init__(self, config: dict, slot: int, control: socket.socket):
        self.config, self.slot, self.control = config, slot, control
        self.own_pids = None  # a pidfd of this keeper, to point its children's PID namespace back at its own
        self.broken = None  # why this keeper cannot prepare any job
        self.child = None  # (pid, channel) of the job process forked ahead, until it is reaped
        self.end = sandbox.JobEnd()  # made before any job process is forked
        self.jobs_run = 0
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        try:
            sandbox.prctl(sandbox.PR_SET_PDEATHSIG, signal.SIGKILL)
            if config["per_job_namespaces"]:
                # its jobs' network namespace and, in the private root, their own /tmp, one job at a time: jobs
                # running at once (two submissions' jobs) share no file system whose free
                # blocks or inodes one could set and the other read
                sandbox.unshare(sandbox.CLONE_NEWNET | (sandbox.CLONE_NEWNS if config["private_tmp"] else 0))
                if config["private_tmp"]:
                    sandbox.mount_jobs_tmp(config["jobs_dir"], config["tmp_size_mb"])
                self.own_pids = os.pidfd_open(os.getpid())
        except BaseException as exc:
            self.broken = exc

    def run(self) -> None:
        """Never returns. Runs one job after another, each in a job process forked from this keeper.

        A job process is a copy of the keeper's memory, so the keeper keeps nothing of how an earlier job ended:
        memory that had held its exit code, its CPU time or the names in its folder, freed but not overwritten,
        could be read by the next job (through `ctypes`, in its own address space), and the hidden tests choose
        them. The job is reaped into buffers that are written to the status pipe unread and zeroed
        (`sandbox.JobEnd`); its folder is an unmounted tmpfs, or removed by `rm` in a process of its own; the
        keeper learns only whether the job timed out and finished its set-up (which the API is told anyway)."""
        while True:
            try:
                if self.one_job() != 0:
                    break
            except BaseException as exc:
                log_line(f"keeper {os.getpid()}: {exc!r}")
                break
        os._exit(0)  # the zygote is gone, or something failed: the zygote forks a fresh keeper if it runs

    def one_job(self) -> int:
        """One job: a job process forked ahead, "ready" to the zygote, the job run and reported. 0, or KEEPER_ENDS
        when the zygote's channel is gone."""
        problem = self.prepare()
        try:
            self.control.send(b"ready")
        except OSError:
            return KEEPER_ENDS
        while self.child is not None:
            ready, _, _ = select.select([self.control, self.child[1]], [], [])
            if self.control in ready:
                break
            self.reap()  # died while waiting, and no job came yet
            problem = self.prepare()
        try:
            data, fds, _, _ = socket.recv_fds(self.control, 65536, 3)
        except OSError:
            return KEEPER_ENDS
        if not data or len(fds) != 3:
            return KEEPER_ENDS  # the zygote is gone (it sends nothing else)
        self.run_job(json.loads(data), fds, problem)
        return 0

    def prepare(self) -> BaseException | None:
        """Fresh PID and IPC namespaces and a waiting job process (`self.child`); the failure, if any.

        The children's PID namespace is first pointed back at the keeper's own: a process can make
        a new PID namespace only from the one it runs in."""
        if self.broken is not None:
            return self.broken
        try:
            held = [self.control]
            if self.own_pids is not None:
                sandbox.setns(self.own_pids, sandbox.CLONE_NEWPID)
                sandbox.unshare(self.config["job_namespaces"] & ~sandbox.CLONE_NEWNET)
                held.append(self.own_pids)
            self.child = fork_job(self.config, self.slot, held)
            return None
        except BaseException as exc:
            return exc

    def reap(self) -> None:
        """End the job process forked ahead (if still there) and reap it."""
        pid, channel = self.child
        self.child = None
        channel.close()
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass

    def hand_over(self, sent: dict, stdin_r: int, obs_w: int) -> tuple[int, socket.socket]:
        """Give the job to the waiting job process (a fresh one if it died just before); its pid and channel."""
        pid, channel = self.child
        if hand_job(channel, sent, stdin_r, obs_w):
            return pid, channel
        self.reap()
        problem = self.prepare()
        if problem is not None:
            raise problem
        pid, channel = self.child
        if hand_job(channel, sent, stdin_r, obs_w):
            return pid, channel
        raise sandbox.SandboxError(0, "two job processes in a row ended before their job")

    def run_job(self, job: dict, fds: list[int], problem: BaseException | None) -> None:
        """Run one job; write how it ended on the status pipe (a `sandbox.JobEnd` record, or a JSON line when it
        could not be set up), close the job's fds."""
        stdin_r, obs_w, status_w = fds
        workdir, mounted, failed = None, False, None
        self.jobs_run += 1
        try:
            if problem is not None:
                raise problem
            if self.config["private_tmp"]:  # a tmpfs of the job's own on the keeper's /tmp, gone with one unmount
                workdir = os.path.join(self.config["jobs_dir"], "work")
                os.makedirs(workdir, mode=0o700, exist_ok=True)
                sandbox.mount_job_folder(workdir, self.config["tmp_size_mb"], job["uid"] if job["uid"] is not None else 0)
                mounted = True
            else:
                workdir = os.path.join(self.config["jobs_dir"], f"job-{os.getpid()}-{self.jobs_run}")
                os.mkdir(workdir, 0o700)
                if job["uid"] is not None:
                    os.chown(workdir, job["uid"], job["uid"])
            nproc = self.config["processes"] if job["uid"] is not None else sandbox.shared_uid_nproc(self.config["processes"])
            pid, channel = self.hand_over({"uid": job["uid"], "cwd": workdir, "nproc": nproc}, stdin_r, obs_w)
            os.close(stdin_r)
            os.close(obs_w)
            stdin_r = obs_w = None
            timed_out = wait_job(pid, job["timeout"], self.end)
            self.child = None  # reaped
            self.end.write(status_w, timed_out, set_up(channel))
        except BaseException as exc:
            failed = {"ended": "setup_failed", "error": str(exc)[:200]}
            log_line(f"keeper {os.getpid()}: the job could not be set up: {exc!r}")
            if self.child is not None:  # not reaped: it must not wait on, nor run on without a keeper watching it
                self.reap()
        finally:
            try:
                if mounted:
                    sandbox.unmount(workdir)
                elif workdir:
                    sandbox.spawn_remove_tree(workdir)
            except OSError as exc:
                log_line(f"keeper {os.getpid()}: the job's folder could not be removed: {exc!r}")
            if failed is not None:
                try:
                    os.write(status_w, (json.dumps(failed) + "\n").encode())
                except OSError:
                    pass
            for fd in (stdin_r, obs_w, status_w):
                if fd is not None:
                    os.close(fd)


def log_line(text: str) -> None:
    """One line on stderr, which the API forwards into its log (jobs never hold this stderr)."""
    try:
        os.write(2, (" ".join(text.split())[:1000] + "\n").encode(errors="replace"))
    except OSError:
        pass


def wait_job(pid: int, timeout: float, end: sandbox.JobEnd) -> bool:
    """Wait for the job process to end (killed at `timeout`), reap it into `end`'s buffers; did it time out?"""
    pidfd = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([pidfd], [], [], timeout)
        timed_out = not ready
        if timed_out:
            os.kill(pid, signal.SIGKILL)
        end.reap(pid)
    finally:
        os.close(pidfd)
    try:
        os.killpg(pid, signal.SIGKILL)  # anything it started and left behind (without a PID namespace)
    except OSError:
        pass
    return timed_out


def start_keeper(config: dict, slot: int, control: socket.socket, others: list[socket.socket], held: list[int]) -> socket.socket:
    """Fork a keeper for `slot`; the zygote's channel to it.

    The keeper keeps none of the zygote's other channels (`others`: the API's, the other keepers')
    and none of the pipes of jobs waiting in the zygote for a keeper (`held`)."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:
        ours.close()
        control.close()
        for sock in others:
            sock.close()
        for fd in held:
            os.close(fd)
        Keeper(config, slot, theirs).run()
    theirs.close()
    return ours


class Keepers:
    """The zygote's keepers: KEEPERS_PER_SLOT per slot, forked once, each running one job after another.

    While one of a slot's keepers runs the slot's job, the other's job process already waits for
    the next, so a job never waits for namespaces or a cgroup move. A job for a slot none of whose
    keepers is ready yet waits here until one says "ready"; a keeper that ends is replaced."""

    def __init__(self, config: dict, control: socket.socket):
        self.config = config
        self.control = control
        self.slot_of: dict[socket.socket, int] = {}
        self.ready: dict[int, list[socket.socket]] = {slot: [] for slot in range(config["slots"])}
        self.jobs: dict[int, list[tuple[bytes, list[int]]]] = {slot: [] for slot in range(config["slots"])}

    def start(self) -> None:
        for _ in range(KEEPERS_PER_SLOT):
            for slot in self.ready:
                self.fork(slot)

    def fork(self, slot: int) -> None:
        held = [fd for waiting in self.jobs.values() for _, fds in waiting for fd in fds]
        self.slot_of[start_keeper(self.config, slot, self.control, list(self.slot_of), held)] = slot

    def dispatch(self, data: bytes, fds: list[int]) -> None:
        """Hand a job to one of its slot's ready keepers (or keep it until one is)."""
        slot = json.loads(data).get("slot")
        if slot not in self.jobs:
            log_line(f"zygote: a job for slot {slot!r}, which does not exist, was refused")
            for fd in fds:
                os.close(fd)
            return
        self.jobs[slot].append((data, fds))
        self.hand_out(slot)

    def hand_out(self, slot: int) -> None:
        while self.jobs[slot] and self.ready[slot]:
            keeper = self.ready[slot].pop(0)
            data, fds = self.jobs[slot][0]
            try:
                socket.send_fds(keeper, [data], fds)
            except OSError as exc:
                self.replace(keeper, f"could not take a job ({exc!r})")
                continue
            self.jobs[slot].pop(0)
            for fd in fds:
                os.close(fd)

    def answer(self, keeper: socket.socket) -> None:
        """A keeper is ready for its slot's next job, or it ended."""
        try:
            message = keeper.recv(16)
        except OSError:
            message = b""
        if message != b"ready":
            self.replace(keeper, "ended")
            return
        slot = self.slot_of[keeper]
        self.ready[slot].append(keeper)
        self.hand_out(slot)

    def replace(self, keeper: socket.socket, why: str) -> None:
        slot = self.slot_of.pop(keeper)
        if keeper in self.ready[slot]:
            self.ready[slot].remove(keeper)
        keeper.close()
        log_line(f"zygote: a keeper of slot {slot} {why}; forking another")
        self.fork(slot)


def serve(config: dict, control: socket.socket) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # keepers are reaped by the kernel
    gc.freeze()  # forks share the preloaded heap instead of copying it when the collector walks it
    keepers = Keepers(config, control)
    keepers.start()
    while True:
        readable, _, _ = select.select([control, *keepers.slot_of], [], [])
        for keeper in readable:
            if keeper is not control:
                if keeper in keepers.slot_of:
                    keepers.answer(keeper)
                continue
            data, fds, _, _ = socket.recv_fds(control, 65536, 3)
            if not data:
                return
            if len(fds) != 3:
                for fd in fds:
                    os.close(fd)
                continue
            keepers.dispatch(data, fds)


def main() -> None:
    # the API may run with a strict umask (the classroom profile uses 077); the private root's
    # folders must still be traversable by the job's uid
    os.umask(0o022)
    config = json.loads(sys.argv[1])
    sandbox.close_inherited(keep=(config["control_fd"],))
    control = socket.socket(fileno=config["control_fd"])
    sandbox.prctl(sandbox.PR_SET_PDEATHSIG, signal.SIGKILL)
    try:
        layers = setup(config)
    except BaseException:
        control.send(json.dumps({"event": "failed", "error": traceback.format_exc()[-500:]}).encode())
        traceback.print_exc()  # stderr: the API logs it
        return
    control.send(json.dumps({"event": "ready", "layers": layers, "pid": os.getpid()}).encode())
    serve(config, control)


if __name__ == "__main__":
    main()
