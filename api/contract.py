"""Each handler method declares its contract with @operation: the request body and query models,
and a response model per status. The handler base writes answers through these models and the
OpenAPI document (api/openapi.py) is generated from them, so what is documented is what is sent."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

# answer kinds that are not a JSON model
NO_CONTENT = "no content"
ZIP = "application/zip"
EVENT_STREAM = "text/event-stream"


@dataclass(frozen=True)
class Operation:
    summary: str
    responses: dict[int, tuple]  # status -> (model or NO_CONTENT / ZIP / EVENT_STREAM, ...)
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    auth: bool = True
    description: str = ""
    tags: tuple[str, ...] = field(default=())

    def model_for(self, status: int) -> type[BaseModel] | None:
        """The JSON model this operation answers `status` with (None: not a documented JSON answer)."""
        return next((kind for kind in self.responses.get(status, ()) if isinstance(kind, type)), None)


def operation(summary: str, *, ok: dict, body=None, query=None, errors=(), auth: bool = True, description: str = ""):
    """Declare a handler method's contract. `ok`: {status: model or kind, or a tuple of them}.

    Every operation may also answer 503 (a backend not answering); signed-in ones 401; one with a
    body or query 400, one with a body 413 and 415."""
    responses = {status: kinds if isinstance(kinds, tuple) else (kinds,) for status, kinds in ok.items()}
    implied = {503} | ({401} if auth else set()) | ({400} if body or query else set()) | ({413, 415} if body else set())
    op = Operation(summary, responses, body, query, tuple(sorted(implied | set(errors))), auth, description)

    def mark(method):
        method.operation = op
        return method

    return mark


def operation_of(handler: type, method: str) -> Operation | None:
    fn = getattr(handler, method.lower(), None)
    return getattr(fn, "operation", None)
