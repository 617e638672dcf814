"""Kernel specs in a student's server (extensions/kernelspecs.py): jupyter_client's folders, without importing IPython."""

from __future__ import annotations

from . import run_python


def test_the_same_kernel_folders_as_jupyter_client_without_importing_ipython(tmp_path):
    code = (
        "import sys\n"
        "from codementor.server_ext.kernelspecs import KernelSpecs\n"
        "ours = KernelSpecs()\n"
        "dirs, specs = ours.kernel_dirs, ours.find_kernel_specs()\n"
        "assert 'IPython' not in sys.modules\n"
        "from jupyter_client.kernelspec import KernelSpecManager\n"
        "theirs = KernelSpecManager()\n"
        "assert dirs == theirs.kernel_dirs, (dirs, theirs.kernel_dirs)\n"
        "assert specs == theirs.find_kernel_specs() and 'python3' in specs, specs\n"
    )
    for ipython_dir in (None, tmp_path / "ipython"):
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)} | ({"IPYTHONDIR": str(ipython_dir)} if ipython_dir else {})
        run_python(code, timeout=60, env=env)
