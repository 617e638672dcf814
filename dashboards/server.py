"""The dashboards server: JupyterHub's single-user server, which exits as soon as its own stop is done.

On SIGTERM jupyter-server shuts its kernels down and stops its loop; the interpreter's teardown
after that took seconds of CPU on a loaded machine, seconds the Hub's stop waited for. Nothing
is left to do by then, so the process ends at once.
"""

from __future__ import annotations

import logging
import os
import sys


def run() -> None:
    # the `jupyterhub-singleuser` entry point: the server extension on jupyter-server 2. Its app
    # module's main is the older subclassed app, whose identity provider has no hub_auth, so the
    # dashboards' prelaunch hook found no viewer token ("no viewer token" on every page).
    from jupyterhub.singleuser import main

    main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    run()
