"""Schemathesis against the served OpenAPI document of the real API (real Postgres, Redis, Hub):
no answer may be a server error or differ from what the document says (status, content type,
headers, body schema). Deterministic (fixed seed) and bounded, so it costs seconds in `make test`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

CHECKS = "all"  # server errors, conformance of answers, and that invalid requests are refused and valid ones taken
CONFIG = Path(__file__).resolve().parent.parent / "schemathesis.toml"  # the rules the document cannot state
EXAMPLES = 5


def run_schemathesis(url: str, token: str, report: Path, *only: str) -> subprocess.CompletedProcess:
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    assert st, "schemathesis is a test dependency: make install"
    command = [
        st, "--config-file", str(CONFIG), "run", f"{url}/openapi.json", "--header", f"Authorization: token {token}", "--checks", CHECKS,
        "--phases", "examples,coverage,fuzzing", "--max-examples", str(EXAMPLES), "--seed", "20261205",
        "--generation-deterministic", "--workers", "1", "--request-timeout", "30",
        # importing into the course bank runs the grader on each notebook and would publish a valid one to the shared bank
        "--exclude-operation-id", "CourseExercisesHandler.post",
        "--no-color", "--output-truncate", "true", "--report", "ndjson", "--report-ndjson-path", str(report), *only,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=report.parent)  # its cache stays there


def counts(report: Path) -> dict:
    """Operations, test cases, checks run and checks failed, from schemathesis's event log."""
    labels, cases, checks, failed = set(), 0, 0, 0
    for line in report.read_text().splitlines():
        kind, body = next(iter(json.loads(line).items()))
        if kind != "ScenarioFinished":
            continue
        recorder = body.get("recorder", {})
        labels.add(recorder.get("label"))
        cases += len(recorder.get("cases") or {})
        results = [c for per_case in (recorder.get("checks") or {}).values() for c in per_case]
        checks += len(results)
        failed += sum(c.get("status") != "success" for c in results)
    return {"operations": len(labels), "cases": cases, "checks": checks, "failed_checks": failed}


def test_the_served_api_matches_its_document_under_fuzzing(stack, hub, tmp_path):
    # an instructor reaches the class endpoints as well as every student one (admins' get 403)
    hub.create_user("fuzz-teacher", groups=("instructors",))
    token = hub.user_token("fuzz-teacher")
    report = tmp_path / "schemathesis.ndjson"
    result = run_schemathesis(stack.api_url, token, report)
    summary = result.stdout[-6000:]
    print(summary, "\n[figure] schemathesis:", counts(report))
    assert result.returncode == 0, summary + result.stderr[-2000:]
    found = counts(report)
    assert found["operations"] >= 40 and found["cases"] > 500 and found["failed_checks"] == 0, found


def test_the_admin_endpoints_match_their_document_under_fuzzing_as_an_admin(stack, hub, tmp_path):
    # the run above reaches the admin endpoints only as far as their 403; here an admin gets past it, to the
    # exports, deletions of made-up users, the deletion requests and the audit trail's cursors
    token = hub.user_token("admin")  # the stack's admin (the ops service may not grant the admin flag)
    report = tmp_path / "schemathesis-admin.ndjson"
    result = run_schemathesis(stack.api_url, token, report, "--include-path-regex", "^/(admin|users)/")
    summary = result.stdout[-6000:]
    print(summary, "\n[figure] schemathesis as an admin:", counts(report))
    assert result.returncode == 0, summary + result.stderr[-2000:]
    found = counts(report)
    assert found["operations"] >= 5 and found["cases"] > 50 and found["failed_checks"] == 0, found
