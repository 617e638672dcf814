"""The JupyterHub application the stack runs: JupyterHub, with a clean stop.

On SIGTERM or SIGINT JupyterHub goes straight to its cleanup while its periodic callbacks keep
running. Stopping a managed service first deletes the service's server row, then waits for the
process (seconds); a services health check firing in that window (every
``service_check_interval``) read the missing row and logged ``AttributeError: 'NoneType'
object has no attribute 'proto'``. Here the callbacks stop before the cleanup starts, and a check
already under way skips a service that has no server any more.
"""

from __future__ import annotations

from jupyterhub.app import JupyterHub
from jupyterhub.objects import Server
from jupyterhub.utils import AnyTimeoutError


class CodeMentorHub(JupyterHub):
    async def shutdown_cancel_tasks(self, sig=None):
        for callback in self._periodic_callbacks.values():
            callback.stop()
        await super().shutdown_cancel_tasks(sig)

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
