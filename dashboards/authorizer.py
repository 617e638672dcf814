"""What a visitor of the dashboards server may do: view and use dashboards, nothing more."""

from jupyter_server.auth import Authorizer

DENIED = {"terminals", "nbconvert"}
READ_ONLY = {"contents", "server", "config", "sessions", "kernelspecs", "events", "api"}


class DashboardAuthorizer(Authorizer):
    """No terminals, no file changes, no server shutdown, no new sessions; Voila pages and
    their widget connections keep working (their kernels are started by Voila itself)."""

    def is_authorized(self, handler, user, action, resource) -> bool:
        if resource in DENIED:
            return False
        return not (action == "write" and resource in READ_ONLY)
