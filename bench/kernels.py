"""`codementor bench kernels`: what the classroom's isolation costs a student's start.

Two figures, each the median of several rounds (alternating, so load drifts hit both sides):

- a kernel from start to ready (first kernel_info reply) with ZeroMQ over TCP on 127.0.0.1
  (jupyter_client's default, the reference) and over IPC (unix sockets in the runtime folder,
  what the classroom profile uses);
- as root, the per-spawn steps the classroom spawner adds: mounting a student's home image
  (the first time, mkfs and copy included; then a remount), and the server's private mount
  namespace (/tmp, /dev/shm, /proc), against a bare fork as the reference.

Assumptions: the kernel is the environment's python3 with its usual extensions loaded (the
tutor extension included); the image has the default size (2 GiB, sparse) and the home is nearly empty.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

IMAGE_BYTES = 2 << 30  # the default CODEMENTOR_STUDENT_DISK_LIMIT


async def kernel_ready_seconds(transport: str, folder: str) -> float:
    from jupyter_client.multikernelmanager import AsyncMultiKernelManager
    from traitlets.config import Config

    config = Config()
    config.KernelManager.transport = transport
    kernels = AsyncMultiKernelManager(config=config, connection_dir=folder)
    started = time.perf_counter()
    kernel_id = await kernels.start_kernel(kernel_name="python3")
    client = kernels.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        return time.perf_counter() - started
    finally:
        client.stop_channels()
        await kernels.shutdown_kernel(kernel_id, now=True)


def kernel_rows(rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"tcp": [], "ipc": []}
    with tempfile.TemporaryDirectory(prefix="cm-k-") as folder:
        for _ in range(rounds):
            for transport in times:
                times[transport].append(asyncio.run(kernel_ready_seconds(transport, folder)))
    return times


def mount_rows(rounds: int) -> dict[str, list[float]]:
    from ..hub_config.classroom_layers import in_child, mount_home, private_mounts, release_home

    times: dict[str, list[float]] = {"fork (reference)": [], "private mounts": [], "home image, first mount": [], "home image, remount": []}
    for _ in range(rounds):
        started = time.perf_counter()
        in_child(lambda: True, "")
        times["fork (reference)"].append(time.perf_counter() - started)
        started = time.perf_counter()
        problem = in_child(lambda: private_mounts("/nonexistent-home", "/nonexistent-homes", 64 << 20) or True, "")
        times["private mounts"].append(time.perf_counter() - started)
        if problem:
            raise SystemExit(f"private mounts failed here: {problem}")
        with tempfile.TemporaryDirectory(prefix="cm-bench-", dir="/var/tmp") as folder:
            image, home = Path(folder) / "student.img", Path(folder) / "home"
            home.mkdir()
            (home / "notes.py").write_text("print('kept')\n")
            for key in ("home image, first mount", "home image, remount"):
                started = time.perf_counter()
                mount_home(image, IMAGE_BYTES, home, os.getuid(), os.getgid())
                times[key].append(time.perf_counter() - started)
                release_home(image, home)
    return times


def show(title: str, rows: dict[str, list[float]]) -> None:
    print(title)
    for name, values in rows.items():
        print(f"  {name:<26} median {statistics.median(values) * 1000:8.1f} ms   min {min(values) * 1000:8.1f}   max {max(values) * 1000:8.1f}   (n={len(values)})")


def run(rounds: int = 7) -> None:
    show("kernel start -> ready (ZeroMQ transport):", kernel_rows(rounds))
    if os.geteuid() == 0:
        show("per spawn, classroom steps (as root):", mount_rows(rounds))
    else:
        print("per spawn, classroom steps: skipped (needs root)")
