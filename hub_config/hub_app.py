"""The JupyterHub application the stack runs: JupyterHub, with a clean and bounded stop.

On SIGTERM or SIGINT JupyterHub goes straight to its cleanup while its periodic callbacks keep
running. Stopping a managed service first deletes the service's server row, then waits for the
process (seconds); a services health check firing in that window (every
``service_check_interval``) read the missing row and logged ``AttributeError: 'NoneType'
object has no attribute 'proto'``. Here the callbacks stop before the cleanup starts, and a check
already under way skips a service that has no server any more.

JupyterHub's cleanup stops its managed services one after another, then the users' servers,
each process with SIGINT, SIGTERM and SIGKILL after 30, 30 and 5 s, looking whether it has
ended at growing, random intervals (up to 5 s apart); the services' times added up. What was
slow (measured with the "Stopped ... in" lines below): the API, 4 to 5 s, whose workers drained
for 2 s and then spent seconds in the interpreter's teardown; the dashboards server, a Jupyter
server without a terminal, which has no SIGINT handler (KeyboardInterrupt out of its loop, no
kernel shutdown) and also spent seconds tearing down; and this process's own teardown. Here:

- every service and user's server is stopped at once, each with `stop_timeouts` and looked at
  every 0.1 s, the whole within `stop_seconds`; past that the cleanup goes on regardless;
- Jupyter servers (users' servers, `jupyter_server_services`) get SIGTERM first, on which
  jupyter-server stops cleanly; the API gets SIGINT, on which it stops without lingering;
- one shutdown only: a second signal (Ctrl-C reaches both the classroom command and the Hub,
  which the command then stops too) used to start a second cleanup beside the first;
- a cleanup that raises (its database gone) still stops the loop: the Hub used to keep
  running, never exiting, its firewall chain and mounts left behind;
- once stopped, `main` runs the exit handlers (the classroom's firewall chain and home mounts)
  and ends the process without the interpreter's teardown.

Stopping is concurrent the way JupyterHub already stops users' servers: each stop touches the
Hub's database session only between its awaits, never across one.
"""

from __future__ import annotations

import asyncio
import functools
import os
import atexit
import logging
import sys
import time

from jupyterhub.app import JupyterHub
from jupyterhub.httpclient import JupyterHubHTTPClient
from jupyterhub.objects import Server
from jupyterhub.utils import AnyTimeoutError, maybe_future
from traitlets import Float, Integer, List, Unicode

from .audit import AUDITED_HANDLERS, AuditedHandler, HubAudit


async def died_within(spawner, timeout: float) -> bool:
    """`Spawner.wait_for_death` looking every 0.1 s: True once the process has ended."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while await spawner.poll() is None:
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(0.1)
    return True


def timed(stop, what: str, log):
    """`stop` that logs how long it took (the figure an operator needs when a stop is slow)."""
    async def stop_and_log(*args, **kwargs):
        started = time.monotonic()
        try:
            return await stop(*args, **kwargs)
        finally:
            log.info("Stopped %s in %.1f s", what, time.monotonic() - started)
    return stop_and_log


class CodeMentorHub(JupyterHub):
    stop_timeouts = List(
        Integer(), [4, 2, 1], minlen=3, maxlen=3,
        help="At the Hub's stop: seconds each service and user's server gets after its first signal (SIGINT; SIGTERM "
        "for Jupyter servers), after SIGTERM and after SIGKILL (the spawners' interrupt_timeout, term_timeout and "
        "kill_timeout, for this stop only).",
    ).tag(config=True)
    jupyter_server_services = List(
        Unicode(), ["dashboards"], help="Managed services that are Jupyter servers: stopped with SIGTERM first, like the "
        "users' servers (a Jupyter server without a terminal does not stop cleanly on SIGINT).",
    ).tag(config=True)
    stop_seconds = Float(
        8.0, help="At the Hub's stop: seconds to wait for all services and users' servers together before going on "
        "with the rest of the cleanup (proxy, database, exit handlers) regardless.",
    ).tag(config=True)

    def init_handlers(self):
        """JupyterHub's handlers, with the ones that change roles or approve sign-ups audited (hub_config/audit.py)."""
        super().init_handlers()
        audit = HubAudit(parent=self)
        self.handlers = [self._audited(entry, audit) for entry in self.handlers]

    @staticmethod
    def _audited(entry: tuple, audit: HubAudit) -> tuple:
        pattern, handler, *kwargs = entry
        handler = AUDITED_HANDLERS.get(handler, handler)
        if isinstance(handler, type) and issubclass(handler, AuditedHandler):
            return (pattern, handler, {**(kwargs[0] if kwargs else {}), "audit": audit})
        return entry

    _shutting_down = False

    async def shutdown_cancel_tasks(self, sig=None):
        """JupyterHub's shutdown, once (a second signal, e.g. Ctrl-C reaching both the classroom command and the
        Hub, started a second cleanup beside the first), with the callbacks stopped first and a bounded wait for
        the cancelled tasks."""
        if self._shutting_down:
            self.log.info("Received signal %s while stopping; the stop goes on", getattr(sig, "name", sig))
            return
        self._shutting_down = True
        for callback in self._periodic_callbacks.values():
            callback.stop()
        self.log.critical("Received signal %s, initiating shutdown..." % sig.name if sig else "Initiating shutdown...")
        try:
            await self.cleanup()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks, timeout=2)
        except Exception as err:
            # e.g. its database gone: without this the loop ran on and the Hub never exited
            self.log.error("The cleanup failed (%s: %s); stopping anyway", type(err).__name__, err)
        finally:
            self._stop_event_loop()

    def _quick(self, spawner, what: str, jupyter_server: bool):
        """Give `spawner` this stop's timeouts, a look every 0.1 s and a logged duration. A Jupyter server gets
        SIGTERM first: without a terminal it has no SIGINT handler, so a SIGINT raised KeyboardInterrupt out of its
        loop and it exited without shutting its kernels down (after seconds of teardown); on SIGTERM it does."""
        first, term, kill = self.stop_timeouts
        spawner.interrupt_timeout, spawner.term_timeout, spawner.kill_timeout = first, first if jupyter_server else term, kill
        spawner.wait_for_death = functools.partial(died_within, spawner)
        stop = functools.partial(spawner.stop, now=True) if jupyter_server else spawner.stop
        spawner.stop = timed(stop, what, self.log)

    async def stop_service(self, service) -> None:
        """JupyterHub's stop of a managed service; its process is stopped even when forgetting its server row
        fails first (the Hub's database gone: the services were left running)."""
        try:
            await service.stop()
        except Exception as err:
            self.log.warning("Stopping service %s: %s; stopping its process anyway", service.name, type(err).__name__)
            await service.spawner.stop()

    async def stop_everything(self) -> None:
        """Stop the managed services and (unless cleanup_servers is off) the users' servers, all at once."""
        stops = []
        for service in self._service_map.values():
            if service.managed and service.spawner:  # JupyterHub's class for service processes: no setting for these
                self._quick(service.spawner, f"service {service.name}", service.name in self.jupyter_server_services)
                stops.append(self.stop_service(service))
        if self.cleanup_servers:
            for user in self.users.values():
                for name, spawner in list(user.spawners.items()):
                    if spawner.active:
                        self._quick(spawner, f"{user.name}'s server{f' {name}' if name else ''}", True)
                        stops.append(user.stop(name))
        if not stops:
            return
        self.log.info("Stopping %d services and servers together (at most %.0f s)...", len(stops), self.stop_seconds)
        tasks = [asyncio.ensure_future(stop) for stop in stops]
        done, pending = await asyncio.wait(tasks, timeout=self.stop_seconds)
        for task in done:
            if task.exception() is not None:
                self.log.warning("A stop failed: %s", task.exception())
        if pending:
            self.log.warning("%d stops still running after %.0f s; going on with the cleanup", len(pending), self.stop_seconds)
            for task in pending:
                task.cancel()

    async def cleanup(self):
        """Everything stopped at once within `stop_seconds`, then the rest of JupyterHub's cleanup (as of 6.1:
        the proxy, the database, the pid file). Its own cleanup would stop again, with its timeouts, whatever
        `stop_seconds` cut short."""
        await self.stop_everything()
        if self.cleanup_proxy and self.proxy.should_start:
            await maybe_future(self.proxy.stop())
        try:
            self.db.commit()
        except Exception as err:  # the database may be gone (a failed stop must still end the Hub)
            self.log.warning("Could not save the Hub's state at its stop: %s", err)
        if self.pid_file and os.path.exists(self.pid_file):
            os.remove(self.pid_file)
        if JupyterHubHTTPClient.initialized():
            await JupyterHubHTTPClient.instance().close()
        self.log.info("...done")

    async def check_services_health(self):
        """Warn about a service that does not answer; one whose server row is gone is stopping."""
        for name, service in list(self._service_map.items()):
            if not service.url or service.orm.server is None:
                continue
            try:
                await Server.from_orm(service.orm.server).wait_up(timeout=service.timeout, http=True)
            except AnyTimeoutError:
                self.log.warning("Cannot connect to %s service %s at %s", service.kind, name, service.url)


def main() -> None:
    """Run the Hub; once it has stopped, run its exit handlers (the classroom's firewall chain and home mounts)
    and end without the interpreter's teardown, which took seconds of CPU on a loaded machine."""
    CodeMentorHub.launch_instance()
    atexit._run_exitfuncs()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)

if __name__ == "__main__":
    main()
