"""The API side of the zygote: start it, hand it jobs, read back observations and how jobs ended.

Nothing here blocks the event loop: the zygote is an asyncio subprocess (spawned without any
code running between fork and exec), it is stopped with a signal and reaped by awaiting it, and
what it writes on stderr goes to the API's log, a line at a time.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from pathlib import Path

from ...isolation import cgroups
from .observations import Observations
from .sandbox import JOB_ENDED, JOB_ENDED_SIZE, job_end_report, remove_slot_cgroups

ZYGOTE = Path(__file__).with_name("zygote.py")
ISOLATION_DIR = Path(cgroups.__file__).parent  # the zygote runs without site-packages: it gets this folder
MAX_LOG_LINE = 2000  # characters of one zygote stderr line kept in the log
PIPE_ROOM = 60000  # bytes written to a job's stdin at once without blocking (a pipe holds 64 KiB)
READ_SIZE = 65536  # bytes read from a job's pipe per wake-up
log = logging.getLogger("codementor.grader")


class PoolUnavailable(RuntimeError):
    """The zygote could not start or stopped answering; the grader falls back to plain subprocesses."""


class Zygote:
    """One pre-started zygote process, shared by all concurrent jobs (each job is a fork of it)."""

    def __init__(self, python: str, config: dict, start_timeout: float = 20.0, logger: logging.Logger | None = None):
        self.python = python
        self.config = config
        self.start_timeout = start_timeout
        self.log = logger or log
        self.layers: dict[str, str] = {}
        self.proc: asyncio.subprocess.Process | None = None
        self._control: socket.socket | None = None
        self._stderr: asyncio.Task | None = None
        self.last_report: dict = {}  # how the latest job ended, as its keeper wrote it (with timings)
        self.cpu_ms = {"jobs": 0, "job": 0.0}  # jobs so far and their CPU, as their keepers' records say

    async def start(self) -> None:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        config = dict(self.config, control_fd=child.fileno())
        try:
            self.proc = await asyncio.create_subprocess_exec(
                self.python, "-I", "-S", "-B", str(ZYGOTE), json.dumps(config), str(ISOLATION_DIR),
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
                pass_fds=[child.fileno()], env={"PYTHONHASHSEED": "0", "PATH": "/usr/bin:/bin"},
                cwd="/", start_new_session=True,
            )
        except OSError as exc:
            parent.close()
            raise PoolUnavailable(f"the grading zygote did not start: {exc}") from None
        finally:
            child.close()
        self._stderr = asyncio.create_task(forward_lines(self.proc.stderr, self.log, self.proc.pid))
        parent.setblocking(False)
        self._control = parent
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.start_timeout):
                reply = json.loads(await loop.sock_recv(parent, 65536) or b"{}")
        except (TimeoutError, ValueError, OSError) as exc:
            self.stop()
            raise PoolUnavailable(f"the grading zygote did not start: {exc!r}") from None
        if reply.get("event") != "ready":
            await self._exit_or_kill(grace=2.0)  # it writes its traceback on stderr, then ends
            raise PoolUnavailable(f"the grading zygote did not start: {reply.get('error', 'no answer')}")
        self.layers = reply["layers"]

    async def _exit_or_kill(self, grace: float) -> None:
        try:
            await asyncio.wait_for(self.proc.wait(), grace)
        except TimeoutError:
            pass
        self.stop()

    def _count_cpu(self, report: dict) -> None:
        self.cpu_ms["jobs"] += 1
        self.cpu_ms["job"] += float(report.get("job_cpu_ms", 0) or 0)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    def stop(self) -> None:
        """Kill the zygote (its keepers and jobs die with it) without waiting; `aclose()` also waits."""
        if self.alive:
            try:
                self.proc.kill()
            except ProcessLookupError:
                pass
        if self._control is not None:
            self._control.close()
            self._control = None

    async def aclose(self) -> None:
        """Stop the zygote, wait until it is gone, remove its slot groups and finish forwarding its stderr."""
        self.stop()
        if self.proc is None:
            return
        await self.proc.wait()
        if self.layers.get("cgroups", "").startswith("per slot"):
            remove_slot_cgroups(str(self.proc.pid))
        if self._stderr is not None:
            try:  # keepers still holding the pipe die with the zygote (PDEATHSIG): EOF follows soon
                await asyncio.wait_for(self._stderr, 2)
            except TimeoutError:
                pass

    async def run(self, inputs: list[bytes], slot: int, uid: int | None, timeout: float, phases: list[Observations]) -> list[str]:
        """Run one job of one or more phases (`inputs`, each a line of the job's stdin; the next is sent when the phase
        before has ended "graded"), each phase's observations fed to its `phases` item; how each ended: "graded",
        "crashed", "timeout", or "skipped" (never started)."""
        if not self.alive:
            raise PoolUnavailable("the grading zygote is not running")
        fds: list[int] = []
        try:
            for _ in range(3):
                fds.extend(os.pipe())
            stdin_r, stdin_w, obs_r, obs_w, status_r, status_w = fds
            socket.send_fds(self._control, [_job_message(slot, uid, timeout)], [stdin_r, obs_w, status_w])
        except OSError as exc:
            for fd in fds:
                os.close(fd)
            raise PoolUnavailable(f"the grading zygote stopped answering: {exc}") from None
        for fd in (stdin_r, obs_w, status_w):
            os.close(fd)
        return await self._collect(inputs, stdin_w, obs_r, status_r, timeout, phases)

    async def _collect(self, inputs: list[bytes], stdin_w: int, obs_r: int, status_r: int, timeout: float,
                       phases: list[Observations]) -> list[str]:
        loop = asyncio.get_running_loop()
        job = JobPipes(loop, obs_r, status_r, phases, stdin_w, inputs)
        # the keeper enforces the timeout; if nothing has ended 5 s after it, the zygote is stuck: replace it
        # (its keepers and jobs die with it, so a thread still writing the job's stdin gets EPIPE)
        guard = loop.call_later(timeout + 5, self._give_up, job)
        try:
            job.send_next()
            await job.ended
            for writing in job.writing:  # done already: the job reads a whole line before it runs any code
                await writing
        finally:
            guard.cancel()
            job.close()
        if job.ended.result() == "gave up":
            return job.outcome("timeout")
        ended = job.status()
        self.last_report = ended
        self._count_cpu(ended)
        if ended.get("ended") in ("setup_failed", "lost"):
            # set-up failed before any of the student's code ran (the keeper tells: zygote.set_up), so the job's own
            # report of why is the sandbox's, not the student's
            why = ended.get("error") or next((m.get("error") for m in phases[0].messages if m.get("event") == "setup_failed"), ended["ended"])
            raise PoolUnavailable(f"a sandboxed job could not start: {str(why)[:300]}")
        return job.outcome("timeout" if ended.get("ended") == "timeout" else None)

    def _give_up(self, job: JobPipes) -> None:
        job.give_up()
        self.stop()


class JobPipes:
    """Reads one job's two pipes with loop readers on the raw descriptors, no transports or stream readers, and
    writes its stdin a phase at a time.

    The observation pipe (the job's, so anything the student's code writes) goes to the current phase's
    `Observations`; when that phase ends "graded", the next phase's line is written to the job's stdin and its
    observations are read from there on: bytes that came in the same read as the line that ended a phase are
    dropped, later ones are the next phase's (whatever the job wrote before that line was sent holds nothing of it).
    The first line is written before any of the student's code runs, into an empty pipe (a thread writes one longer
    than the pipe holds); a later one after it ran, when the job may keep the pipe full or have shrunk it
    (`F_SETPIPE_SZ`), so it is written without blocking, as the pipe takes it (`loop.add_writer`). The status pipe (only the keeper holds its other end) gives one
    line, how the job ended. Each pipe is closed as soon as it has given what it can: closing the observation pipe
    early makes a job still writing fail with EPIPE, and closing stdin after the last phase ends the job's worker.
    `ended` is done once both are closed, or when the guard gives up.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, obs_fd: int, status_fd: int, phases: list[Observations],
                 stdin_fd: int, inputs: list[bytes]):
        self.loop = loop
        self.phases = phases
        self.phase = -1  # the phase being read; -1 before the first is sent
        self.writing: list[asyncio.Future] = []  # threads writing a line longer than the pipe holds
        self.ended: asyncio.Future = loop.create_future()
        self._inputs = inputs
        self._stdin: int | None = stdin_fd  # None once handed to the last line's writer, or closed
        self._later: tuple[int, memoryview] | None = None  # a later line being written: its descriptor, what is left
        self._status = b""
        self._fds = {obs_fd: self._read_observations, status_fd: self._read_status}
        self._obs_fd, self._status_fd = obs_fd, status_fd
        for fd, callback in self._fds.items():
            os.set_blocking(fd, False)
            loop.add_reader(fd, callback)

    def send_next(self) -> None:
        """Write the next phase's line to the job's stdin (closing it after the last) and read that phase from now."""
        self.phase += 1
        last = self.phase == len(self._inputs) - 1
        fd = self._stdin if last else os.dup(self._stdin)  # a writer closes the descriptor it gets when it is done
        if last:
            self._stdin = None
        line = self._inputs[self.phase]
        if self.phase:  # the student's code has run: never block the loop on the pipe
            os.set_blocking(fd, False)
            self._later = (fd, memoryview(line))
            self.loop.add_writer(fd, self._write_later)
        elif len(line) > PIPE_ROOM:  # more than the pipe holds: a thread writes it while the job reads
            self.writing.append(self.loop.run_in_executor(None, _write_all, fd, line))
        else:
            _write_all(fd, line)

    def _write_later(self) -> None:
        fd, rest = self._later
        try:
            rest = rest[os.write(fd, rest):]
        except BlockingIOError:
            return
        except OSError:  # the job is gone (EPIPE): nothing more to write
            rest = rest[:0]
        self._later = (fd, rest)
        if not rest:
            self._stop_writing()

    def _stop_writing(self) -> None:
        if self._later is not None:
            fd, self._later = self._later[0], None
            self.loop.remove_writer(fd)
            os.close(fd)

    def _read(self, fd: int) -> bytes | None:
        try:
            return os.read(fd, READ_SIZE)
        except BlockingIOError:
            return None
        except OSError:
            return b""

    def _read_observations(self) -> None:
        data = self._read(self._obs_fd)
        if data is None or self.phases[self.phase].feed(data) is None:
            return
        if self.phases[self.phase].ended == "graded" and self.phase < len(self._inputs) - 1:
            self.send_next()
            return
        self._end_input()
        self._done_with(self._obs_fd)

    def _read_status(self) -> None:
        data = self._read(self._status_fd)
        if data is None:
            return
        self._status += data
        whole = len(self._status) >= JOB_ENDED_SIZE if self._status[:1] == JOB_ENDED else b"\n" in self._status
        if not data or whole or len(self._status) > READ_SIZE:
            self._done_with(self._status_fd)

    def _end_input(self) -> None:
        self._stop_writing()
        if self._stdin is not None:
            os.close(self._stdin)
            self._stdin = None

    def _done_with(self, fd: int) -> None:
        if self._fds.pop(fd, None) is not None:
            self.loop.remove_reader(fd)
            os.close(fd)
        if not self._fds and not self.ended.done() and not self.loop.is_closed():  # closed: a task dropped at shutdown
            self.ended.set_result("read")

    def give_up(self) -> None:
        if not self.ended.done():
            self.ended.set_result("gave up")

    def status(self) -> dict:
        """How the job ended, as its keeper wrote it (a record of the reaped job, or a JSON line when it could not
        be set up); "lost" when the keeper wrote nothing usable."""
        if self._status[:1] == JOB_ENDED:
            return job_end_report(self._status)
        try:
            report = json.loads(self._status.partition(b"\n")[0])
        except ValueError:
            return {"ended": "lost"}
        return report if isinstance(report, dict) else {"ended": "lost"}

    def outcome(self, ended: str | None) -> list[str]:
        """How each phase ended: the phases before the current one as their observations say; the current one
        `ended` when given (the job timed out in it), else as its observations say ("crashed" if unfinished);
        the phases never sent "skipped"."""
        statuses = [p.ended or "crashed" for p in self.phases[:max(self.phase, 0)]]
        if self.phase >= 0:
            statuses.append(ended or self.phases[self.phase].ended or "crashed")
        return statuses + ["skipped"] * (len(self.phases) - len(statuses))

    def close(self) -> None:
        """Remove the readers and close what is still open (on every path: done, guard, cancelled)."""
        self._end_input()
        for fd in list(self._fds):
            self._done_with(fd)


async def forward_lines(stream: asyncio.StreamReader, logger: logging.Logger, pid: int) -> None:
    """Log what the zygote (or a keeper) writes on stderr, one JSON log line per line, until it closes."""
    while True:
        try:
            line = await stream.readline()
        except ValueError:  # a line longer than the reader's buffer: dropped, keep reading
            continue
        if not line:
            return
        text = line.decode(errors="replace").rstrip()
        if text:
            logger.warning("grader zygote: %s", text[:MAX_LOG_LINE], extra={"fields": {"zygote_pid": pid}})


def _job_message(slot: int, uid: int | None, timeout: float) -> bytes:
    """The zygote's job message, {"slot", "uid", "timeout"} as JSON, formatted without the json module's overhead."""
    return b'{"slot": %d, "uid": %s, "timeout": %r}' % (slot, b"null" if uid is None else b"%d" % uid, float(timeout))


def _write_all(fd: int, data: bytes) -> None:
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except (BrokenPipeError, OSError):
        pass
    finally:
        os.close(fd)


def default_root() -> str:
    """Mount point of the private root; the mounts live in the zygote's namespace, the host sees an empty folder."""
    return "/tmp/codementor-sandbox-root"
