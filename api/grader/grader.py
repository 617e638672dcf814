"""Run submissions in a separate process with limits, and compute the verdict in this process."""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import resource
import signal
import sys
import time
from pathlib import Path

from traitlets import Float, Integer, Unicode, default
from traitlets.config import LoggingConfigurable

from ...exercise_bank import Exercise
from .verdict import GradeResult, TestResult, expectation_from_literal, judge

WORKER = Path(__file__).with_name("worker.py")


class Grader(LoggingConfigurable):
    """Grades code against an exercise's visible and hidden tests in a child process."""

    timeout = Float(10.0, help="Wall-clock seconds one submission may run before it is stopped.").tag(config=True)
    memory_limit_mb = Integer(512, help="Address-space limit of the worker process, in MiB.").tag(config=True)
    max_output_bytes = Integer(1024 * 1024, help="Most bytes read back from one worker.").tag(config=True)
    concurrency = Integer(help="Submissions graded at once; more wait in line.").tag(config=True)
    python = Unicode(help="The Python interpreter that runs the worker.").tag(config=True)
    user = Unicode(
        help="System user that runs submitted code ($CODEMENTOR_GRADER_USER); empty: the API's own user. "
        "Needs the API to run as root; set it whenever students have system users of their own. "
        "With one submission at a time (the default when this is set), each run first ends every "
        "process this user left behind, so no earlier submission can watch a later one.",
    ).tag(config=True)

    @default("user")
    def _default_user(self):
        return os.environ.get("CODEMENTOR_GRADER_USER", "")

    @default("concurrency")
    def _default_concurrency(self):
        return 1 if self.user else max(1, os.cpu_count() or 1)

    @default("python")
    def _default_python(self):
        return sys.executable

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._slots = asyncio.Semaphore(self.concurrency)
        self._reference: dict[str, list[dict]] = {}
        self._run_as = self._resolve_user() if self.user else None

    def _resolve_user(self) -> tuple[int, int]:
        try:
            entry = pwd.getpwnam(self.user)
        except KeyError:
            raise ValueError(f"the grader's system user {self.user!r} does not exist: create it or change c.Grader.user") from None
        if os.geteuid() != 0:
            raise ValueError(f"c.Grader.user={self.user!r} needs the API to run as root to switch to that user")
        if entry.pw_uid == 0:
            raise ValueError("c.Grader.user must not be root")
        return entry.pw_uid, entry.pw_gid

    def _limit_child(self):
        """Runs in the child before exec: its own session and resource limits, as the grader's user."""
        self._limit_trusted_child()
        if self._run_as is not None:
            uid, gid = self._run_as
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            if self.concurrency == 1:
                _end_other_processes_of_this_user()

    def _limit_trusted_child(self):
        """The same limits without switching user: for the bank's own reference solutions, kept
        away from the user that runs students' code."""
        os.setsid()
        cpu = int(self.timeout) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        memory = self.memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024 * 1024, 1024 * 1024))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    async def _run_worker(self, code: str, tests: list[dict], trusted: bool = False) -> tuple[str, list[dict]]:
        """Run the worker; return (how it ended, the observations it reported)."""
        proc = await asyncio.create_subprocess_exec(
            self.python, "-I", "-S", "-B", str(WORKER),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            preexec_fn=self._limit_trusted_child if trusted else self._limit_child, limit=self.max_output_bytes, cwd="/tmp", env={"PYTHONHASHSEED": "0"},
        )
        messages: list[dict] = []
        status = "crashed"
        try:
            async with asyncio.timeout(self.timeout):
                proc.stdin.write(json.dumps({"code": code, "tests": tests}).encode())
                await proc.stdin.drain()
                proc.stdin.close()
                status = await self._read_messages(proc, messages)
                await proc.wait()
        except TimeoutError:
            status = "timeout"
        except (ValueError, asyncio.LimitOverrunError, BrokenPipeError, ConnectionResetError):
            status = "crashed"
        finally:
            if proc.returncode is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                await proc.wait()
        return status, messages

    async def _read_messages(self, proc, messages: list[dict]) -> str:
        total = 0
        while line := await proc.stdout.readline():
            total += len(line)
            if total > self.max_output_bytes:
                return "crashed"
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if isinstance(message, dict):
                messages.append(message)
            if message.get("event") == "done":
                return "graded"
        return "crashed"

    async def _expectations(self, exercise: Exercise) -> list[dict]:
        """Expected observations per test: the author's literal, or the reference solution's answer."""
        if exercise.digest not in self._reference:
            specs = [t.job_spec() for t in exercise.tests]
            status, messages = await self._run_worker(exercise.solution, specs, trusted=True)
            observed = {m["index"]: m for m in messages if m.get("event") == "test"}
            if status != "graded" or len(observed) != len(specs):
                raise RuntimeError(f"the reference solution of {exercise.id} did not run clean ({status})")
            self._reference[exercise.digest] = [observed[i] for i in range(len(specs))]
        reference = self._reference[exercise.digest]
        return [
            expectation_from_literal(t.check, t.expect) if t.expect is not None else reference[i]
            for i, t in enumerate(exercise.tests)
        ]

    async def grade(self, exercise: Exercise, code: str) -> GradeResult:
        """Grade `code` against every test of `exercise` (visible and hidden)."""
        expectations = await self._expectations(exercise)
        async with self._slots:
            started = time.perf_counter()
            status, messages = await self._run_worker(code, [t.job_spec() for t in exercise.tests])
            elapsed = (time.perf_counter() - started) * 1000
        return self._verdict(exercise, expectations, status, messages, elapsed)

    def _verdict(self, exercise, expectations, status, messages, elapsed) -> GradeResult:
        loaded = next((m for m in messages if m.get("event") == "loaded"), None)
        observed = {m.get("index"): m for m in messages if m.get("event") == "test"}
        tests = []
        for i, (test, expected) in enumerate(zip(exercise.tests, expectations)):
            passed, message = judge(test.check, expected, observed.get(i), test.hidden)
            tests.append(TestResult(name=test.name, hidden=test.hidden, passed=passed, message=message))
        if loaded is not None and not loaded.get("ok"):
            return GradeResult("load_error", tests, f"your code stopped before any test ran: {loaded.get('error')}", elapsed)
        if status == "timeout":
            return GradeResult("timeout", tests, f"stopped after {self.timeout:g} s: is there an endless loop?", elapsed)
        if status != "graded":
            return GradeResult("crashed", tests, "your code ended the grading process early (exit, crash or too much output)", elapsed)
        return GradeResult("graded", tests, "", elapsed)


def _end_other_processes_of_this_user() -> None:
    """kill(-1) reaches every process this (unprivileged) user may signal, except the caller."""
    if 0 in os.getresuid():  # never as root: kill(-1) would reach the whole machine
        return
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass


def grade_file(exercise: Exercise, path: Path, **settings) -> GradeResult:
    """Grade a file from the command line, the same way the API grades a submission."""
    code = Path(path).read_text(encoding="utf-8")
    return asyncio.run(Grader(**settings).grade(exercise, code))
