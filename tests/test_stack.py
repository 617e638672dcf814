"""The stack launcher's clean-up: nothing it started outlives `stop()`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from codementor.hub_config.stack import Stack


def test_stop_ends_stragglers_working_in_the_state_folder(tmp_path):
    inside = tmp_path / "state" / "users" / "x"
    inside.mkdir(parents=True)
    hub_env = {"PATH": "/usr/bin:/bin", "JUPYTERHUB_API_URL": "http://127.0.0.1:1/hub/api"}
    straggler = subprocess.Popen(["sleep", "300"], cwd=inside, env=hub_env, start_new_session=True)
    outsider = subprocess.Popen(["sleep", "300"], cwd=tmp_path, env=hub_env, start_new_session=True)
    someones_shell = subprocess.Popen(["sleep", "300"], cwd=inside, env={"PATH": "/usr/bin:/bin"}, start_new_session=True)
    try:
        Stack(state_dir=tmp_path / "state").stop()
        assert straggler.wait(10) is not None
        # only the Hub's own processes inside the state folder are ended
        assert outsider.poll() is None and someones_shell.poll() is None
    finally:
        for proc in (straggler, outsider, someones_shell):
            proc.kill()
            proc.wait()


class Squatter:
    """A local HTTP server on a port someone else holds (another stack's proxy)."""

    def __init__(self, port: int = 0):
        import threading
        from http.server import BaseHTTPRequestHandler, HTTPServer

        asked = self.asked = []

        class NotTheProxy(BaseHTTPRequestHandler):
            def do_GET(self):
                asked.append(self.path)
                self.send_error(403)

            do_POST = do_PATCH = do_DELETE = do_GET

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", port), NotTheProxy)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_an_internal_port_taken_before_the_start_is_replaced_before_the_hub_starts(services, tmp_path, caplog):
    """Another stack's proxy API on our proxy_api_port: the Hub must never talk to it, so the port is
    changed before the Hub starts, and the log says so in one line."""
    from codementor.hub_config.stack import free_port, http_status

    squatter, log_file = Squatter(), tmp_path / "hub.log"
    stack = Stack(state_dir=tmp_path / "state", hub_port=free_port(), proxy_api_port=squatter.port,
                  database_url=services.database_url, redis_url=services.redis_url)
    try:
        with caplog.at_level("WARNING", logger="codementor.stack"):
            stack.start(log_file=log_file)
        assert stack.proxy_api_port != squatter.port
        assert f"port {squatter.port} for the proxy's API is taken: using {stack.proxy_api_port}" in caplog.text
        assert http_status(f"{stack.hub_url}/hub/health") == 200 and http_status(f"{stack.api_url}/health") == 200
        assert squatter.asked == [] and b"EADDRINUSE" not in log_file.read_bytes()  # the other stack's proxy never heard of us
    finally:
        stack.stop()
        squatter.close()


class PortThief(Stack):
    """A Stack whose proxy API port is taken right after it was checked: the race the retry is for."""

    def claim_ports(self, names):
        super().claim_ports(names)
        if "proxy_api_port" in names and not hasattr(self, "squatter"):
            self.squatter = Squatter(self.proxy_api_port)


def test_a_port_taken_between_its_check_and_its_use_has_the_hub_started_on_others(services, tmp_path):
    """Ports are checked free, then bound moments later by the Hub's parts; another process may take one
    in between (the proxy then fails with EADDRINUSE and the Hub exits): the Hub is started again on other
    internal ports, its public one unchanged."""
    from codementor.hub_config.stack import free_port, http_status

    hub_port, log_file = free_port(), tmp_path / "hub.log"
    stack = PortThief(state_dir=tmp_path / "state", hub_port=hub_port, database_url=services.database_url, redis_url=services.redis_url)
    try:
        stack.start(log_file=log_file)
        assert stack.proxy_api_port != stack.squatter.port and stack.hub_port == hub_port
        assert http_status(f"{stack.hub_url}/hub/health") == 200 and http_status(f"{stack.api_url}/health") == 200
        assert b"EADDRINUSE" in log_file.read_bytes()  # the first start met the taken port
    finally:
        stack.stop()
        stack.squatter.close()


class Answering(Squatter):
    """Another stack's API on a port: it answers every GET with 200, as a healthy API does."""

    def __init__(self, port: int = 0):
        super().__init__(port)
        asked = self.asked

        def healthy(handler):
            asked.append(handler.path)
            body = b'{"status": "ok"}'
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)

        self.server.RequestHandlerClass.do_GET = healthy


class ApiPortThief(Stack):
    """A Stack whose API port is taken, by a server that answers as a healthy API, right after it was checked
    free: two demos started in the same second both chose 10101, and the later one's Hub would have run with the
    earlier one's API."""

    def claim_ports(self, names):
        super().claim_ports(names)
        if "api_port" in names and not hasattr(self, "squatter"):
            self.squatter = Answering(self.api_port)


def test_an_api_port_answered_by_another_process_has_the_hub_started_on_others(services, tmp_path, caplog):
    from codementor.hub_config.stack import free_port, http_status, listening_pids

    hub_port, log_file = free_port(), tmp_path / "hub.log"
    stack = ApiPortThief(state_dir=tmp_path / "state", hub_port=hub_port, database_url=services.database_url, redis_url=services.redis_url)
    try:
        with caplog.at_level("WARNING", logger="codementor.stack"):
            stack.start(log_file=log_file)
        taken = stack.squatter.port
        assert any(path.endswith("/health") for path in stack.squatter.asked)  # it answered for the first start
        assert f"port {taken} for the CodeMentor API is held by another process ({os.getpid()})" in caplog.text
        assert stack.api_port != taken and stack.hub_port == hub_port
        assert http_status(f"{stack.api_url}/health") == 200 and os.getpid() not in listening_pids(stack.api_port)
        # the Hub reaches the API it started: a student's request through the proxy is not the other one's
        before = len(stack.squatter.asked)
        assert http_status(f"{stack.hub_url}/services/codementor/api/v1/health") == 200
        assert len(stack.squatter.asked) == before
    finally:
        stack.stop()
        stack.squatter.close()


def test_a_taken_public_port_stops_the_start_with_one_line(tmp_path):
    from codementor.hub_config.stack import PortTaken

    squatter = Squatter()
    try:
        stack = Stack(state_dir=tmp_path / "state", hub_port=squatter.port)
        with pytest.raises(PortTaken, match=f"^port {squatter.port} is taken \\(another hub\\?\\): stop it or use --port$"):
            stack.start()
        assert not (tmp_path / "state" / "postgres").exists()  # nothing was started
    finally:
        squatter.close()


def test_the_demo_says_a_taken_port_in_one_line(tmp_path):
    squatter = Squatter()
    try:
        done = subprocess.run([sys.executable, "-m", "codementor.cli", "demo", "--state-dir", str(tmp_path / "demo"), "--port", str(squatter.port)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.strip().splitlines()[-1] == f"codementor demo: port {squatter.port} is taken (another hub?): stop it or use --port"
    finally:
        squatter.close()


def test_the_demo_says_a_missing_proxy_in_one_line(tmp_path):
    from codementor.hub_config.stack import free_port

    env = {**os.environ, "CODEMENTOR_PROXY_CMD": str(tmp_path / "configurable-http-proxy")}
    done = subprocess.run([sys.executable, "-m", "codementor.cli", "demo", "--state-dir", str(tmp_path / "demo"), "--port", str(free_port())],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(f"codementor demo: CODEMENTOR_PROXY_CMD={tmp_path}/configurable-http-proxy is not "
                                                           "an executable file: set it to configurable-http-proxy's path")
    assert not (tmp_path / "demo" / "postgres").exists()


def test_each_part_of_a_stack_gets_a_port_of_its_own(tmp_path):
    """Free ports are picked one after the other, and the same one can come twice: a port given twice
    is kept where it comes first and picked again for the others."""
    stack = Stack(state_dir=tmp_path, hub_port=45555, proxy_api_port=45555, dashboards_port=45555)
    ports = [getattr(stack, name) for name in Stack.PORTS]
    assert stack.hub_port == 45555 and len(set(ports)) == len(ports)
