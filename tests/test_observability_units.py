"""Plain functions behind the metrics and the logs, and the multiprocess mode the API's workers will use."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

from codementor.api.logs import JsonFormatter, current_request_id, request_id_from
from codementor.api.metrics import route_label


def test_route_labels_name_parameters_never_values():
    prefix = "/services/codementor/"
    assert route_label(prefix + r"api/v1/class/students/(?P<name>[A-Za-z0-9._@+-]{1,255})", prefix) == "/api/v1/class/students/{name}"
    assert route_label(prefix + r"api/v1/submissions/(?P<submission_id>\d{1,18})", prefix) == "/api/v1/submissions/{submission_id}"
    assert route_label(prefix + "api/v1/me", prefix) == "/api/v1/me"
    assert route_label(prefix + r"api/v1/undocumented/([a-z]+)", prefix) == "/api/v1/undocumented/{}"


def test_request_ids_are_kept_only_when_sane():
    assert request_id_from("abc-123_x.y:z") == "abc-123_x.y:z"
    for bad in (None, "", "a" * 65, "has space", "new\nline", "-leading", "é"):
        made = request_id_from(bad)
        assert made != bad and len(made) == 32 and int(made, 16) >= 0


def test_a_log_record_is_one_json_line_with_the_request_id():
    token = current_request_id.set("rid-1")
    try:
        record = logging.LogRecord("codementor.access", logging.INFO, __file__, 1, "GET %s 200", ("/api/v1/me",), None)
        record.fields = {"route": "/api/v1/me", "user_id": 7}
        line = JsonFormatter().format(record)
    finally:
        current_request_id.reset(token)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["request_id"] == "rid-1" and entry["message"] == "GET /api/v1/me 200" and entry["user_id"] == 7 and entry["level"] == "info"


WORKER = """
from codementor.api import metrics
metrics.VERDICTS.labels("passed").inc()
metrics.GRADING_QUEUE_LIMIT.set(4)
"""
READER = """
from codementor.api import metrics
print(metrics.exposition()[0].decode())
"""


def test_multiprocess_mode_merges_the_workers_samples(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):  # two "workers", each in its own process
        subprocess.run([sys.executable, "-c", WORKER], env=env, check=True)
    out = subprocess.run([sys.executable, "-c", READER], env=env, check=True, capture_output=True, text=True).stdout
    assert 'codementor_submissions_total{verdict="passed"} 2.0' in out
    # each worker has a queue of its own: the limits add up (until the supervisor marks a worker dead)
    assert "codementor_grading_queue_limit 8.0" in out


def test_hub_and_server_headers_add_hsts_only_behind_tls():
    from jupyter_server.serverapp import ServerApp

    from codementor.hub_config.security import hub_headers, server_headers, tornado_settings_arg

    assert "frame-ancestors 'none'" in hub_headers(False)["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in hub_headers(False) and "Strict-Transport-Security" not in server_headers(False)
    assert hub_headers(True)["Strict-Transport-Security"].startswith("max-age=")
    # the spawner's command-line argument reaches jupyter-server as a dict of headers
    app = ServerApp()
    app.parse_command_line([tornado_settings_arg(server_headers(True))])
    headers = app.config.ServerApp.tornado_settings["headers"]
    assert headers == server_headers(True) and "frame-ancestors 'self'" in headers["Content-Security-Policy"]
