"""The stack launcher's clean-up: nothing it started outlives `stop()`."""

from __future__ import annotations

import subprocess

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


def test_a_port_taken_between_its_choice_and_its_use_has_the_hub_started_on_others(services, tmp_path):
    """Ports are picked free, then bound moments later by the Hub's parts; another process may take one
    in between (the proxy then fails with EADDRINUSE and the Hub exits): the Hub is started again on other
    internal ports, its public one unchanged."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from codementor.hub_config.stack import free_port, http_status

    class NotTheProxy(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_error(404)

        def log_message(self, *args):
            pass

    squatter = HTTPServer(("127.0.0.1", 0), NotTheProxy)
    threading.Thread(target=squatter.serve_forever, daemon=True).start()
    taken, hub_port = squatter.server_address[1], free_port()
    log_file = tmp_path / "hub.log"
    stack = Stack(state_dir=tmp_path / "state", hub_port=hub_port, proxy_api_port=taken,
                  database_url=services.database_url, redis_url=services.redis_url)
    try:
        stack.start(log_file=log_file)
        assert stack.proxy_api_port != taken and stack.hub_port == hub_port
        assert http_status(f"{stack.hub_url}/hub/health") == 200 and http_status(f"{stack.api_url}/health") == 200
        assert b"EADDRINUSE" in log_file.read_bytes()  # the first start met the taken port
    finally:
        stack.stop()
        squatter.shutdown()


def test_each_part_of_a_stack_gets_a_port_of_its_own(tmp_path):
    """Free ports are picked one after the other, and the same one can come twice: a port given twice
    is kept where it comes first and picked again for the others."""
    stack = Stack(state_dir=tmp_path, hub_port=45555, proxy_api_port=45555, dashboards_port=45555)
    ports = [getattr(stack, name) for name in Stack.PORTS]
    assert stack.hub_port == 45555 and len(set(ports)) == len(ports)
