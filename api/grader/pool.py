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
from .sandbox import remove_slot_cgroups

ZYGOTE = Path(__file__).with_name("zygote.py")
ISOLATION_DIR = Path(cgroups.__file__).parent  # the zygote runs without site-packages: it gets this folder
MAX_LOG_LINE = 2000  # characters of one zygote stderr line kept in the log
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
        self.cpu_ms = {"jobs": 0, "keeper": 0.0, "job": 0.0}  # CPU of the keepers and jobs so far, as they reported it

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
        self.cpu_ms["keeper"] += float(report.get("keeper_cpu_ms", 0) or 0)
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

    async def run(self, payload: bytes, slot: int, uid: int | None, timeout: float, read_messages) -> tuple[str, list[dict]]:
        """Run one job; `read_messages(reader, messages)` consumes observations. Returns (status, messages)."""
        if not self.alive:
            raise PoolUnavailable("the grading zygote is not running")
        stdin_r, stdin_w = os.pipe()
        obs_r, obs_w = os.pipe()
        status_r, status_w = os.pipe()
        try:
            message = json.dumps({"slot": slot, "uid": uid, "timeout": timeout}).encode()
            socket.send_fds(self._control, [message], [stdin_r, obs_w, status_w])
        except OSError as exc:
            for fd in (stdin_r, stdin_w, obs_r, obs_w, status_r, status_w):
                os.close(fd)
            raise PoolUnavailable(f"the grading zygote stopped answering: {exc}") from None
        for fd in (stdin_r, obs_w, status_w):
            os.close(fd)
        return await self._collect(payload, stdin_w, obs_r, status_r, timeout, read_messages)

    async def _collect(self, payload, stdin_w, obs_r, status_r, timeout, read_messages):
        loop = asyncio.get_running_loop()
        obs, obs_transport = await _reader(loop, obs_r)
        status_reader, status_transport = await _reader(loop, status_r)
        messages: list[dict] = []
        outcome = "crashed"
        try:
            async with asyncio.timeout(timeout + 5):
                await loop.run_in_executor(None, _write_all, stdin_w, payload) if len(payload) > 60000 else _write_all(stdin_w, payload)
                outcome = await read_messages(obs, messages)
                obs_transport.close()
                ended = json.loads(await status_reader.readline() or b'{"ended": "lost"}')
        except TimeoutError:
            # the keeper enforces the timeout; if it did not, the zygote is stuck: replace it
            self.stop()
            return "timeout", messages
        finally:
            obs_transport.close()
            status_transport.close()
        self.last_report = ended
        self._count_cpu(ended)
        if ended.get("ended") == "timeout":
            return "timeout", messages
        if ended.get("ended") in ("setup_failed", "lost"):
            why = ended.get("error") or next((m.get("error") for m in messages if m.get("event") == "setup_failed"), ended["ended"])
            raise PoolUnavailable(f"a sandboxed job could not start: {why}")
        return outcome, messages


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


def _write_all(fd: int, data: bytes) -> None:
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except (BrokenPipeError, OSError):
        pass
    finally:
        os.close(fd)


async def _reader(loop, fd: int):
    reader = asyncio.StreamReader(limit=1024 * 1024, loop=loop)
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader, loop=loop), os.fdopen(fd, "rb", 0))
    return reader, transport


def default_root() -> str:
    """Mount point of the private root; the mounts live in the zygote's namespace, the host sees an empty folder."""
    return "/tmp/codementor-sandbox-root"
