"""A local HTTP server speaking the OpenAI chat-completions protocol (plain and streaming).

It stands in for an LLM vendor in the tests and `codementor bench tutor`: a real server on a free
port, driven by a small control endpoint (`POST /control` with a JSON mode). Modes:

- ``normal``: answers `reply`, streamed in a few pieces;
- ``slow``: the same, with `delay` seconds between pieces;
- ``error``: answers HTTP `status` (500 by default);
- ``timeout``: accepts the request and says nothing for `delay` seconds;
- ``script``: answers the texts of `answers` in turn (e.g. the solution in disguise);
- ``disguise``: answers the reference `solution` hidden the `kind` way (see codementor.bench.disguises),
  one turn per request when the disguise spans several;
- ``fail_then_normal``: the next `failures` requests get HTTP 503, then normal.
- ``cut``: streams the first `cut` characters of `reply`, then drops the connection mid-answer.
- ``ignore_max_tokens``: a vendor that does not honour `max_tokens`: `reply` repeated to `factor`
  times what `max_tokens` allows (4 bytes a token), streamed in small pieces, usage reported truly.

Every mode reports usage at `bytes_per_token` bytes a token (default 4; 1 makes a vendor whose
bill runs higher than the text it sent suggests).

`GET /control/requests` returns the request bodies received since the last reset.
"""

from __future__ import annotations

import json
import math
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_REPLY = "Good question! Look at **what your loop adds** each time.\n\nWhich numbers should be skipped? Try printing `n % 2` for a few values of `n`.\n"


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self, **settings):
        with self.lock:
            self.mode = settings.get("mode", "normal")
            self.reply = settings.get("reply", DEFAULT_REPLY)
            self.delay = float(settings.get("delay", 0.0))
            self.status = int(settings.get("status", 500))
            self.answers = list(settings.get("answers", []))
            if self.mode == "disguise":
                from codementor.bench.disguises import disguise

                self.mode, self.answers = "script", disguise(settings["kind"], settings["solution"])
            self.failures = int(settings.get("failures", 0))
            self.cut = int(settings.get("cut", 0))
            self.factor = float(settings.get("factor", 3.0))
            self.bytes_per_token = float(settings.get("bytes_per_token", 4.0))
            self.requests: list[dict] = []
            self.served = 0

    def next_action(self, body: dict) -> tuple[str, str]:
        with self.lock:
            self.requests.append(body)
            self.served += 1
            if self.mode == "fail_then_normal":
                if self.failures > 0:
                    self.failures -= 1
                    return "error", ""
                return "normal", self.reply
            if self.mode == "ignore_max_tokens":
                size = int(int(body.get("max_tokens") or 100) * 4 * self.factor)
                return "normal", (self.reply * (size // len(self.reply) + 1))[:size]
            if self.mode == "script":
                return "normal", self.answers[(self.served - 1) % len(self.answers)] if self.answers else self.reply
            return self.mode, self.reply


def _tokens(text: str) -> int:
    return max(1, math.ceil(len(text.encode(errors="surrogatepass")) / 4))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "local-llm/1"

    def log_message(self, *args):
        pass

    def _json(self, status: int, data) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    def do_GET(self):
        if self.path == "/control/requests":
            with self.server.state.lock:
                return self._json(200, list(self.server.state.requests))
        self._json(404, {"error": {"message": "not found"}})

    def do_POST(self):
        body = self._body()
        if self.path == "/control":
            self.server.state.reset(**body)
            return self._json(200, {"ok": True})
        if self.path.endswith("/v1/messages"):
            return self._anthropic(body)
        if not self.path.endswith("/chat/completions"):
            return self._json(404, {"error": {"message": "not found"}})
        mode, reply = self.server.state.next_action(body)
        state = self.server.state
        if mode == "error":
            return self._json(state.status if state.mode == "error" else 503, {"error": {"message": "upstream trouble", "type": "server_error"}})
        if mode == "timeout":
            time.sleep(state.delay or 30)
            return
        prompt = _tokens(json.dumps(body.get("messages", [])))
        out = max(1, math.ceil(len(reply.encode(errors="surrogatepass")) / state.bytes_per_token))
        usage = {"prompt_tokens": prompt, "completion_tokens": out, "total_tokens": prompt + out}
        if not body.get("stream"):
            return self._json(200, {
                "id": "chatcmpl-local", "object": "chat.completion", "model": body.get("model", "local"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}], "usage": usage,
            })
        if mode == "cut":
            return self._stream(body, reply[:state.cut], usage, 0.0, broken=True)
        self._stream(body, reply, usage, state.delay if mode == "slow" else 0.0)

    def _anthropic(self, body: dict) -> None:
        """The Anthropic Messages API, streaming (enough of it for the gateway's provider)."""
        mode, reply = self.server.state.next_action(body)
        if mode == "error":
            return self._json(529, {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        prompt = _tokens(json.dumps(body.get("messages", [])) + body.get("system", ""))
        events = [{"type": "message_start", "message": {"usage": {"input_tokens": prompt, "output_tokens": 1}}},
                  {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}]
        step = max(1, len(reply) // 4)
        events += [{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": reply[i:i + step]}} for i in range(0, len(reply), step)]
        events += [{"type": "content_block_stop", "index": 0}, {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": _tokens(reply)}},
                   {"type": "message_stop"}]
        for event in events:
            raw = f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()
            self.wfile.write(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _chunk(self, data: str) -> None:
        raw = f"data: {data}\n\n".encode()
        self.wfile.write(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")
        self.wfile.flush()

    def _stream(self, body: dict, reply: str, usage: dict, delay: float, broken: bool = False) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        base = {"id": "chatcmpl-local", "object": "chat.completion.chunk", "model": body.get("model", "local")}
        step = max(1, len(reply) // 6) if len(reply) < 2000 else 64
        for start in range(0, len(reply), step):
            if delay:
                time.sleep(delay)
            self._chunk(json.dumps({**base, "choices": [{"index": 0, "delta": {"content": reply[start:start + step]}, "finish_reason": None}]}))
        if broken:  # no end of the answer, no end of the body: the connection just goes
            self.close_connection = True
            return
        self._chunk(json.dumps({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
        if (body.get("stream_options") or {}).get("include_usage"):
            self._chunk(json.dumps({**base, "choices": [], "usage": usage}))
        self._chunk("[DONE]")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that hung up (timeouts are part of the act) is not news


class LocalLLM:
    """Start with `LocalLLM().start()`; `base_url` is what an OpenAI client needs."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.server = _Server((host, port), Handler)
        self.server.state = State()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def state(self) -> State:
        return self.server.state

    def start(self) -> "LocalLLM":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
