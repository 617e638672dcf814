"""Several API worker processes on one port, kept alive and restarted one by one.

The parent binds the listening socket once and starts each worker as a fresh interpreter
(`codementor api --TutorAPI.listen_fd=...`) that inherits it; the kernel hands every new
connection to whichever worker accepts first. One shared socket (rather than one
SO_REUSEPORT socket per worker) means a worker killed with -9 strands no connection in a
queue of its own: whatever waits in the backlog is taken by the others. A fresh interpreter
(rather than fork) means a rolling restart runs the code now on disk, and the parent needs
no care about what it imported.

- A worker that exits is replaced at once (the next tick, 50 ms); one that dies before it
  was ready is retried with a growing pause, so a broken start-up does not spin.
- SIGHUP: rolling restart. For each worker in turn a new one is started and, once it says it
  is ready, the old one gets SIGTERM: it stops accepting, finishes its requests, exits.
- SIGTERM: every worker drains (finishes its requests, lingers on open connections) and exits,
  then the parent, within `stop_timeout`.
- SIGINT (JupyterHub's first signal when it stops its services, or Ctrl-C): the same signal to
  every worker, which finishes its requests in flight without lingering (nothing would take
  over its connections), within `quick_stop_timeout`.
- A second SIGINT or SIGTERM while stopping: the workers are killed at once.

Each worker gets an index (the smallest not in use), from which it takes its own block of
grader uids; during a rolling restart at most workers + 1 indexes are in use.
"""

from __future__ import annotations

import ctypes
import logging
import os
import select
import signal
import subprocess
import time
from dataclasses import dataclass, field
from typing import Callable

TICK = 0.05
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the supervisor goes, so no orphan keeps the port."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


@dataclass
class Worker:
    index: int
    proc: subprocess.Popen
    ready_fd: int
    started: float
    ready: bool = False
    retiring: bool = False

    @property
    def pid(self) -> int:
        return self.proc.pid


@dataclass
class Supervisor:
    """Start `workers` processes with `command(index, ready_fd)`; keep them running."""

    workers: int
    command: Callable[[int, int], list[str]]
    pass_fds: tuple = ()
    env: dict | None = None
    on_exit: Callable[[int], None] = lambda pid: None  # e.g. prometheus' mark_process_dead
    stop_timeout: float = 30.0
    quick_stop_timeout: float = 5.0
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("codementor.supervisor"))
    _live: list = field(default_factory=list)
    _stopping: bool = False
    _stop_signal: int = signal.SIGTERM
    _hurry: bool = False
    _restart: bool = False
    _backoff: float = 0.0
    _next_spawn: float = 0.0

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._ask_stop)
        signal.signal(signal.SIGINT, self._ask_stop)
        signal.signal(signal.SIGHUP, self._ask_restart)
        for _ in range(self.workers):
            self.spawn()
        while not self._stopping:
            self.tick()
            if self._restart:
                self._restart = False
                self.rolling_restart()
        self.stop_all()
        return 0

    def _ask_stop(self, signum, _frame=None):
        if self._stopping:
            self._hurry = True  # asked again: no more waiting
            return
        self._stopping, self._stop_signal = True, signum

    def _ask_restart(self, *_):
        self._restart = True

    # ---- one worker -------------------------------------------------------------------

    def _free_index(self) -> int:
        used = {w.index for w in self._live}
        return next(i for i in range(len(used) + 1) if i not in used)

    def spawn(self) -> Worker:
        read_end, write_end = os.pipe()
        index = self._free_index()
        proc = subprocess.Popen(
            self.command(index, write_end), pass_fds=(*self.pass_fds, write_end), env=self.env, preexec_fn=_die_with_parent,
        )
        os.close(write_end)
        os.set_blocking(read_end, False)
        worker = Worker(index, proc, read_end, time.monotonic())
        self._live.append(worker)
        self.log.info("API worker %d started (pid %d)", index, proc.pid)
        return worker

    def _check_ready(self, worker: Worker) -> None:
        if worker.ready:
            return
        if select.select([worker.ready_fd], [], [], 0)[0]:
            try:
                worker.ready = os.read(worker.ready_fd, 1) == b"1"
            except OSError:
                return
            if worker.ready:
                self._backoff = 0.0
                self.log.info("API worker %d ready (pid %d) after %.2f s", worker.index, worker.pid, time.monotonic() - worker.started)

    def _reap(self) -> list[Worker]:
        gone = [w for w in self._live if w.proc.poll() is not None]
        for worker in gone:
            self._live.remove(worker)
            os.close(worker.ready_fd)
            self.on_exit(worker.pid)
            if not worker.retiring:
                self.log.warning("API worker %d (pid %d) exited with %s", worker.index, worker.pid, worker.proc.returncode)
                if not worker.ready:  # died during start-up: pause before the next try
                    self._backoff = min(8.0, max(0.5, self._backoff * 2))
                    self._next_spawn = time.monotonic() + self._backoff
        return gone

    def tick(self) -> None:
        """Notice ready and dead workers; replace the dead; sleep one tick."""
        for worker in self._live:
            self._check_ready(worker)
        self._reap()
        serving = [w for w in self._live if not w.retiring]
        if not self._stopping and len(serving) < self.workers and time.monotonic() >= self._next_spawn:
            self.spawn()
        time.sleep(TICK)

    # ---- restart and stop -------------------------------------------------------------

    def rolling_restart(self) -> None:
        """Replace each worker in turn: the new one is ready before the old one drains."""
        self.log.info("rolling restart of %d API workers", len(self._live))
        for old in [w for w in self._live if not w.retiring]:
            if self._stopping:
                return
            new = self.spawn()
            old.retiring = True  # the loop now counts `new` in its place
            while not self._stopping and not new.ready and new in self._live:
                self.tick()
            if new not in self._live:
                old.retiring = False  # the new one failed: keep the old one serving
                self.log.error("rolling restart stopped: the new API worker exited before it was ready")
                return
            old.proc.send_signal(signal.SIGTERM)
            while old in self._live:
                self.tick()
        self.log.info("rolling restart done")

    def stop_all(self) -> None:
        """Pass the stop signal on to every worker; kill those still running at the deadline (or when asked again)."""
        started = time.monotonic()
        for worker in self._live:
            worker.retiring = True
            if worker.proc.poll() is None:
                # one still starting has no handler for SIGINT yet (it would print a KeyboardInterrupt)
                worker.proc.send_signal(self._stop_signal if worker.ready else signal.SIGTERM)
        quick = self._stop_signal == signal.SIGINT
        deadline = started + (self.quick_stop_timeout if quick else self.stop_timeout)
        while self._live and time.monotonic() < deadline and not self._hurry:
            self._reap()
            time.sleep(TICK)
        if self._live:
            self.log.warning("killing %d API worker(s) still stopping after %.1f s", len(self._live), time.monotonic() - started)
        for worker in self._live:
            worker.proc.kill()
            worker.proc.wait()
        self._reap()
        self.log.info("API workers stopped in %.1f s", time.monotonic() - started)
