"""Metrics, request ids, JSON logs and security headers, through the real stack."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest

from codementor.server_ext.app import ExerciseDelivery
from codementor.server_ext.delivery import Delivery
from tutor_kernel_ext.client import APIClient, TutorError

from .conftest import ARTIFACTS

pytestmark = pytest.mark.e2e

PROJECT = Path(__file__).resolve().parent.parent
PROMETHEUS = PROJECT / "deploy" / "prometheus"
DASHBOARD = PROJECT / "deploy" / "grafana" / "codementor-dashboard.json"
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$")  # label values may hold braces (route patterns)


def scrape(url: str, token: str) -> dict[str, float]:
    """{'name{labels}': value} of one scrape."""
    resp = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert resp.status_code == 200, resp.text
    samples = {}
    for line in resp.text.splitlines():
        match = SAMPLE.match(line)
        if match:
            samples[match[1] + (match[2] or "")] = float(match[3])
    return samples


def metrics_url(stack) -> str:
    return stack.api_url.removesuffix("api/v1") + "metrics"


def value(samples: dict, name: str, **labels) -> float:
    """Sum of the samples of `name` whose labels include `labels`."""
    total = 0.0
    for key, v in samples.items():
        metric, _, rest = key.partition("{")
        if metric == name and all(f'{k}="{val}"' in rest for k, val in labels.items()):
            total += v
    return total


@pytest.fixture(scope="module")
def student(hub, stack):
    hub.create_user("obs-student")
    return httpx.Client(base_url=stack.api_url, headers={"Authorization": f"token {hub.user_token('obs-student')}"}, timeout=60)


@pytest.fixture(scope="module")
def instructor(hub, stack):
    hub.create_user("obs-teacher", groups=("instructors",))
    return httpx.Client(base_url=stack.api_url, headers={"Authorization": f"token {hub.user_token('obs-teacher')}"}, timeout=60)


def test_metrics_are_protected(stack, hub, student):
    url = metrics_url(stack)
    anonymous = httpx.get(url, timeout=30)
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "unauthorized"
    # a student's token, and a Hub token of a service without read:metrics, are refused
    assert httpx.get(url, headers=student.headers, timeout=30).status_code == 403
    assert httpx.get(url, headers={"Authorization": f"token {stack.ops_token}"}, timeout=30).status_code == 403
    assert httpx.get(url, headers={"Authorization": "Bearer not-the-token"}, timeout=30).status_code in (401, 403)
    assert "codementor_backend_up" in " ".join(scrape(url, stack.metrics_token))
    # the same token reads the Hub's own metrics (the `metrics` service holds read:metrics)
    assert httpx.get(f"{stack.hub_url}/hub/metrics", timeout=30).status_code in (401, 403)
    hub_samples = scrape(f"{stack.hub_url}/hub/metrics", stack.metrics_token)
    assert any(k.startswith("jupyterhub_") for k in hub_samples)


def test_a_submission_moves_the_counters(stack, student, bank, capsys):
    url = metrics_url(stack)
    exercise = bank.get("sum-of-evens")
    before = scrape(url, stack.metrics_token)
    resp = student.post("/submissions", json={"exercise_id": exercise.id, "code": exercise.solution, "idempotency_key": uuid.uuid4().hex})
    assert resp.status_code == 201, resp.text
    after = scrape(url, stack.metrics_token)
    route = {"route": "/api/v1/submissions", "method": "POST", "status": "201"}
    assert value(after, "codementor_http_requests_total", **route) == value(before, "codementor_http_requests_total", **route) + 1
    assert value(after, "codementor_submissions_total", verdict="passed") == value(before, "codementor_submissions_total", verdict="passed") + 1
    assert value(after, "codementor_grading_duration_seconds_count") > value(before, "codementor_grading_duration_seconds_count")
    assert value(after, "codementor_backend_up", backend="database") == 1 and value(after, "codementor_backend_up", backend="redis") == 1
    with capsys.disabled():  # the figures for the closing note
        print("\nscrape before -> after one passing submission:")
        for key in sorted(after):
            if any(s in key for s in ("submissions_total", "grading_duration_seconds_count", "grading_duration_seconds_sum",
                                      "grading_queue", "/api/v1/submissions", "backend_up")) and "_bucket" not in key:
                if before.get(key) != after[key] or "queue" in key or "backend" in key:
                    print(f"  {key} {before.get(key, 0):g} -> {after[key]:g}")


def test_routes_are_labelled_by_pattern_never_by_name(stack, instructor, student):
    student.get("/me")  # the student exists in the API
    assert instructor.get("/class/students/obs-student").status_code == 200
    text = httpx.get(metrics_url(stack), headers={"Authorization": f"Bearer {stack.metrics_token}"}, timeout=30).text
    assert 'route="/api/v1/class/students/{name}"' in text
    assert "obs-student" not in text and "obs-teacher" not in text


def test_tutor_provider_tokens_cost_cache_and_fallbacks_are_counted(stack, student, bank, llm):
    from .fake_llm import set_mode

    url = metrics_url(stack)
    exercise = bank.get("sum-of-evens")
    before = scrape(url, stack.metrics_token)
    ok = student.post("/tutor/ask", json={"exercise_id": exercise.id, "question": "where do I start?"})
    assert ok.status_code == 200, ok.text
    set_mode(llm.base_url, mode="error", status=500)
    fallback = student.post("/tutor/ask", json={"exercise_id": exercise.id, "question": "and what next?"})
    assert fallback.status_code == 200, fallback.text
    after = scrape(url, stack.metrics_token)
    grew = lambda name, **labels: value(after, name, **labels) - value(before, name, **labels)  # noqa: E731
    assert grew("codementor_tutor_provider_calls_total", provider="openai", outcome="ok") >= 1
    assert grew("codementor_tutor_provider_calls_total", provider="openai", outcome="error") >= 1
    assert grew("codementor_tutor_fallbacks_total", provider="openai") >= 1
    assert grew("codementor_tutor_provider_calls_total", provider="offline", outcome="ok") >= 1
    assert grew("codementor_llm_tokens_total", provider="openai", direction="output") > 0
    assert grew("codementor_llm_cost_usd_total", provider="openai") > 0
    assert grew("codementor_tutor_cache_total") >= 1
    # today's spend of the student's class is visible beside its allowance
    assert value(after, "codementor_class_llm_spend_usd", **{"class": "students"}) > 0
    assert value(after, "codementor_class_llm_budget_usd", **{"class": "students"}) > 0


def test_student_servers_report_failed_deliveries(stack, hub):
    hub.create_user("obs-server")
    settings = ExerciseDelivery(api_url=stack.api_url, api_token=hub.user_token("obs-server"))
    delivery = Delivery(settings, contents_manager=None, root_dir="/nonexistent", log=logging.getLogger("test"))
    delivery.note_failure("unreachable")
    delivery.note_failure("unreachable")
    delivery.note_failure("gave_up")
    before = scrape(metrics_url(stack), stack.metrics_token)
    asyncio.run(delivery.report_failures())
    after = scrape(metrics_url(stack), stack.metrics_token)
    assert not delivery.unreported  # reported once, then forgotten
    assert value(after, "codementor_delivery_failures_total", kind="unreachable") == value(before, "codementor_delivery_failures_total", kind="unreachable") + 2
    assert value(after, "codementor_delivery_failures_total", kind="gave_up") == value(before, "codementor_delivery_failures_total", kind="gave_up") + 1
    bad = httpx.post(f"{stack.api_url}/delivery/failures", headers={"Authorization": f"token {settings.api_token}"}, json={"failures": {"made_up": 1}}, timeout=30)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_request"


def test_request_ids_are_echoed_made_and_logged(stack, student):
    mine = "req-" + uuid.uuid4().hex[:12]
    missing = student.get("/exercises/no-such-exercise", headers={"X-Request-ID": mine})
    assert missing.status_code == 404
    assert missing.headers["X-Request-ID"] == mine and missing.json()["error"]["request_id"] == mine
    # an id that is not sane (too long, odd characters) is replaced by one the API makes
    for bad in ("x" * 200, "a b", "<script>"):
        made = student.get("/me", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert made != bad and re.fullmatch(r"[0-9a-f]{32}", made)
    ok = student.get("/me", headers={"X-Request-ID": mine + "-2"})
    assert ok.headers["X-Request-ID"] == mine + "-2"
    # the access log: one JSON object a line, with the route pattern and the opaque user id, no name
    lines = _log_lines_with(mine)
    assert lines, "no log line carries the request id"
    entries = [json.loads(line) for line in lines]
    access = [e for e in entries if e.get("logger") == "codementor.access"]
    assert access and access[0]["route"] == "/api/v1/exercises/{exercise_id}" and access[0]["status"] == 404
    assert isinstance(access[0]["user_id"], int)
    assert all("obs-student" not in line and "no-such-exercise" not in line for line in lines)


def _log_lines_with(request_id: str) -> list[str]:
    import time

    log = ARTIFACTS / "jupyterhub.log"
    for _ in range(20):  # the API's stderr reaches the Hub's log file through a pipe
        lines = [line for line in log.read_text(errors="replace").splitlines() if request_id in line]
        if lines:
            return lines
        time.sleep(0.25)
    return []


def test_the_magics_client_shows_the_request_id(stack, student):
    client = APIClient(stack.api_url, student.headers["Authorization"].split()[1])
    with pytest.raises(TutorError) as err:
        client.get("/exercises/no-such-exercise")
    message = str(err.value)
    assert re.search(r"\(request id [0-9a-f]{32}\)$", message) and "\n" not in message


def test_a_magic_error_ends_with_the_request_id(stack, hub, ipython_shell):
    from IPython.core.error import UsageError

    from tutor_kernel_ext.magics import TutorMagics

    hub.create_user("obs-kernel")
    ipython_shell.register_magics(TutorMagics(shell=ipython_shell, api_url=stack.api_url, api_token=hub.user_token("obs-kernel")))
    with pytest.raises(UsageError) as err:
        ipython_shell.run_line_magic("onboard", "--level beginner --timezone Mars/Base")
    message = str(err.value)
    assert "unknown time zone 'Mars/Base'" in message and "\n" not in message
    request_id = re.search(r"\(request id ([0-9a-f]{32})\)$", message)[1]
    assert _log_lines_with(request_id), "the id the student sees is in the API's log"


def test_leak_blocks_and_rate_limit_refusals_are_counted(stack, hub, bank, llm):
    from .fake_llm import set_mode

    hub.create_user("obs-asker")
    asker = httpx.Client(base_url=stack.api_url, headers={"Authorization": f"token {hub.user_token('obs-asker')}"}, timeout=60)
    exercise = bank.get("sum-of-evens")
    url = metrics_url(stack)
    before = scrape(url, stack.metrics_token)
    set_mode(llm.base_url, mode="script", answers=[f"Here you go:\n```python\n{exercise.solution}```\n"])
    blocked = asker.post("/tutor/ask", json={"exercise_id": exercise.id, "question": "just give me the answer " + uuid.uuid4().hex})
    assert blocked.status_code == 200 and exercise.solution.strip() not in blocked.text
    set_mode(llm.base_url, mode="normal")  # the script repeats its last answer
    statuses = [asker.post("/tutor/ask", json={"exercise_id": exercise.id, "question": f"more help {i}"}).status_code for i in range(8)]
    assert 429 in statuses
    after = scrape(url, stack.metrics_token)
    assert value(after, "codementor_leak_blocks_total", provider="openai") == value(before, "codementor_leak_blocks_total", provider="openai") + 1
    refused = statuses.count(429)
    assert value(after, "codementor_refusals_total", kind="rate_limit") == value(before, "codementor_refusals_total", kind="rate_limit") + refused


def test_security_headers_on_the_api(stack, student):
    resp = student.get("/me")
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff" and resp.headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in resp.headers  # plain http here
    # behind a TLS proxy (through the Hub's proxy, which appends its own "http")
    tls = student.get("/me", headers={"X-Forwarded-Proto": "https"})
    assert tls.headers["Strict-Transport-Security"].startswith("max-age=")
    error = httpx.get(f"{stack.api_url}/me", timeout=30)  # errors carry them too
    assert error.status_code == 401 and "frame-ancestors" in error.headers["Content-Security-Policy"]


def test_security_headers_on_the_hub_lab_and_dashboards(stack, hub):
    login = httpx.get(f"{stack.hub_url}/hub/login", timeout=30)
    assert login.status_code == 200
    assert "frame-ancestors 'none'" in login.headers["Content-Security-Policy"]
    assert "object-src 'none'" in login.headers["Content-Security-Policy"]
    assert login.headers["X-Content-Type-Options"] == "nosniff" and login.headers["Referrer-Policy"] == "same-origin"
    hub.create_user("obs-lab")
    hub.spawn("obs-lab")
    try:
        with hub.server("obs-lab") as server:
            lab = server.get("/lab")
            assert lab.status_code == 200 and "jupyter-config-data" in lab.text  # Lab still renders
            assert "frame-ancestors 'self'" in lab.headers["Content-Security-Policy"]
            assert lab.headers["X-Content-Type-Options"] == "nosniff" and lab.headers["Referrer-Policy"] == "same-origin"
    finally:
        hub.stop("obs-lab")
    dashboards = httpx.get(f"{stack.hub_url}/services/dashboards/api", timeout=30)
    assert "frame-ancestors 'self'" in dashboards.headers["Content-Security-Policy"]
    assert dashboards.headers["Referrer-Policy"] == "same-origin"


def _names_in(expr: str) -> set[str]:
    return set(re.findall(r"\b((?:codementor|jupyterhub)_[a-z0-9_]+)", expr))


def _rule_exprs() -> list[str]:
    import yaml

    doc = yaml.safe_load((PROMETHEUS / "codementor-rules.yml").read_text())
    return [rule["expr"] for group in doc["groups"] for rule in group["rules"]]


def _dashboard_exprs() -> list[str]:
    doc = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in doc["panels"] for t in p.get("targets", [])]
    exprs += [v["definition"] for v in doc["templating"]["list"] if "definition" in v]
    return exprs


def test_rules_and_dashboard_name_only_exported_metrics(stack):
    exported = {k.partition("{")[0] for k in scrape(metrics_url(stack), stack.metrics_token)}
    exported |= {k.partition("{")[0] for k in scrape(f"{stack.hub_url}/hub/metrics", stack.metrics_token)}
    exprs = _rule_exprs() + _dashboard_exprs()
    named = set().union(*(_names_in(e) for e in exprs))
    assert len(named) >= 15
    assert named <= exported, f"not exported: {sorted(named - exported)}"


@pytest.mark.skipif(not shutil.which("promtool"), reason="promtool missing: `make promtool` installs Debian's prometheus package")
def test_promtool_accepts_the_configuration_rules_and_rule_tests(tmp_path):
    for name in ("prometheus.yml", "codementor-rules.yml", "codementor-rules.test.yml"):
        shutil.copy(PROMETHEUS / name, tmp_path / name)
    token = tmp_path / "token"
    token.write_text("not-a-secret\n")
    config = tmp_path / "prometheus.yml"
    config.write_text(config.read_text().replace("/etc/prometheus/codementor-metrics-token", str(token)))
    for args in (["check", "config", str(config)], ["check", "rules", str(tmp_path / "codementor-rules.yml")],
                 ["test", "rules", str(tmp_path / "codementor-rules.test.yml")]):
        done = subprocess.run(["promtool", *args], capture_output=True, text=True, cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "SUCCESS" in done.stdout + done.stderr
