"""LLM providers behind one interface: offline, OpenAI-compatible chat completions, Anthropic Messages."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import AsyncIterator

import httpx

from .guardrails import TutorContext
from .offline import offline_answer


class ProviderError(Exception):
    """A provider call failed; `retryable` says whether trying again may help."""

    def __init__(self, message: str, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass
class ProviderRequest:
    messages: list[dict]
    max_tokens: int
    context: TutorContext
    usage: Usage = field(default_factory=Usage)


class Provider:
    """One way of answering. `stream` yields text pieces and fills `request.usage`."""

    name = "provider"
    paid = False
    model = ""

    def stream(self, request: ProviderRequest) -> AsyncIterator[str]:
        raise NotImplementedError

    async def aclose(self) -> None:
        pass


class OfflineProvider(Provider):
    """Always available: the error explained from its traceback, plus the authored hint."""

    name = "offline"
    model = "offline"

    async def stream(self, request: ProviderRequest) -> AsyncIterator[str]:
        ctx = request.context
        yield offline_answer(ctx.question, ctx.error, ctx.traceback, ctx.ladder_hint)


SETTINGS = {
    "openai": ("c.TutorGateway.api_key ($CODEMENTOR_LLM_API_KEY)", "c.TutorGateway.base_url ($CODEMENTOR_LLM_BASE_URL)"),
    "anthropic": ("c.TutorGateway.anthropic_api_key ($CODEMENTOR_ANTHROPIC_API_KEY)", "c.TutorGateway.anthropic_base_url"),
}


def _raise_for_status(resp: httpx.Response, vendor: str) -> None:
    if resp.status_code in (401, 403):
        raise ProviderError(f"{vendor} rejected the key (HTTP {resp.status_code}); check {SETTINGS[vendor][0]}", retryable=False)
    if resp.status_code == 404:
        raise ProviderError(f"{vendor} has no such endpoint or model (HTTP 404); check {SETTINGS[vendor][1]} and the model name", retryable=False)
    if resp.status_code >= 400:
        retryable = resp.status_code in (408, 409, 429) or resp.status_code >= 500
        raise ProviderError(f"{vendor} answered HTTP {resp.status_code}", retryable=retryable)


async def _sse_data(resp: httpx.Response) -> AsyncIterator[str]:
    async for line in resp.aiter_lines():
        if line.startswith("data:"):
            yield line[5:].strip()


def storable(piece: str) -> str:
    """A vendor's text without NUL or lone surrogates (a JSON escape can carry either): Postgres and UTF-8 refuse them."""
    if "\x00" in piece or not piece.isascii():
        piece = piece.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return piece


class HTTPProvider(Provider):
    paid = True

    def __init__(self, base_url: str, api_key: str, model: str, timeout: httpx.Timeout):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.model = model
        self.client = httpx.AsyncClient(timeout=timeout, limits=httpx.Limits(max_connections=100, max_keepalive_connections=20))

    async def stream(self, request: ProviderRequest) -> AsyncIterator[str]:
        try:
            async with self.client.stream("POST", self.url(), headers=self.headers(), json=self.body(request)) as resp:
                if resp.status_code >= 400:
                    await resp.aread()
                _raise_for_status(resp, self.name)
                async for piece in self.pieces(resp, request.usage):
                    yield storable(piece)
        except httpx.TimeoutException as err:
            raise ProviderError(f"{self.name} timed out ({type(err).__name__})") from None
        except httpx.HTTPError as err:
            raise ProviderError(f"{self.name} is unreachable ({type(err).__name__}); check {SETTINGS[self.name][1]}") from None

    async def aclose(self) -> None:
        await self.client.aclose()


class OpenAIProvider(HTTPProvider):
    """OpenAI chat completions, or any server speaking that protocol (Groq, Ollama, vLLM, llama.cpp)."""

    name = "openai"

    def url(self) -> str:
        return self.base_url + "/chat/completions"

    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def body(self, request: ProviderRequest) -> dict:
        return {
            "model": self.model, "messages": request.messages, "max_tokens": request.max_tokens,
            "temperature": 0.3, "stream": True, "stream_options": {"include_usage": True},
        }

    async def pieces(self, resp: httpx.Response, usage: Usage) -> AsyncIterator[str]:
        async for data in _sse_data(resp):
            if data == "[DONE]":
                return
            try:
                event = json.loads(data)
            except ValueError:
                raise ProviderError("openai sent a malformed stream event", retryable=True) from None
            if event.get("usage"):
                usage.input_tokens = event["usage"].get("prompt_tokens", 0)
                usage.output_tokens = event["usage"].get("completion_tokens", 0)
            for choice in event.get("choices") or ():
                text = (choice.get("delta") or {}).get("content")
                if text:
                    yield text


class AnthropicProvider(HTTPProvider):
    """The Anthropic Messages API (streaming)."""

    name = "anthropic"

    def url(self) -> str:
        return self.base_url + "/v1/messages"

    def headers(self) -> dict:
        return {"x-api-key": self.api_key, "anthropic-version": "2023-06-01"}

    def body(self, request: ProviderRequest) -> dict:
        system = "\n\n".join(m["content"] for m in request.messages if m["role"] == "system")
        turns = [m for m in request.messages if m["role"] != "system"]
        return {"model": self.model, "system": system, "messages": turns, "max_tokens": request.max_tokens, "stream": True}

    async def pieces(self, resp: httpx.Response, usage: Usage) -> AsyncIterator[str]:
        async for data in _sse_data(resp):
            try:
                event = json.loads(data)
            except ValueError:
                raise ProviderError("anthropic sent a malformed stream event", retryable=True) from None
            kind = event.get("type")
            if kind == "message_start":
                usage.input_tokens = event["message"].get("usage", {}).get("input_tokens", 0)
            elif kind == "content_block_delta" and event["delta"].get("type") == "text_delta":
                yield event["delta"]["text"]
            elif kind == "message_delta":
                usage.output_tokens = event.get("usage", {}).get("output_tokens", usage.output_tokens)
            elif kind == "error":
                raise ProviderError(f"anthropic stream error: {event.get('error', {}).get('type')}")
            elif kind == "message_stop":
                return
