"""The JupyterHub application the stack runs: JupyterHub, with a clean stop.

On SIGTERM or SIGINT JupyterHub goes straight to its cleanup while its periodic callbacks keep
running. Stopping a managed service first deletes the service's server row, then waits for the
process (seconds); a services health check firing in that window (every
``service_check_interval``) read the missing row and logged ``AttributeError: 'NoneType'
object has no attribute 'proto'``. Here the callbacks stop before the cleanup starts, and a check
already under way skips a service that has no server any more.

JupyterHub's cleanup stops its managed services one after another, each waiting for its
process, and looks whether a stopped process has ended at growing, random intervals (up to
5 s apart); the services here and the students' servers (ClassroomSpawner) look every 0.1 s
instead. (Stopping the services together, through concurrent stops sharing the Hub's database
session, once left the Hub's cleanup hanging; they are stopped in JupyterHub's own order.)
"""

from __future__ import annotations

import asyncio
import functools

from jupyterhub.app import JupyterHub
from jupyterhub.objects import Server
from jupyterhub.utils import AnyTimeoutError


async def died_within(spawner, timeout: float) -> bool:
    """`Spawner.wait_for_death` looking every 0.1 s: True once the process has ended."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while await spawner.poll() is None:
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(0.1)
    return True


class CodeMentorHub(JupyterHub):
    async def shutdown_cancel_tasks(self, sig=None):
        for callback in self._periodic_callbacks.values():
            callback.stop()
        await super().shutdown_cancel_tasks(sig)

    async def cleanup(self):
        """JupyterHub's own cleanup, with the services' processes looked at every 0.1 s."""
        for service in self._service_map.values():
            if service.managed and service.spawner:  # JupyterHub's class for service processes: no setting for this
                service.spawner.wait_for_death = functools.partial(died_within, service.spawner)
        await super().cleanup()

    async def check_services_health(self):
        """Warn about a service that does not answer; one whose server row is gone is stopping."""
        for name, service in list(self._service_map.items()):
            if not service.url or service.orm.server is None:
                continue
            try:
                await Server.from_orm(service.orm.server).wait_up(timeout=service.timeout, http=True)
            except AnyTimeoutError:
                self.log.warning("Cannot connect to %s service %s at %s", service.kind, name, service.url)


main = CodeMentorHub.launch_instance

if __name__ == "__main__":
    main()
