"""The API's Prometheus metrics, served at <service prefix>metrics (see handlers/metrics.py).

Every metric is defined once here, and the code that counts calls a small function or a
metric object from this module at the edge (a handler, the grader's queue, the gateway's
provider loop), so the domain code stays free of monitoring.

Several worker processes: prometheus-client's multiprocess mode needs nothing else from this
module than the environment. Set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder before the
workers start (the same folder for all of them, emptied at each start); every worker then
writes its samples there and the /metrics handler merges them (``collecting_registry``).
The gauges already say how to merge (``multiprocess_mode``); the process that starts the
workers must call ``prometheus_client.multiprocess.mark_process_dead(pid)`` when one exits,
or the "live" gauges keep its last values. In multiprocess mode the process_* and python_*
metrics of each worker are not exported.

Labels never carry a user name, a group member or a raw path: routes are the route
patterns of the API (``/api/v1/class/students/{name}``), classes are Hub group names.
"""

from __future__ import annotations

import os
import re

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import disable_created_metrics, multiprocess

disable_created_metrics()  # no *_created series: they double the output and no rule or panel uses them

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
GRADING_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter("codementor_http_requests", "HTTP requests answered, by route pattern, method and status.", ["route", "method", "status"])
REQUEST_SECONDS = Histogram(
    "codementor_http_request_duration_seconds", "Time to answer an HTTP request, by route pattern and method.", ["route", "method"],
    buckets=LATENCY_BUCKETS,
)
REFUSALS = Counter("codementor_refusals", "Requests refused by a limit: kind is rate_limit, budget or busy (grading queue full).", ["kind"])

GRADING_SECONDS = Histogram("codementor_grading_duration_seconds", "Time one grading job ran in the sandbox (queue wait excluded).", buckets=GRADING_BUCKETS)
GRADING_WAIT_SECONDS = Histogram("codementor_grading_queue_wait_seconds", "Time a grading job waited for a free slot.", buckets=GRADING_BUCKETS)
GRADING_QUEUE = Gauge("codementor_grading_queue_depth", "Grading jobs waiting for a free slot.", multiprocess_mode="livesum")
GRADING_QUEUE_LIMIT = Gauge("codementor_grading_queue_limit", "Grading jobs that may wait before the API answers 503 (c.Grader.queue_limit).", multiprocess_mode="livesum")
GRADING_RUNNING = Gauge("codementor_grading_running", "Grading jobs running now.", multiprocess_mode="livesum")
VERDICTS = Counter("codementor_submissions", "Submissions stored, by verdict (passed, failed, load_error, timeout, crashed).", ["verdict"])

TUTOR_CALLS = Counter("codementor_tutor_provider_calls", "Calls to a tutor provider, by provider and outcome (ok, error).", ["provider", "outcome"])
TUTOR_FALLBACKS = Counter("codementor_tutor_fallbacks", "Times a failing provider handed over to the next one in the chain.", ["provider"])
TUTOR_TOKENS = Counter("codementor_llm_tokens", "LLM tokens charged, by provider and direction (input, output).", ["provider", "direction"])
TUTOR_COST = Counter("codementor_llm_cost_usd", "LLM cost charged to the ledger, in USD, by provider.", ["provider"])
TUTOR_CACHE = Counter("codementor_tutor_cache", "Shared-answer cache lookups, by result (hit, miss).", ["result"])
LEAK_BLOCKS = Counter("codementor_leak_blocks", "Tutor answers replaced by the leak filter, by provider.", ["provider"])

DELIVERY_FAILURES = Counter(
    "codementor_delivery_failures", "Failed deliveries of the day's notebooks reported by student servers, by kind.", ["kind"]
)
BACKEND_UP = Gauge("codementor_backend_up", "1 when the API reaches the backend (database, redis) at the last scrape, else 0.", ["backend"], multiprocess_mode="livemin")
CLASS_SPEND = Gauge("codementor_class_llm_spend_usd", "LLM spend of a class (a Hub group of students) today, in USD.", ["class"], multiprocess_mode="mostrecent")
CLASS_BUDGET = Gauge(
    "codementor_class_llm_budget_usd", "Today's LLM allowance of a class: its members' daily budgets added up, in USD.", ["class"],
    multiprocess_mode="mostrecent",
)

DELIVERY_KINDS = ("unreachable", "api_error", "bad_answer", "write_failed", "gave_up")


def collecting_registry():
    """The registry to expose: the merged samples of every worker in multiprocess mode, else this process's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its content type."""
    return generate_latest(collecting_registry()), CONTENT_TYPE_LATEST


def route_label(pattern: str, prefix: str) -> str:
    """A route's pattern as a label: named groups become {their name}, others {}; never values."""
    path = pattern.removeprefix(prefix.rstrip("/"))
    named = re.sub(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)", r"{\1}", path)
    return re.sub(r"\((?:[^()]|\([^()]*\))*\)", "{}", named)


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(route, method, str(status)).inc()
    REQUEST_SECONDS.labels(route, method).observe(seconds)


def count_refusal(error_code: str) -> None:
    """Count a refusal by a limit from the envelope's error code (the gateway counts budget refusals itself)."""
    kind = {"rate_limited": "rate_limit", "busy": "busy"}.get(error_code)
    if kind:
        REFUSALS.labels(kind).inc()


def count_verdict(status: str, passed: bool) -> None:
    VERDICTS.labels("passed" if passed else "failed" if status == "graded" else status).inc()


def count_llm_usage(provider: str, input_tokens: int, output_tokens: int, cost_usd: float) -> None:
    TUTOR_TOKENS.labels(provider, "input").inc(max(0, input_tokens))
    TUTOR_TOKENS.labels(provider, "output").inc(max(0, output_tokens))
    TUTOR_COST.labels(provider).inc(max(0.0, cost_usd))


def init_series(providers: list[str]) -> None:
    """Create every known label set at 0, so a series exists (and alerts can see it) before its first event."""
    for kind in ("rate_limit", "budget", "busy"):
        REFUSALS.labels(kind)
    for verdict in ("passed", "failed", "load_error", "timeout", "crashed"):
        VERDICTS.labels(verdict)
    for result in ("hit", "miss"):
        TUTOR_CACHE.labels(result)
    for kind in DELIVERY_KINDS:
        DELIVERY_FAILURES.labels(kind)
    for provider in providers:
        for outcome in ("ok", "error"):
            TUTOR_CALLS.labels(provider, outcome)
        TUTOR_FALLBACKS.labels(provider)
        LEAK_BLOCKS.labels(provider)
        TUTOR_COST.labels(provider)
        for direction in ("input", "output"):
            TUTOR_TOKENS.labels(provider, direction)
