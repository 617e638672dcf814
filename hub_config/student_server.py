"""What a student's server runs and loads: the spawner's command and the extensions it leaves out.

A student's server needs JupyterLab (with ipywidgets' rendering, a lab extension), our
delivery extension (`codementor.server_ext`), terminals and JupyterHub's own extension. The
environment also holds server extensions that other parts of the project use or that came
as dependencies; each costs start-up time and memory in every student server, so the
spawner turns them off there (`codementor bench spawn --servers N` measures a server).
JupyterLab's extension manager is the read-only one: it lists the installed extensions, but
does not search or install from PyPI. Kernel specs are found without importing IPython into the
server (extensions/kernelspecs.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

# the command: jupyterhub-singleuser without two start-up costs (extensions/launch.py)
COMMAND = "codementor-singleuser"

EXTENSIONS_OFF = {
    # no language servers are installed for students; its start-up scan of them also runs Node
    # (`npm prefix -g`) and, interrupted by the Hub's stop signal, could leave the server hanging
    "jupyter_lsp": "language servers",
    # only the instructors' dashboards service renders with Voila (its own server)
    "voila.server_extension": "Voila",
    # loads classic-notebook server extensions, and the environment has none besides the two above
    "notebook_shim": "classic notebook extensions",
}


def command(bin_dir: Path | None) -> list[str]:
    """The spawner's command: from `bin_dir` (this environment's programs), or found on PATH (a container image)."""
    if bin_dir is None:
        return [COMMAND]
    if (bin_dir / COMMAND).exists():
        return [str(bin_dir / COMMAND)]
    # an environment installed before the command existed (pip install -e . adds it): the same program
    return [sys.executable, "-m", "codementor.server_ext.launch"]


# JupyterLab's PyPI extension manager makes an HTTP client (TLS certificates loaded) and an
# XML-RPC client at every start, about 0.06 of a server's 0.8 CPU-seconds, so that the page can
# search PyPI and pip-install extensions. Students do not install JupyterLab extensions, and in
# the demo profile every server runs from the Hub's own environment, which pip would change.
LAB_ARGS = ["--LabApp.extension_manager=readonly"]
# jupyter_client's kernel specs without importing IPython in the server (extensions/kernelspecs.py)
KERNEL_SPEC_ARGS = ["--ServerApp.kernel_spec_manager_class=codementor.server_ext.kernelspecs.KernelSpecs"]


def extension_args() -> list[str]:
    """A student's server's arguments: the extensions it does not load, the read-only extension manager, kernel specs without IPython."""
    return [f"--ServerApp.jpserver_extensions={name}=False" for name in EXTENSIONS_OFF] + LAB_ARGS + KERNEL_SPEC_ARGS
