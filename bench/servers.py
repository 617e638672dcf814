"""Student servers with a kernel each on one machine: `codementor bench spawn --servers N`.

(Without --servers, `codementor bench spawn` times one server at a time: bench/spawn.py.)

Assumptions:
- the demo profile's spawner (a local process per student, no containers), started on free
  ports in a temporary folder with the whole stack;
- the students are created through the Hub's REST API; each signs in with the login form (shared demo password), opens /hub/spawn, and is
  "in" once today's notebook is in their exercises folder (the server extension fetches it
  from the API); `--concurrency` students (10) do this at once;
- before them, one more student signs in alone, the same way: the time of one login on a quiet
  Hub (not counted in p50/p95);
- then one kernel per server through jupyter-server's REST API, as opening the notebook does;
- memory is each process's resident set (RSS) from /proc, and MemAvailable before and after
  (shared pages counted once), to say how many servers with a kernel fit in this machine;
- CPU seconds, from /proc, that do not depend on the machine's load: each server's own (with
  the programs it ran and waited for) once its notebook is there, each kernel's once started,
  and the Hub's, the proxy's and the API's during the logins, per login;
- last, the idle culler (`jupyterhub_idle_culler`, the program the Hub runs as its service) is
  started with `--cull-timeout` seconds: how long until it has stopped every server, and how
  much memory came back.

Reference row: see README, Benchmarks (bench/README.md for every run).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from ..hub_config.stack import Stack, free_port
from .classroom import _children, _cmd, _cpu, create_students, percentile

PASSWORD = "codementor-bench-password"


def mem_available() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return 0


def mem_total() -> int:
    return int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1]) * 1024


def rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def log_in_and_wait(stack: Stack, name: str, timeout: float = 120) -> float:
    """Seconds from the login form to today's notebook in the student's folder."""
    start = time.perf_counter()
    with httpx.Client(base_url=stack.hub_url, timeout=60) as browser:
        page = browser.get("/hub/login")
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
        resp = browser.post("/hub/login", data={"_xsrf": xsrf, "username": name, "password": PASSWORD})
        if resp.status_code != 302:
            raise RuntimeError(f"login of {name} refused ({resp.status_code})")
        browser.get("/hub/spawn")
    folder = stack.state_dir / "users" / name / "exercises"
    while time.perf_counter() - start < timeout:
        if any(folder.glob("*.ipynb")):
            return time.perf_counter() - start
        time.sleep(0.1)
    raise TimeoutError(f"no notebook for {name} after {timeout:.0f} s")


def wait_ready(stack: Stack, ops: str, name: str, timeout: float = 120) -> None:
    """Until the Hub routes to the server (the notebook can arrive before the Hub hears it is up)."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=f"{stack.hub_url}/hub/api", headers={"Authorization": f"token {ops}"}, timeout=60) as hub:
        while time.monotonic() < deadline:
            if (hub.get(f"/users/{name}").json().get("servers") or {}).get("", {}).get("ready"):
                return
            time.sleep(0.2)
    raise TimeoutError(f"the Hub never said {name}'s server is ready")


def start_kernel(stack: Stack, token: str, name: str) -> None:
    """Open today's notebook with a kernel, as JupyterLab does (a session)."""
    notebook = sorted((stack.state_dir / "users" / name / "exercises").glob("*.ipynb"))[0].name
    with httpx.Client(base_url=f"{stack.hub_url}/user/{name}", headers={"Authorization": f"token {token}"}, timeout=60) as server:
        path = f"exercises/{notebook}"
        resp = server.post("/api/sessions", json={"path": path, "name": notebook, "type": "notebook", "kernel": {"name": "python3"}})
        if resp.status_code >= 300:
            raise RuntimeError(f"opening {path} for {name}: {resp.status_code} {resp.text[:300]}")


def processes(stack: Stack) -> tuple[list[int], list[int]]:
    hub = stack._procs[-1].pid
    servers = [p for p in _children(hub) if "singleuser" in _cmd(p) or "server_ext.launch" in _cmd(p)]
    kernels = [k for s in servers for k in _children(s) if "ipykernel" in _cmd(k)]
    return servers, kernels


def hub_side_cpu(stack: Stack) -> dict[str, float]:
    """CPU seconds so far of the Hub, its proxy and the API service (with its workers)."""
    hub = stack._procs[-1].pid
    proxy = [p for p in _children(hub) if "configurable-http-proxy" in _cmd(p)]
    api = [p for p in _children(hub) if " api" in _cmd(p)]
    api += [w for p in api for w in _children(p) if "listen_fd" in _cmd(w)]
    return {"hub": _cpu(hub, False), "proxy": sum(_cpu(p, False) for p in proxy), "api": sum(_cpu(p, False) for p in api)}


def servers_running(stack: Stack, ops: str) -> int:
    with httpx.Client(base_url=f"{stack.hub_url}/hub/api", headers={"Authorization": f"token {ops}"}, timeout=60) as hub:
        return sum(1 for user in hub.get("/users").json() if user.get("servers"))


def cull(stack: Stack, ops: str, timeout: int, log: Path) -> dict:
    """Start the idle culler as the Hub runs it; how long until no student server runs, and the memory that came back."""
    before, started = mem_available(), time.monotonic()
    env = {**os.environ, "JUPYTERHUB_API_TOKEN": ops, "JUPYTERHUB_API_URL": f"{stack.hub_url}/hub/api"}
    culler = subprocess.Popen([sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={timeout}", "--cull-every=5"],
                              env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        while servers_running(stack, ops) and time.monotonic() - started < timeout + 180:
            time.sleep(1)
        left = servers_running(stack, ops)
        stopped_after = time.monotonic() - started
        time.sleep(2)  # the last processes exit
        server_pids, kernel_pids = processes(stack)
    finally:
        culler.terminate()
        culler.wait(20)
    return {"cull_timeout_s": timeout, "servers_left_running": left, "all_stopped_after_s": stopped_after if not left else None,
            "processes_left": len(server_pids) + len(kernel_pids), "mem_freed_mib": (mem_available() - before) / 2**20}


def main(servers: int, as_json: bool = False, concurrency: int = 10, cull_timeout: int = 30) -> None:
    ops = secrets.token_hex(16)
    names = [f"spawn{i:04d}" for i in range(servers)]
    with tempfile.TemporaryDirectory(prefix="codementor-bench-spawn-") as tmp:
        env = {"CODEMENTOR_OPS_TOKEN": ops, "CODEMENTOR_CULL_TIMEOUT": "0", "CODEMENTOR_DEMO_PASSWORD": PASSWORD}
        stack = Stack(state_dir=Path(tmp), hub_port=free_port(), extra_env=env)
        try:
            stack.start(log_file=Path(tmp) / "hub.log")
            tokens = create_students(stack.hub_url, ops, ["spawnsolo", *names])  # the demo signs in existing users only
            alone = log_in_and_wait(stack, "spawnsolo")
            wait_ready(stack, ops, "spawnsolo")
            before, side_before = mem_available(), hub_side_cpu(stack)
            with ThreadPoolExecutor(concurrency) as pool:
                logins = list(pool.map(lambda n: log_in_and_wait(stack, n), names))
                side = {k: (v - side_before[k]) / servers for k, v in hub_side_cpu(stack).items()}
                server_cpu = [_cpu(p, True) for p in processes(stack)[0]]
                list(pool.map(lambda n: wait_ready(stack, ops, n) or start_kernel(stack, tokens[n], n), names))
            time.sleep(3)  # kernels finish starting
            used = before - mem_available()
            server_pids, kernel_pids = processes(stack)
            server_rss = [rss(p) for p in server_pids]
            kernel_rss = [rss(p) for p in kernel_pids]
            kernel_cpu = [_cpu(p, False) for p in kernel_pids]
            culled = cull(stack, ops, cull_timeout, Path(tmp) / "culler.log") if cull_timeout > 0 else None
        finally:
            stack.stop()
    # MemAvailable is the better measure (shared pages counted once), but on a machine where
    # other work runs it can even grow meanwhile; then the resident sets (an over-estimate) say it
    rss_pair = (statistics.median(server_rss) if server_rss else 0) + (statistics.median(kernel_rss) if kernel_rss else 0)
    per_pair = used / servers if servers and used > 0 else rss_pair
    result = {
        "servers": servers, "concurrency": concurrency, "login_to_notebook_alone_s": alone, "login_to_notebook_p50_s": percentile(logins, 50),
        "login_to_notebook_p95_s": percentile(logins, 95), "servers_found": len(server_pids), "kernels_found": len(kernel_pids),
        "server_rss_mib_median": statistics.median(server_rss) / 2**20 if server_rss else None,
        "kernel_rss_mib_median": statistics.median(kernel_rss) / 2**20 if kernel_rss else None,
        "mem_available_drop_per_server_and_kernel_mib": used / servers / 2**20 if servers else None,
        "memory_per_server_and_kernel_mib": per_pair / 2**20, "memory_measure": "MemAvailable" if per_pair != rss_pair else "RSS",
        "fit_in_memory_total": int(mem_total() / per_pair) if per_pair > 0 else None,
        "fit_in_24_gib": int(24 * 2**30 / per_pair) if per_pair > 0 else None,
        "server_cpu_s_median": statistics.median(server_cpu) if server_cpu else None,
        "kernel_cpu_s_median": statistics.median(kernel_cpu) if kernel_cpu else None,
        "cpu_s_per_login": side, "culler": culled, "load_average": os.getloadavg(),
    }
    if as_json:
        print(json.dumps(result, indent=2))
        return
    print(f"\n{servers} student servers, {concurrency} logins at once (load average at the end {result['load_average'][0]:.1f})")
    print(f"login -> today's notebook present: p50 {result['login_to_notebook_p50_s']:.2f} s, p95 {result['login_to_notebook_p95_s']:.2f} s "
          f"(one login alone before them: {alone:.2f} s)")
    print(f"CPU seconds, median: server {result['server_cpu_s_median']:.2f} s to its notebook, kernel {result['kernel_cpu_s_median']:.2f} s to started; "
          f"per login: Hub {side['hub']:.2f} s, proxy {side['proxy']:.2f} s, API {side['api']:.2f} s")
    print(f"resident memory, median: server {result['server_rss_mib_median']:.0f} MiB, kernel {result['kernel_rss_mib_median']:.0f} MiB "
          f"({result['servers_found']} servers, {result['kernels_found']} kernels found)")
    print(f"MemAvailable dropped {result['mem_available_drop_per_server_and_kernel_mib']:.0f} MiB per server with its kernel; counting "
          f"{result['memory_per_server_and_kernel_mib']:.0f} MiB each ({result['memory_measure']}): about {result['fit_in_memory_total']} fit in "
          f"this machine's {mem_total() / 2**30:.0f} GiB, {result['fit_in_24_gib']} in 24 GiB")
    if culled:
        stopped = f"all stopped {culled['all_stopped_after_s']:.0f} s after it started" if culled["all_stopped_after_s"] is not None else f"{culled['servers_left_running']} still running"
        print(f"idle culler (--timeout={cull_timeout}): {stopped}, {culled['processes_left']} server or kernel processes left, "
              f"MemAvailable grew {culled['mem_freed_mib']:.0f} MiB")
