"""The stand-in LLM vendor: a real local server speaking OpenAI chat completions (see tests/local_llm.py)."""

from __future__ import annotations

import json
import urllib.request

from .local_llm import LocalLLM

__all__ = ["LocalLLM", "set_mode", "received"]


def _control_url(llm_base_url: str) -> str:
    return llm_base_url.rsplit("/v1", 1)[0] + "/control"


def set_mode(base_url: str, **settings) -> None:
    """Switch the server's behaviour (works across processes: it is an HTTP call)."""
    req = urllib.request.Request(_control_url(base_url), data=json.dumps(settings).encode(), method="POST", headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=5).read()


def received(base_url: str) -> list[dict]:
    with urllib.request.urlopen(_control_url(base_url) + "/requests", timeout=5) as resp:
        return json.loads(resp.read())
