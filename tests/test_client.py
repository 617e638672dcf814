"""The shared API client (codementor.client): envelope, events, retries, schema, and that it stays standard library only."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from codementor.client import APIClient, APIError, Unreachable, error_message, parse_events
from codementor.client.notebook import SCHEMA_VERSION, digest, exercise_id, exercise_metadata, is_solution_cell, read_notebook


class Answers(BaseHTTPRequestHandler):
    """A tiny HTTP server: /envelope answers the API's error envelope, /events an event stream, /ok JSON."""

    def do_GET(self):
        if self.path.startswith("/envelope"):
            self._send(404, {"error": {"code": "not_found", "message": "no such exercise", "request_id": "abc123"}})
        elif self.path.startswith("/plain"):
            self._send(500, b"<html>oops</html>")
        elif self.path.startswith("/cut"):  # promises more than it sends, then closes
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"streak": ')
            self.close_connection = True
        elif self.path.startswith("/garbled"):
            self._send(200, b"<html>a captive portal</html>")
        elif self.path.startswith("/list"):
            self._send(200, [1, 2])
        elif self.path.startswith("/empty"):
            self.send_response(204)
            self.end_headers()
        else:
            self._send(200, {"path": self.path, "request_id": self.headers.get("X-Request-ID")})

    def do_POST(self):
        body = b"event: delta\ndata: {\"text\": \"he\"}\n\nevent: done\ndata: {\"text\": \"hello\"}\n\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send(self, status, body):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_answers_params_request_id_and_empty_bodies(server):
    client = APIClient(server, "t")
    got = client.get("/ok", limit=5, cursor=None)
    assert got["path"] == "/ok?limit=5" and len(got["request_id"]) == 32
    assert client.request("GET", "/empty") == {}


def test_the_envelope_becomes_one_line_with_the_request_id(server):
    with pytest.raises(APIError) as err:
        APIClient(server, "t").get("/envelope")
    assert str(err.value) == "no such exercise (request id abc123)" and err.value.status == 404
    with pytest.raises(APIError) as err:
        APIClient(server, "t").get("/plain")
    assert str(err.value).startswith("the API answered 500") and "(request id " in str(err.value)


def test_error_message_reads_both_envelopes_and_retry_after():
    assert error_message(404, b'{"message": "jupyter-server says"}') == ("jupyter-server says", "")
    assert error_message(429, b'{"error": {"message": "slow down"}}', {"Retry-After": "7"}) == ("slow down (try again in 7 s)", "")
    assert error_message(502, b"not json", reason="Bad Gateway") == ("the API answered 502 Bad Gateway", "")


def test_server_sent_events(server):
    assert list(APIClient(server, "t").stream("/ask", {"q": 1})) == [("delta", {"text": "he"}), ("done", {"text": "hello"})]
    assert list(parse_events([b"data: 1\n"])) == [("message", 1)]  # cut before the closing blank line


def test_transport_errors_are_retried_a_bounded_number_of_times():
    with socket.socket() as sock:  # a port nobody listens on: every attempt is refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    attempts = []

    class Counting(APIClient):
        def _open(self, req):
            attempts.append(req.full_url)
            return super()._open(req)

    with pytest.raises(Unreachable, match="not reachable"):
        Counting(f"http://127.0.0.1:{port}", "t", timeout=2, backoff=0).get("/x", retries=2)
    assert len(attempts) == 3
    attempts.clear()
    with pytest.raises(Unreachable):
        Counting(f"http://127.0.0.1:{port}", "t", timeout=2, backoff=0).get("/x", retries=100)
    assert len(attempts) == 6  # MAX_RETRIES caps what a caller asks for


@pytest.mark.parametrize("path", ["/cut", "/garbled", "/list"])
def test_a_broken_answer_is_one_line_not_a_traceback(server, path):
    """An answer cut short (a proxy restarting) is a transport failure; one that is not a JSON object is the
    API's fault: both are the client's own errors with one line, which the magics show as such."""
    client = APIClient(server, "token", backoff=0)
    with pytest.raises(Unreachable if path == "/cut" else APIError) as caught:
        client.get(path)
    assert "\n" not in str(caught.value) and "request id" in str(caught.value)


def test_an_error_answer_is_never_retried(server):
    attempts = []

    class Counting(APIClient):
        def _open(self, req):
            attempts.append(req.full_url)
            return super()._open(req)

    with pytest.raises(APIError):
        Counting(server, "t", backoff=0).get("/envelope", retries=3)
    assert len(attempts) == 1


def test_the_notebook_schema(tmp_path):
    nb = {"metadata": {"codementor": exercise_metadata("sum-of-evens", 2, "d1", "2026-12-05")},
          "cells": [{"cell_type": "code", "metadata": {"codementor": {"role": "solution"}}, "source": ""}]}
    assert nb["metadata"]["codementor"]["schema_version"] == SCHEMA_VERSION
    (tmp_path / "a.ipynb").write_text(json.dumps(nb))
    (tmp_path / "b.ipynb").write_text("[1]")
    read = read_notebook(tmp_path / "a.ipynb")
    assert exercise_id(read) == "sum-of-evens" and digest(read) == "d1" and is_solution_cell(read["cells"][0])
    assert read_notebook(tmp_path / "b.ipynb") is None and read_notebook(tmp_path / "missing.ipynb") is None
    assert exercise_id({"metadata": {"codementor": "junk"}}) is None and digest(None) is None


def test_the_client_imports_only_the_standard_library():
    code = ("import sys; before = set(sys.modules); import codementor.client; "
            "new = {m.split('.')[0] for m in set(sys.modules) - before}; "
            "print(sorted(m for m in new if m not in sys.stdlib_module_names and m not in ('codementor', '_distutils_hack')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]", out
