"""The kernel specs a student's server offers, found without importing IPython.

jupyter_client's KernelSpecManager looks for kernels in Jupyter's data folders and in
IPython's own `kernels` folder, and asks IPython where that is (`IPython.paths`): the
first kernel start in a server imports all of IPython for it, about 0.03 CPU-seconds, in
the server, which runs no IPython otherwise. `KernelSpecs` finds the same folders with
IPython's rule ($IPYTHONDIR, else ~/.ipython) and nothing else changes. The spawner
selects it with `--ServerApp.kernel_spec_manager_class` (hub_config/student_server.py).
"""

from __future__ import annotations

import os

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_core.paths import jupyter_path


def ipython_dir() -> str:
    """IPython's folder as IPython names it: $IPYTHONDIR, else .ipython in the home folder."""
    return os.path.normpath(os.path.expanduser(os.environ.get("IPYTHONDIR") or os.path.join("~", ".ipython")))


class KernelSpecs(KernelSpecManager):
    """jupyter_client's kernel specs, with IPython's kernels folder named without importing IPython."""

    def _kernel_dirs_default(self) -> list[str]:
        return [*jupyter_path("kernels"), os.path.join(ipython_dir(), "kernels")]
