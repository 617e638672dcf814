"""Run submissions in sandboxed processes, and compute the verdict in this process.

Jobs normally go to a pre-started zygote (``zygote.py``, driven by ``pool.py``) that forks one
confined worker per job, so a submission costs a fork instead of an interpreter start. When
the zygote cannot start, each job falls back to a fresh ``python -I -S -B solo.py`` subprocess
that applies the layers that still apply to itself. ``isolation_report()`` says which is which.

The grader runs on the API's event loop and never blocks it: every process is an asyncio
subprocess spawned with no code between fork and exec (the API has threads, so no
``preexec_fn``), the layer probes run in the zygote or in such a subprocess, and processes are
stopped with a signal and reaped by awaiting them.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import os
import pwd
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from traitlets import Any, Bool, Float, Integer, Unicode, default, observe
from traitlets.config import LoggingConfigurable

from ...exercise_bank import Exercise
from .. import metrics
from ..errors import Busy, ReferenceBroken, Unavailable
from . import sandbox
from .observations import Observations
from .pool import ISOLATION_DIR, READ_SIZE, PoolUnavailable, Zygote, default_root
from .turns import OwnerTurns, shared_turn
from .verdict import GradeResult, TestResult, expectation_from_literal, judge, readable

WORKER = Path(__file__).with_name("worker.py")
SOLO = Path(__file__).with_name("solo.py")
JOB_NAMESPACES = sandbox.CLONE_NEWNET | sandbox.CLONE_NEWPID | sandbox.CLONE_NEWIPC
# all a student learns about a failed hidden test: no value, no error, no output of the job that ran it
HIDDEN_FAILED = "did not pass (hidden test: no details are shown)"
SECCOMP_LAYER = (f"per job: a filter refusing {len(sandbox.DENIED_SYSCALLS)} system calls (ptrace, mounts, namespaces, bpf, "
                 "perf, io_uring, keyrings, modules, page-cache probes, file locks...), clone into new namespaces, "
                 "fcntl's locks, leases and notices, shared futexes, sockets but unix, socket cookies, ustat, message queues, SHM_LOCK, huge pages")
LANDLOCK_LAYER = ("per job without the private root (Landlock): reads only /usr and the standard library (installed packages "
                  "and the bank excluded), reads and writes only its own folder and /dev/null")
# the zygote's jobs import the standard library from the zygote's memory: they read no folder of the host
ZYGOTE_LANDLOCK_LAYER = ("per job without the private root (Landlock): reads and writes only its own folder and /dev/null, "
                         "reads /dev/zero, /dev/urandom and /dev/random; no other file (the standard library comes from the "
                         "zygote's memory)")


@functools.lru_cache(maxsize=1)
def bank_folders() -> tuple[str, ...]:
    """Where this process's bank package is installed (its reference solutions and hidden tests): no job reads there.
    Looked up once: every zygote start and every fallback job's configuration names it."""
    import importlib.util

    spec = importlib.util.find_spec("codementor.exercise_bank")
    return tuple(os.path.realpath(p) for p in (spec.submodule_search_locations or [])) if spec else ()


# the outcome of a job with no tests to run (none hidden, or none visible)
NO_TESTS = ("graded", [{"event": "loaded", "ok": True}, {"event": "done"}])


class JobOutcome(NamedTuple):
    """How one phase of a job ended, what it observed, and the seconds from its job's start in the slot to its end."""

    status: str
    messages: list[dict]
    seconds: float


class JobTests(NamedTuple):
    """The tests one job runs: how many, and the rest of the job's JSON after the code (specs, never expectations)."""

    count: int
    after_code: bytes


class Grader(LoggingConfigurable):
    """Grades code against an exercise's visible and hidden tests in a sandboxed child process."""

    timeout = Float(10.0, help="Wall-clock seconds one submission may run before it is stopped.").tag(config=True)
    memory_limit_mb = Integer(512, help="Address-space limit of the worker process, in MiB.").tag(config=True)
    max_output_bytes = Integer(1024 * 1024, help="Most bytes read back from one worker (stdout and stderr are capped too).").tag(config=True)
    cpu_cores = Float(
        1.0, help="CPU one job may use at once, in cores: its slot's cgroup-v1 CPU quota (0: no quota). Spinning "
        "several processes then cannot take the machine from the other slots and the Hub."
    ).tag(config=True)
    max_processes = Integer(8, help="Processes (threads count too) one job may run: its slot's pids cgroup, and RLIMIT_NPROC of the slot's uid.").tag(config=True)
    max_open_files = Integer(64, help="RLIMIT_NOFILE of a job.").tag(config=True)
    max_file_bytes = Integer(1024 * 1024, help="RLIMIT_FSIZE of a job: the largest file it may write.").tag(config=True)
    tmp_size_mb = Integer(64, help="Size of each keeper's tmpfs holding its jobs' working folders (private root only).").tag(config=True)
    concurrency = Integer(help="Submissions graded at once; more wait in line.").tag(config=True)
    queue_limit = Integer(64, help="Submissions that may wait for a free slot; beyond that the API answers 503 with Retry-After.").tag(config=True)
    retry_after = Integer(2, help="Seconds a client is told to wait when the grading queue is full.").tag(config=True)
    per_user_jobs = Integer(
        1, help="Submissions of one student graded at once; more wait behind their own (not in front of other students' "
        "submissions in the grading queue); with the API's Redis, 1 means one at a time across all its processes (workers, "
        "replicas). 0: no limit per student.",
    ).tag(config=True)
    turn_store = Any(None, allow_none=True, help="(set by the API) The Redis client holding each student's grading turn "
                     "across the API's processes; None: turns within this process only.")
    per_user_waiting = Integer(
        3, help="Submissions of one student that may wait for their turn (per_user_jobs); one more gets a 429 "
        "`rate_limited` with Retry-After (the grading timeout, rounded up).",
    ).tag(config=True)
    answer_step = Float(
        0.016,
        help="A grading's answer is held until the next of these steps, doubling from this many seconds (16, 32, 64 ms ... "
        "about 8 s), so how long the hidden tests ran shows only as which step it reached: about 3 bits a submission "
        "instead of the run time to the millisecond. 0: answer as soon as graded.",
    ).tag(config=True)
    python = Unicode(help="The Python interpreter that runs the zygote and the fallback worker.").tag(config=True)
    use_pool = Bool(True, help="Fork jobs from a pre-started zygote; False starts a fresh interpreter per job.").tag(config=True)
    allow_root_fallback = Bool(
        False,
        help="Let the fallback (no zygote) run a student's job as root when no sandbox uid can run the interpreter "
        "(Python installed under /root): such a job can read and write the machine. Off, grading answers 503 until "
        "the zygote starts again; install Python where every user can run it to have a safe fallback.",
    ).tag(config=True)
    isolate = Bool(
        True,
        help="Apply namespaces, the private root and the per-slot uids when running as root. Turn off only to "
        "measure their cost: as root without them nothing bounds the number of processes a job starts.",
    ).tag(config=True)
    seccomp = Bool(
        True, help="Install a seccomp filter in every job refusing ptrace, mounts, new namespaces, bpf, perf, io_uring, "
        "keyrings, modules and the like (Linux x86-64). Turn off only to compare.",
    ).tag(config=True)
    landlock = Bool(
        True, help="Where a job has no private root (not root, in a pod), restrict its file system access with Landlock "
        "(Linux >= 5.13): a zygote's job reads and writes only its own folder and the devices (the standard library "
        "comes from the zygote's memory), a fallback job also reads /usr and the standard library. Turn off only to compare.",
    ).tag(config=True)
    sandbox_uid_base = Integer(
        1990000,
        help="Jobs run as uid sandbox_uid_base + slot (one uid per concurrency slot, no passwd entry needed, "
        "like systemd's DynamicUser). These uids must belong to no account and own no files.",
    ).tag(config=True)

    pod_confinement = Unicode(
        help="What the container around the API confines, in words, as the operator set it up (for example 'Kubernetes "
        "pod: non-root, no capabilities, seccomp RuntimeDefault, read-only root, NetworkPolicy ...') "
        "($CODEMENTOR_POD_CONFINEMENT). The grader cannot check it: it reports it as the `pod` layer and next to "
        "every layer that falls back. Empty: no such container.",
    ).tag(config=True)
    guard_api_process = Bool(
        True, help="When jobs run under the API's own uid (not root), mark the API process not dumpable, so that a job "
        "cannot read its memory or /proc/<pid>/environ (the database and Redis URLs, the LLM key).",
    ).tag(config=True)

    @default("pod_confinement")
    def _default_pod_confinement(self):
        return " ".join(os.environ.get("CODEMENTOR_POD_CONFINEMENT", "").split())

    uid_offset = Integer(
        0, help="(set by the API for its worker k: k * concurrency) Added to sandbox_uid_base, so that the slots of "
        "several API workers never share a uid.",
    )

    @observe("uid_offset")
    def _recheck_uids(self, change):
        self._uids_ok, self._uid_problem = self._check_uids()

    @default("concurrency")
    def _default_concurrency(self):
        return max(1, os.cpu_count() or 1)

    @default("python")
    def _default_python(self):
        return sys.executable

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._slots = asyncio.Semaphore(self.concurrency)
        self._free = list(range(self.concurrency))
        self._waiting = 0
        self._grading = 0  # submissions admitted and not finished (each runs one job)
        self._turns = OwnerTurns()  # per student: at most per_user_jobs of theirs admitted at once
        self._reference: dict[str, list[dict]] = {}  # expected observations per exercise digest
        self._reference_runs: dict[str, asyncio.Future] = {}  # one reference run per exercise at a time
        self._encoded_tests: dict[tuple, JobTests] = {}  # job specs as JSON, per exercise digest and tests
        self._reaping: set[asyncio.Task] = set()
        self._fallback_lock = asyncio.Lock()
        self._zygote: Zygote | None = None
        self._pool_problem = "not started yet" if self.use_pool else "turned off (Grader.use_pool = False)"
        self._seccomp_problem: str | None = ""  # None once a probe saw the filter work; "" before start()
        self._landlock_problem: str | None = ""  # the same for Landlock in the fallback jobs
        self._start_lock = asyncio.Lock()
        self._started = False
        self._uids_ok, self._uid_problem = self._check_uids()
        self._api_guarded = False
        metrics.GRADING_QUEUE_LIMIT.set(self.queue_limit)

    # ---- start-up and the isolation report ------------------------------------------------

    @property
    def _uid_first(self) -> int:
        return self.sandbox_uid_base + self.uid_offset

    def _check_uids(self) -> tuple[bool, str]:
        if not self.isolate:
            return False, "turned off (Grader.isolate = False)"
        if os.geteuid() != 0:
            return False, f"the API runs as uid {os.geteuid()}, not root: jobs keep that uid"
        for uid in range(self._uid_first, self._uid_first + self.concurrency):
            try:
                return False, f"uid {uid} belongs to account {pwd.getpwuid(uid).pw_name!r}: change Grader.sandbox_uid_base"
            except KeyError:
                continue
        return True, ""

    def _zygote_config(self) -> dict:
        root_ok = self.isolate and os.geteuid() == 0 and sandbox.platform_ok()
        return {
            "isolate": self.isolate and os.geteuid() == 0,
            "root": default_root() if root_ok else None,
            "tmp_size_mb": self.tmp_size_mb,
            "job_namespaces": JOB_NAMESPACES,
            "slots": self.concurrency,
            "fallback_jobs_dir": tempfile.gettempdir(),
            "cpu_seconds": int(self.timeout) + 1,
            "memory_bytes": self.memory_limit_mb * 1024 * 1024,
            "processes": self.max_processes,
            "cpu_cores": max(0.0, self.cpu_cores),
            "seccomp": self.seccomp,
            "seccomp_layer": SECCOMP_LAYER,
            "landlock": self.landlock,
            "landlock_layer": ZYGOTE_LANDLOCK_LAYER,
            "open_files": self.max_open_files,
            "file_bytes": self.max_file_bytes,
        }

    async def start(self) -> None:
        """Start the zygote (once); on failure, remember why and use plain subprocesses."""
        if self._started and (self._zygote is None or self._zygote.alive):
            return  # every job asks: answered without the lock
        async with self._start_lock:
            if self._started and (self._zygote is None or self._zygote.alive):
                return
            # started only once the zygote answers (or is given up): jobs that ask meanwhile wait for it here,
            # where they used to see no zygote yet and take the fallback
            self._guard_api_process()
            await self.aclose()  # a zygote that died: reap it and remove its groups
            if self.use_pool:
                zygote = Zygote(self.python, self._zygote_config(), logger=self.log)
                try:
                    await zygote.start()
                    self._zygote, self._pool_problem, self._started = zygote, "", True
                    return
                except PoolUnavailable as exc:
                    self._pool_problem = str(exc)
                    self.log.warning("grader: %s; falling back to one subprocess per submission", exc)
                    self._reap(zygote)
            await self._prepare_fallback()
            self._started = True

    def stop(self) -> None:
        """Stop the zygote without waiting (its jobs die with it); `aclose()` also waits until it is gone."""
        zygote, self._zygote = self._zygote, None
        if zygote is not None:
            zygote.stop()
            self._reap(zygote)

    async def aclose(self) -> None:
        """Stop the zygote and wait until every stopped zygote is reaped and its cgroups are removed."""
        self.stop()
        while self._reaping:
            await asyncio.gather(*self._reaping, return_exceptions=True)

    def _reap(self, zygote: Zygote) -> None:
        """Reap a stopped zygote in the background (without a running loop, the child watcher does)."""
        try:
            task = asyncio.get_running_loop().create_task(zygote.aclose())
        except RuntimeError:
            zygote.stop()
            return
        self._reaping.add(task)
        task.add_done_callback(self._reaping.discard)

    async def _prepare_fallback(self) -> None:
        """Before the first job without a zygote: probe the seccomp filter (in a subprocess), check the uid layer."""
        async with self._fallback_lock:
            if self._seccomp_problem != "":
                return
            probed = await self._probe_fallback() if self.seccomp or self.landlock else {}
            self._seccomp_problem = probed["seccomp"] if self.seccomp else "off (Grader.seccomp = False)"
            self._landlock_problem = probed["landlock"] if self.landlock else "off (Grader.landlock = False)"
            self._check_subprocess_uid()

    async def _probe_fallback(self) -> dict[str, str | None]:
        """Whether the seccomp filter and Landlock work for a fallback job: {layer: None if so, else why not}."""
        proc = await asyncio.create_subprocess_exec(
            self.python, "-I", "-S", "-B", str(SOLO), json.dumps({"probe": True, "bank_folders": bank_folders()}), str(ISOLATION_DIR),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            cwd="/", env={"PYTHONHASHSEED": "0"},
        )
        out, err = await proc.communicate()
        try:
            answer = json.loads(out)
            return {"seccomp": answer["seccomp"], "landlock": answer["landlock"]}
        except (ValueError, KeyError, TypeError):
            failed = f"the probe failed: {err.decode(errors='replace').strip()[-300:] or f'exit {proc.returncode}'}"
            return {"seccomp": failed, "landlock": failed}

    def _guard_api_process(self) -> None:
        """Jobs that share the API's uid must not read the API's memory or environment."""
        if self.guard_api_process and os.geteuid() != 0 and not self._api_guarded:
            sandbox.prctl(sandbox.PR_SET_DUMPABLE, 0)
            self._api_guarded = True

    def _api_process_report(self) -> str:
        if self._uids_ok:
            return "jobs run under other uids than the API"
        if self._api_guarded:
            return "not dumpable: a job under the API's uid cannot read its memory or /proc/<pid>/environ"
        if os.geteuid() == 0:
            return "FALLBACK: jobs run as root (no uid layer): nothing keeps them from the API process"
        return "FALLBACK: dumpable (Grader.guard_api_process = False, or not started): a job can read the API's /proc/<pid>/environ"

    def isolation_report(self) -> dict[str, str]:
        """Which isolation layers are active (after `start()`), and what falls back where one is not.

        With `pod_confinement` set, a `pod` layer says what the container around the API confines
        (as the operator declared it), and every fallback line points at it.
        """
        report = self._layer_report()
        if not self.pod_confinement:
            return report
        note = " (the pod's confinement applies: see `pod`)"
        report = {layer: state + note if state.startswith("FALLBACK") else state for layer, state in report.items()}
        return {"pod": f"declared by the operator, not checked by the grader: {self.pod_confinement}", **report}

    def _layer_report(self) -> dict[str, str]:
        layers = self._zygote.layers if self._zygote is not None else {}
        uid = (f"one unprivileged uid per slot: {self._uid_first}..{self._uid_first + self.concurrency - 1}, "
               "no groups, no_new_privs, not dumpable") if self._uids_ok else f"FALLBACK: {self._uid_problem}"
        return {
            "process": "student code runs only in a child process; the verdict is computed in the API process",
            "api_process": self._api_process_report(),
            "pool": "pre-started zygote; per job, a fork of one of its slot's keepers, which reaps it" if self._zygote else f"FALLBACK: {self._pool_problem}; a fresh `python -I -S -B` per job",
            "uid": uid,
            "cgroups": layers.get("cgroups", "FALLBACK: no cgroups (needs root and the zygote); per-process rlimits only"),
            "seccomp": layers.get("seccomp") or self._seccomp_report(),
            "network": layers.get("job_namespaces", "FALLBACK: " + self._fallback_net()),
            "filesystem": layers.get("private_root", "FALLBACK: the host file system is visible (cwd is a private tmp folder)"),
            "landlock": layers.get("landlock") or self._landlock_report(),
            "stdlib": layers.get("stdlib", "FALLBACK: no zygote; each job's fresh interpreter reads the standard library's "
                                 "files, which other jobs read too"),
            "mapped_files": layers.get("mapped_files", "FALLBACK: no zygote; each job maps the interpreter's files afresh"),
            "rlimits": (f"CPU {int(self.timeout) + 1} s, address space {self.memory_limit_mb} MiB, open files {self.max_open_files}, "
                        f"file size {self.max_file_bytes} B, no core files"
                        + f", processes: {self._nproc_report()}"),
            "wall_clock": f"{self.timeout:g} s, then the job and everything it started is killed",
            "workdir": ("a tmpfs of its own per job (mode 700, the job's uid), unmounted when the job ends"
                        if "a /tmp of its own" in layers.get("job_namespaces", "") else
                        "a private folder per job (mode 700), removed when the job ends"),
            "output": f"observations capped at {self.max_output_bytes} B; the student's stdout/stderr go to capped buffers or /dev/null",
            "queue": f"{self.concurrency} at once, {self.queue_limit} waiting, then 503 with Retry-After: {self.retry_after}; "
                     + (f"per student {self.per_user_jobs} at once, {self.per_user_waiting} waiting behind their own, then 429"
                        if self.per_user_jobs > 0 else "no limit per student (Grader.per_user_jobs = 0)"),
        }

    def _seccomp_report(self) -> str:
        """The fallback path's seccomp line (the zygote reports its own)."""
        if self._seccomp_problem is None:
            return SECCOMP_LAYER
        return f"FALLBACK: {self._seccomp_problem or 'not checked yet (the grader has not started)'}"

    def _landlock_report(self) -> str:
        """The fallback path's Landlock line (the zygote reports its own)."""
        if self._landlock_problem is None:
            return LANDLOCK_LAYER
        if self._landlock_problem.startswith("off"):
            return f"FALLBACK: {self._landlock_problem}; a job reads whatever the API's uid can read"
        return (f"FALLBACK: Landlock not available ({self._landlock_problem or 'not checked yet (the grader has not started)'}); "
                "a job reads whatever the API's uid can read")

    def _nproc_report(self) -> str:
        if self._uids_ok:
            return f"{self.max_processes} per slot uid"
        if os.geteuid() != 0:
            return f"FALLBACK: what the API's uid runs now + {self.max_processes} (the limit counts the whole uid)"
        return "FALLBACK: none (root ignores RLIMIT_NPROC); only the wall-clock kill of the process group"

    def _fallback_net(self) -> str:
        if self.isolate and os.geteuid() == 0:
            return "subprocess path: a new network namespace per job"
        return "no network isolation (not root): the job can reach the network"

    # ---- grading -----------------------------------------------------------------------------

    async def grade(self, exercise: Exercise, code: str, *, feedback: bool = True, owner=None, timeout: float | None = None) -> GradeResult:
        """Grade `code` in one job of two phases: the visible tests, then, once their feedback is out of the job, the
        hidden tests on a fresh load of the code.

        No hidden test is in the job (nor anywhere outside the API process) before the visible feedback is final,
        so nothing the code finds can carry one back through it; the hidden phase's results leave the job as
        pass/fail only. `feedback=False` (for callers that show nobody more than which tests passed, such as the
        leak filter) runs every test in one phase and reports pass/fail only, for every test.
        `owner` (a student's id) takes turns: at most `per_user_jobs` of one owner's submissions are admitted at
        once, the others wait behind them (GradingLineFull past `per_user_waiting`), so a burst of slow
        submissions from one student does not stand in front of everyone else's.
        `timeout`: wall-clock seconds for this grading's jobs when shorter than `Grader.timeout` (the leak filter's runs).
        """
        clock = _AnswerClock(time.perf_counter())
        limit = min(timeout, self.timeout) if timeout else None
        if owner is None or self.per_user_jobs <= 0:
            return await self._held(clock, self._graded(exercise, code, feedback, limit))
        return await self._held(clock, self._in_turn(clock, owner, exercise, code, feedback, limit))

    async def _in_turn(self, clock: "_AnswerClock", owner, exercise: Exercise, code: str, feedback: bool,
                       timeout: float | None = None) -> GradeResult:
        """The grading in the owner's turn. One that waited for the turn behind the owner's grading before it (of any
        exercise) answers no earlier than that one does, and counts its step from there: counted from its own
        request, its answer would show when the hidden job before it ended (a probe sent behind a submission of
        another exercise read that job's time at a step of its own), where now it shows how far it ran past an
        answer the student has anyway. The turn passes on only when this answer leaves: the next grading's jobs would
        otherwise start the moment this one's hidden job ended, and a job can read the clock and return what it read
        as a visible value."""
        retry_after = math.ceil(self.timeout)
        async with self._turns.turn(owner, self.per_user_jobs, self.per_user_waiting, retry_after) as line:
            # the same student's grading on another API process (worker, replica) goes first; a grading's turn lasts
            # until its answer leaves, at most the timeout and the answer step it reaches (at most twice the timeout)
            store = self.turn_store if self.per_user_jobs == 1 else None  # more at once: the operator allows it
            async with shared_turn(store, owner, wait=(self.per_user_waiting + 1) * (2 * self.timeout + 1),
                                   hold=max(30.0, 3 * self.timeout), retry_after=retry_after) as waited:
                if waited:  # the answer before it has just left: counted from there, as one that waited in this process
                    clock.since = max(clock.since, time.perf_counter())
                clock.since = max(clock.since, line.answered_at)
                try:
                    return await self._graded(exercise, code, feedback, timeout)
                finally:
                    line.answered_at = clock.settle(self.answer_step)
                    await clock.hold(self.answer_step)

    async def _graded(self, exercise: Exercise, code: str, feedback: bool, timeout: float | None = None) -> GradeResult:
        expectations = await self._expectations(exercise)
        if not feedback:
            return await self._pass_fail(exercise, code, expectations, timeout)
        return await self._both_phases(exercise, code, expectations)

    async def _held(self, clock: "_AnswerClock", grading) -> GradeResult:
        """The grading's result, or its error, at the first answer step past the clock's start (`_AnswerClock`): a
        wait for the owner's turn is inside, so a submission's answer does not show when the one before it ended."""
        try:
            result = await grading
        except Exception:  # an error leaves at a step too: its moment would tell when a job ended
            await clock.hold(self.answer_step)
            raise
        await clock.hold(self.answer_step)
        return result

    async def _both_phases(self, exercise: Exercise, code: str, expectations: list[dict]) -> GradeResult:
        """The visible and the hidden phase of one submission, judged (Busy when the grading queue is full)."""
        visible = [i for i, t in enumerate(exercise.tests) if not t.hidden]
        hidden = [i for i, t in enumerate(exercise.tests) if t.hidden]
        if self._grading >= self.concurrency + self.queue_limit:
            raise Busy(f"the grader is busy ({self._grading} submissions in line); try again shortly", retry_after=self.retry_after)
        self._grading += 1
        try:
            elapsed, seen, unseen = await self._visible_and_hidden(
                code, self._job_tests(exercise, visible, at_end=False), self._job_tests(exercise, hidden, at_end=True))
        finally:
            self._grading -= 1
        # the duration shown is the visible phase's; the answer leaves at a step, whatever the hidden phase took
        return self._verdict(exercise, expectations, (visible, *seen), (hidden, *unseen), elapsed)

    async def _visible_and_hidden(self, code: str, visible: JobTests, hidden: JobTests):
        """One job: the visible tests, then the hidden ones; (ms the visible phase took, its outcome, the hidden's).

        The hidden tests are sent only when the visible phase ended cleanly: when the code does not load, or the
        visible phase crashed or timed out, every hidden test fails the same way without them ("skipped")."""
        outcomes = await self._run(code, (visible, hidden) if hidden.count else (visible,), check_queue=False)
        seen = outcomes[0]
        return seen.seconds * 1000, (seen.status, seen.messages), (outcomes[1][:2] if hidden.count else NO_TESTS)

    def _job_tests(self, exercise: Exercise, indexes: list[int], at_end: bool) -> JobTests:
        """These tests as the worker reads them, encoded once per exercise version.

        `at_end`: the job's observations count only if it finishes (hidden tests, pass/fail only, the
        reference), so the worker writes them all at once at the end instead of before each next test."""
        key = (exercise.digest, at_end, *indexes)
        tests = self._encoded_tests.get(key)
        if tests is None:
            rest = {"tests": [exercise.tests[i].job_spec() for i in indexes], "report": "at_end" if at_end else "per_test"}
            tests = self._encoded_tests[key] = JobTests(len(indexes), b", " + json.dumps(rest).encode()[1:])
        return tests

    async def _pass_fail(self, exercise: Exercise, code: str, expectations: list[dict], timeout: float | None = None) -> GradeResult:
        started = time.perf_counter()
        (outcome,) = await self._run(code, (self._job_tests(exercise, list(range(len(exercise.tests))), at_end=True),), timeout=timeout)
        nothing = ([], *NO_TESTS)
        everything = (list(range(len(exercise.tests))), outcome.status, outcome.messages)
        return self._verdict(exercise, expectations, nothing, everything, (time.perf_counter() - started) * 1000)

    def _check_queue(self) -> None:
        if self._slots.locked() and self._waiting >= self.queue_limit:
            raise Busy(f"the grader is busy ({self._waiting} submissions waiting); try again shortly", retry_after=self.retry_after)

    async def _run(self, code: str, phases: tuple[JobTests, ...], check_queue: bool = True,
                   timeout: float | None = None) -> list["JobOutcome"]:
        """Wait for a slot (or refuse when the line is full), then run one job in it: its phases in turn (the tests of
        each next phase are sent once the one before has ended cleanly); how each phase ended.

        `timeout` replaces `Grader.timeout` for this job (all its phases)."""
        if check_queue:
            self._check_queue()
        self._waiting += 1
        queued = time.perf_counter()
        try:
            with metrics.GRADING_QUEUE.track_inprogress():
                await self._slots.acquire()
        finally:
            self._waiting -= 1
        started = time.perf_counter()
        metrics.GRADING_WAIT_SECONDS.observe(started - queued)
        slot = self._free.pop()

        def give_back(_=None) -> None:
            metrics.GRADING_SECONDS.observe(time.perf_counter() - started)
            self._free.append(slot)
            self._slots.release()

        # the job runs in a task of its own, and holds its slot until it has ended even when its caller stops
        # waiting (is cancelled): its keeper runs it on, and the slot's next job would run beside it, under the same
        # uid, in the same groups. Otherwise the slot is given back here, before the caller goes on
        running = asyncio.ensure_future(self._in_slot(slot, code, phases, timeout))
        try:
            results = await asyncio.shield(running)
        finally:
            if running.done():
                give_back()
            else:  # cancelled while the job runs
                running.add_done_callback(give_back)
                running.add_done_callback(_retrieved)
        ended = time.perf_counter()
        first = results[0][1].started_at  # this attempt's: a job run again on a fresh zygote counts from its new start
        return [JobOutcome(status, observations.messages, ((observations.ended_at or ended) - first))
                for status, observations in results]

    async def _in_slot(self, slot: int, code: str, phases: tuple[JobTests, ...], timeout: float | None) -> list[tuple[str, Observations]]:
        with metrics.GRADING_RUNNING.track_inprogress():
            inputs = [b'{"code": %s%s\n' % (json.dumps(code).encode(), phases[0].after_code)]
            inputs += [b'{"then": true%s\n' % later.after_code for later in phases[1:]]
            return await self._run_in_slot(slot, inputs, [p.count for p in phases], timeout)

    async def _run_in_slot(self, slot: int, inputs: list[bytes], counts: list[int], timeout: float | None = None) -> list[tuple[str, Observations]]:
        """On the zygote; a job whose keeper or zygote was lost runs once more on a fresh zygote, never in the
        fallback (outside the private root: what ended the keeper may have been this very job), then is `crashed`."""
        timeout = timeout or self.timeout
        for attempt in range(2):
            await self.start()
            uid = self._uid_first + slot if self._uids_ok else None
            zygote = self._zygote
            phases = [Observations(count, self.max_output_bytes) for count in counts]
            if zygote is None and attempt == 0:
                return list(zip(await self._run_subprocess(inputs, uid, phases, timeout), phases))
            if zygote is None:
                break
            try:
                return list(zip(await zygote.run(inputs, slot, uid, timeout, phases), phases))
            except PoolUnavailable as exc:
                self.log.warning("grader: %s; restarting the zygote", exc)
                if self._zygote is zygote:
                    self.stop()
                    self._started = False
        return [("crashed", phases[0])] + [("skipped", p) for p in phases[1:]]

    async def _run_subprocess(self, inputs: list[bytes], uid: int | None, phases: list[Observations], timeout: float | None = None) -> list[str]:
        """The fallback: a fresh interpreter per job that confines itself (``solo.py``) in a private cwd."""
        await self._prepare_fallback()
        if not self._subprocess_uid_ok():
            uid = None
        if uid is None and os.geteuid() == 0 and self.isolate and not self.allow_root_fallback:
            self.log.error("grader: refusing to run a job as root without its zygote (%s); %s", self._pool_problem or "use_pool is off",
                           self._uid_problem or "no sandbox uid can run the interpreter: install Python where every user can run it")
            raise Unavailable("grading is not available right now; nothing was stored: try again in a few minutes")
        workdir = tempfile.mkdtemp(prefix="codementor-job-")
        if uid is not None:
            os.chown(workdir, uid, uid)
        proc = await asyncio.create_subprocess_exec(
            self.python, "-I", "-S", "-B", str(SOLO), json.dumps(self._solo_config(uid)), str(ISOLATION_DIR),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True, limit=self.max_output_bytes, cwd=workdir, env={"PYTHONHASHSEED": "0"},
        )
        statuses: list[str] = []
        try:
            async with asyncio.timeout(timeout or self.timeout):
                for line, observations in zip(inputs, phases):
                    statuses.append("crashed")
                    proc.stdin.write(line)
                    await proc.stdin.drain()
                    statuses[-1] = await self._read_messages(proc.stdout, observations)
                    if statuses[-1] != "graded":
                        break
                proc.stdin.close()
                await proc.wait()
        except TimeoutError:
            statuses[-1:] = ["timeout"]
        except (BrokenPipeError, ConnectionResetError):
            statuses[-1:] = ["crashed"]
        finally:
            if proc.returncode is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                await proc.wait()
            sandbox.remove_tree(workdir)
        return statuses + ["skipped"] * (len(phases) - len(statuses))

    def _solo_config(self, uid: int | None) -> dict:
        """What the fallback job applies to itself before it runs any of the student's code (see solo.py)."""
        return {
            "uid": uid,
            "processes": self.max_processes,
            "cpu_seconds": int(self.timeout) + 1,
            "memory_bytes": self.memory_limit_mb * 1024 * 1024,
            "open_files": self.max_open_files,
            "file_bytes": self.max_file_bytes,
            "namespaces": sandbox.CLONE_NEWNET | sandbox.CLONE_NEWIPC if self.isolate and os.geteuid() == 0 else 0,
            "seccomp": self._seccomp_problem is None,  # the probe saw the filter work here
            "landlock": self._landlock_problem is None,
            "bank_folders": bank_folders(),
        }

    def _subprocess_uid_ok(self) -> bool:
        return self._uids_ok and _reachable_by_all(self.python)

    def _check_subprocess_uid(self) -> None:
        """A fresh process under a sandbox uid must be able to reach the interpreter; say so if it cannot."""
        if self._uids_ok and not _reachable_by_all(self.python):
            self._uids_ok, self._uid_problem = False, (
                f"the interpreter {os.path.realpath(self.python)} sits in a folder other uids cannot enter, so a fresh "
                "process under a sandbox uid cannot import from it: jobs keep the API's uid (install Python outside /root)")

    @staticmethod
    async def _read_messages(stream: asyncio.StreamReader, observations: Observations) -> str:
        """Feed the fallback job's stdout to `observations` until they end (protocol order: see observations.py)."""
        while observations.ended is None:
            observations.feed(await stream.read(READ_SIZE))
        return observations.ended

    async def _expectations(self, exercise: Exercise) -> list[dict]:
        """Expected observations per test: the author's literal, or the reference solution's answer."""
        if exercise.digest not in self._reference:  # worked out once per exercise version, not per submission
            reference = await self._reference_once(exercise)
            self._reference[exercise.digest] = [
                expectation_from_literal(t.check, t.expect) if t.expect is not None else reference[i]
                for i, t in enumerate(exercise.tests)
            ]
        return self._reference[exercise.digest]

    async def _reference_once(self, exercise: Exercise) -> list[dict]:
        """The reference's observations; submissions arriving meanwhile share the one run (a failure is not kept)."""
        running = self._reference_runs.get(exercise.digest)
        if running is None:
            running = asyncio.ensure_future(self._run_reference(exercise))
            self._reference_runs[exercise.digest] = running
            running.add_done_callback(lambda _: self._reference_runs.pop(exercise.digest, None))
        return await asyncio.shield(running)

    async def _run_reference(self, exercise: Exercise) -> list[dict]:
        specs = self._job_tests(exercise, list(range(len(exercise.tests))), at_end=True)
        ((status, messages, _),) = await self._run(exercise.solution, (specs,))
        observed = {m["index"]: m for m in messages if m.get("event") == "test"}
        if status == "graded" and len(observed) == specs.count:
            return [observed[i] for i in range(specs.count)]
        why = _reference_problem(status, messages)
        self.log.error("grader: the reference solution of exercise %s does not run clean: %s", exercise.id, why,
                       extra={"fields": {"exercise_id": exercise.id, "reference_status": status}})
        raise ReferenceBroken(exercise.id, why)

    def _verdict(self, exercise, expectations, seen, unseen, elapsed) -> GradeResult:
        """Judge both phases; of the hidden one only whether it finished and which tests passed is used."""
        indexes, status, messages = seen
        loaded = next((m for m in messages if m.get("event") == "loaded"), None)
        tests: list[TestResult | None] = [None] * len(exercise.tests)
        for i, observed in zip(indexes, _observed(messages, len(indexes))):
            passed, message = judge(exercise.tests[i].check, expectations[i], observed, False)
            tests[i] = TestResult(name=exercise.tests[i].name, hidden=False, passed=passed, message=message)
        hidden_indexes, hidden_status, hidden_messages = unseen
        hidden_clean = hidden_status == "graded" and any(m.get("event") == "loaded" and m.get("ok") for m in hidden_messages)
        for i, observed in zip(hidden_indexes, _observed(hidden_messages, len(hidden_indexes))):
            passed = hidden_clean and judge(exercise.tests[i].check, expectations[i], observed, True)[0]
            tests[i] = TestResult(exercise.tests[i].name, exercise.tests[i].hidden, passed, "" if passed else HIDDEN_FAILED)
        if loaded is not None and not loaded.get("ok"):
            return GradeResult("load_error", tests, f"your code stopped before any test ran: {readable(loaded.get('error'))}", elapsed)
        ended = status if status != "graded" else hidden_status if hidden_status != "graded" or hidden_clean else "crashed"
        if ended == "timeout":
            return GradeResult("timeout", self._failed(tests), f"stopped after {self.timeout:g} s: is there an endless loop?", elapsed)
        if ended != "graded":
            return GradeResult("crashed", self._failed(tests), "your code ended the grading process early (exit, crash or too much output)", elapsed)
        return GradeResult("graded", tests, "", elapsed)

    @staticmethod
    def _failed(tests: list[TestResult]) -> list[TestResult]:
        """A job that did not finish cleanly earns nothing, whatever it reported before."""
        return [TestResult(t.name, t.hidden, False, HIDDEN_FAILED if t.hidden else t.message or "the grading run did not finish")
                if t.passed else t for t in tests]


def _reference_problem(status: str, messages: list[dict]) -> str:
    """Why a reference run is unusable, for the operator's log (never shown to students)."""
    loaded = next((m for m in messages if m.get("event") == "loaded"), None)
    if loaded is not None and not loaded.get("ok"):
        return f"it does not load: {loaded.get('error')}"
    if status == "timeout":
        return "it ran past the time limit (Grader.timeout)"
    if status != "graded":
        return "it crashed or ended the grading process"
    return "it did not report every test"


def _observed(messages: list[dict], count: int) -> list[dict | None]:
    """One job's test observations by position (None where the job never reported that test)."""
    by_index = {m.get("index"): m for m in messages if m.get("event") == "test"}
    return [by_index.get(i) for i in range(count)]


def _reachable_by_all(path: str) -> bool:
    """Can any uid execute this interpreter (every folder on the way searchable by others)?"""
    real = Path(os.path.realpath(path))
    return all(os.stat(p).st_mode & 0o001 for p in [real, *real.parents])


def _retrieved(task: asyncio.Future) -> None:
    """A job's run whose caller stopped waiting: its error, if any, is read here (asyncio would log it as lost)."""
    if not task.cancelled():
        task.exception()


class _AnswerClock:
    """When a grading's answer leaves: at the first answer step past the time since `since`, steps doubling from
    `Grader.answer_step` (grading slots are free meanwhile).

    Code can make a hidden test run as long as an input tells it (sleep input[0] tenths of a second): the time the
    answer takes is then a channel out of the hidden job. Rounded up to a doubling step, it carries about
    log2(steps) bits (10 steps to ~8 s, then the timeout); a grading that waited long for its slot or turn is rounded
    up the same way, to a later step. The moment is settled once (`settle`, when the grading gives up its turn, so
    the next of the owner's can start from it) and the hold waits for that moment."""

    __slots__ = ("since", "at")

    def __init__(self, since: float):
        self.since = since
        self.at: float | None = None

    def settle(self, first_step: float) -> float:
        if self.at is None:
            now = time.perf_counter()
            step, elapsed = first_step, now - self.since
            if step <= 0:
                self.at = max(now, self.since)
            else:
                while step < elapsed:
                    step *= 2
                self.at = self.since + step
        return self.at

    async def hold(self, first_step: float) -> None:
        wait = self.settle(first_step) - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)


TOOL_UID_OFFSET = 100_000  # where the command-line tools' blocks of sandbox uids start, past sandbox_uid_base


def tool_uid_offset(concurrency: int) -> int:
    """The `uid_offset` of a command-line tool's grader (validating or importing exercises): a block of sandbox uids
    away from the API workers' (worker k's starts at k * concurrency), since RLIMIT_NPROC is counted per uid on the
    whole machine and a tool's jobs would share it with a running API's; chosen by process id, so that two tools
    running at once rarely share a block either."""
    return TOOL_UID_OFFSET + (os.getpid() % 1000) * max(1, concurrency)


def grade_file(exercise: Exercise, path: Path, **settings) -> GradeResult:
    """Grade a file from the command line, the same way the API grades a submission."""
    code = Path(path).read_text(encoding="utf-8")

    async def run():
        grader = Grader(**settings)
        try:
            return await grader.grade(exercise, code)
        finally:
            await grader.aclose()

    return asyncio.run(run())
