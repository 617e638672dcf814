"""The one base handler: Hub authentication, JSON parsing and the error envelope."""

from __future__ import annotations

import json
import traceback
import datetime as _dt

import psycopg
from jupyterhub.services.auth import HubOAuthenticated, UserNotAllowed
from psycopg_pool import PoolTimeout as DirectPoolTimeout
from pydantic import BaseModel, ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from tornado import web
from tornado.log import app_log

from .. import logs, metrics
from ..contract import NO_CONTENT, operation_of
from ..errors import Busy, InvalidRequest, NotFound, PayloadTooLarge, Unavailable, UnsupportedMediaType, as_domain_error, code_of, status_of


def _unstorable_text(data) -> str | None:
    """The first field (dotted path) holding a NUL character, which Postgres text cannot store, if any."""
    stack = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend((f"{path}.{k}" if path else str(k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}", v) for i, v in enumerate(value))
        elif isinstance(value, str):
            if "\x00" in value:
                return path or "body"
    return None


def _bounds(model: type[BaseModel], name: str) -> tuple:
    """The (ge, le) bounds of the query field called `name` (by alias)."""
    for key, info in model.model_fields.items():
        if (info.alias or key) == name:
            lo = next((m.ge for m in info.metadata if hasattr(m, "ge")), None)
            hi = next((m.le for m in info.metadata if hasattr(m, "le")), None)
            return lo, hi
    return None, None


def _query_message(model: type[BaseModel], name: str, error: dict, raw: str) -> str:
    kind = error["type"]
    lo, hi = _bounds(model, name)
    if kind in ("greater_than_equal", "less_than_equal", "int_parsing_size") and lo is not None and hi is not None:
        return f"{name} must be between {lo} and {hi}"
    if kind.startswith("int_"):
        return f"{name} must be a whole number, not {raw[:40]!r}"
    if kind == "string_pattern_mismatch" and error.get("ctx", {}).get("pattern", "").startswith(r"^\d{4}"):
        return f"{name} must be a date like 2026-11-27, not {raw[:40]!r}"
    return f"invalid '{name}': {error['msg']}"


def parse_query(model: type[BaseModel], args: dict[str, str]):
    """A query string (last value of each argument) as `model`: the API's one query parser, a 400 naming the argument."""
    try:
        return model.model_validate(args)
    except ValidationError as err:
        error = err.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "query"
        raise InvalidRequest(_query_message(model, name, error, str(args.get(name, ""))), fields={name: error["msg"]}) from None


def parse_day(name: str, raw: str | None):
    """`raw` (a query argument) as a date (YYYY-MM-DD), None when absent, else a 400 naming `name`."""
    if raw is None:
        return None
    try:
        return _dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidRequest(f"{name} must be a date (YYYY-MM-DD), not {raw[:40]!r}") from None


def _backend_down(exc) -> str:
    """The setting to check when `exc` says Postgres or Redis is not answering ('' otherwise)."""
    if isinstance(exc, (RedisConnectionError, RedisTimeoutError)):
        return "REDIS_URL"
    if isinstance(exc, (OperationalError, InterfaceError)) or isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return "DATABASE_URL"
    if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)):  # the submit path's plain connections
        return "DATABASE_URL"
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return "DATABASE_URL or REDIS_URL"
    return ""


# seconds a client is told to wait when every pooled Postgres connection stayed taken
POOL_RETRY_AFTER = 2


def _overloaded(exc) -> Busy | None:
    """A request that waited db_pool_timeout for a pooled connection: the worker is overloaded, not broken (503)."""
    if isinstance(exc, (PoolTimeout, DirectPoolTimeout)):
        return Busy("the API is busy (no database connection free); try again in a moment", retry_after=POOL_RETRY_AFTER)
    return None


# JSON only: nothing may load, run or frame it
CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
HSTS = "max-age=31536000"


def non_json_media_type(header: str | None) -> str:
    """The media type a Content-Type header names when it is not JSON, for the 415; '' when the header is
    absent or names JSON (application/json, any application/...+json). A header naming none reads as 'no media type'."""
    if header is None:
        return ""
    media = header.split(";", 1)[0].strip().lower()
    if media == "application/json" or (media.startswith("application/") and media.endswith("+json")):
        return ""
    return repr(media[:60]) if media else "no media type"


def behind_tls(request) -> bool:
    """Did the client reach us over https (our own TLS, or a proxy's X-Forwarded-Proto anywhere in the chain)?"""
    forwarded = request.headers.get("X-Forwarded-Proto", "").lower()
    return request.protocol == "https" or "https" in (p.strip() for p in forwarded.split(","))


@web.stream_request_body
class APIHandler(HubOAuthenticated, web.RequestHandler):
    """Base of every API handler. Subclasses call `self.require_user()` and `self.parse(Model)`.

    The body is streamed in so that an oversized one still gets a 413 in the envelope: up to
    `max_body_bytes` is kept, the rest is read and dropped (a proxy in front sees a normal
    answer, not a reset), and a body declared larger than `max_discard_bytes` is refused
    before it is read.
    """

    def initialize(self, ctx, route: str = "unmatched"):
        self.ctx = ctx
        self.route = route  # the route pattern, for metrics and logs (never the raw path)
        self._who = None
        self._error_code = ""
        self.hub_auth = ctx.hub_auth
        self._chunks: list[bytes] = []
        self._received = 0
        self._in_flight = False

    def data_received(self, chunk: bytes) -> None:
        self._received += len(chunk)
        if self._received <= self.ctx.max_body_bytes:
            self._chunks.append(chunk)

    def _refuse_declared_size(self) -> None:
        # bodies up to max_discard_bytes are read (and the excess dropped) so the 413 reaches the client
        self.request.connection.set_max_body_size(self.ctx.max_discard_bytes)
        declared = self.request.headers.get("Content-Length", "")
        if not (declared.isascii() and declared.isdigit()):
            return
        # a client that waits for "100 Continue" before it sends the body (curl with a large file) is answered now
        waiting = self.request.headers.get("Expect", "").lower() == "100-continue"
        if int(declared) > (self.ctx.max_body_bytes if waiting else self.ctx.max_discard_bytes):
            raise PayloadTooLarge(self._too_large(int(declared)))

    def _too_large(self, size: int) -> str:
        return f"the request body is {size} bytes; the limit is {self.ctx.max_body_bytes}"

    @property
    def request_id(self) -> str:
        """The caller's X-Request-ID when sane, else one made here; in every answer and log line."""
        if not getattr(self, "_request_id", None):
            self._request_id = logs.request_id_from(self.request.headers.get(logs.REQUEST_ID_HEADER))
        return self._request_id

    def set_default_headers(self):
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.set_header(logs.REQUEST_ID_HEADER, self.request_id)
        self.set_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        if behind_tls(self.request):
            self.set_header("Strict-Transport-Security", HSTS)

    def _done(self) -> None:
        if self._in_flight:
            self._in_flight = False
            self.ctx.inflight -= 1

    def on_connection_close(self):
        self._done()
        super().on_connection_close()

    def finish(self, chunk=None):
        if self.ctx.draining and not self._headers_written:
            self.set_header("Connection", "close")  # this worker is being replaced: the client reconnects elsewhere
        return super().finish(chunk)

    def on_finish(self):
        self._done()
        seconds = self.request.request_time()
        metrics.observe_request(self.route, self.request.method, self.get_status(), seconds)
        metrics.count_refusal(self._error_code)
        user_id = self.ctx.users.known_id(self._who) if self._who else None
        logs.log_access(logs.access_entry(self.request.method, self.route, self.get_status(), seconds, user_id, self.request_id))

    async def prepare(self):
        self._in_flight = True
        self.ctx.inflight += 1
        logs.current_request_id.set(self.request_id)
        self._refuse_declared_size()
        # resolve the Hub user without blocking the event loop (HubAuth caches tokens)
        try:
            model = await self.hub_auth.get_user(self, sync=False)
        except web.HTTPError as err:
            if err.status_code < 500:
                raise
            # HubAuth has logged what failed; the caller gets no Hub address or host name
            raise Unavailable("JupyterHub could not check your sign-in just now; try again in a moment") from None
        try:
            self._hub_auth_user_cache = self.check_hub_user(model) if model else None
        except UserNotAllowed:
            self._hub_auth_user_cache = None

    def require_user(self):
        """The signed-in Hub user as the API knows them, or a 401 in the error envelope."""
        model = self.current_user
        if not model:
            self.send_error(401, code="unauthorized", message="sign in to JupyterHub or send a Hub token (Authorization: token ...)")
            raise web.Finish()
        self._who = self.ctx.users.identity(model)
        if self._received > self.ctx.max_body_bytes:  # also where the method reads no body
            raise PayloadTooLarge(self._too_large(self._received))
        return self._who

    def parse(self, model: type[BaseModel]):
        """The request body as `model`, or a clear 4xx for anything else."""
        if self._received > self.ctx.max_body_bytes:
            raise PayloadTooLarge(self._too_large(self._received))
        declared = non_json_media_type(self.request.headers.get("Content-Type"))
        if declared:
            raise UnsupportedMediaType(f"the request body is declared as {declared}; send JSON with Content-Type: application/json")
        body = b"".join(self._chunks)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidRequest("the request body is not UTF-8 text") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise InvalidRequest(f"the request body is not valid JSON: {err.msg}") from None
        except ValueError:  # a number of more digits than Python converts (sys.get_int_max_str_digits)
            raise InvalidRequest("the request body holds a number too long to read") from None
        except RecursionError:
            raise InvalidRequest("the request body nests too deeply") from None
        if not isinstance(data, dict):
            raise InvalidRequest("the request body must be a JSON object")
        bad = _unstorable_text(data)
        if bad:
            raise InvalidRequest(f"invalid '{bad}': text may not contain NUL characters", fields={bad: "contains a NUL character"})
        try:
            return model.model_validate(data)
        except ValidationError as err:
            fields = {".".join(str(p) for p in e["loc"]) or "body": e["msg"] for e in err.errors()}
            first = next(iter(fields.items()))
            raise InvalidRequest(f"invalid '{first[0]}': {first[1]}", fields=fields) from None

    def query(self, model: type[BaseModel]):
        """The query string as `model`, or a 400 in the envelope naming the argument."""
        names = {info.alias or key for key, info in model.model_fields.items()}
        return parse_query(model, {n: self._query_text(n) for n in names if n in self.request.query_arguments})

    def _query_text(self, name: str) -> str:
        """An argument's last value as sent (Tornado's getter turns control characters into spaces and strips them, so
        `?include=%16` would read as empty and pass); NUL, which no stored text holds, and non-UTF-8 are a 400."""
        try:
            text = self.request.query_arguments[name][-1].decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidRequest(f"invalid '{name}': not UTF-8 text", fields={name: "not UTF-8 text"}) from None
        if "\x00" in text:
            raise InvalidRequest(f"invalid '{name}': text may not contain NUL characters", fields={name: "contains a NUL character"})
        return text

    def reply(self, data=None, status: int = 200):
        """Answer through the model this method's @operation declares for `status` (nothing else goes out)."""
        op = operation_of(type(self), self.request.method)
        if op is None or status not in op.responses:
            raise RuntimeError(f"{type(self).__name__}.{self.request.method.lower()} does not declare a {status} answer")
        self.set_status(status)
        if NO_CONTENT in op.responses[status]:
            return self.finish()
        model = op.model_for(status)
        if model is None:
            raise RuntimeError(f"{type(self).__name__}.{self.request.method.lower()}: {status} is not a JSON answer")
        self.finish(model.model_validate(data).model_dump_json(by_alias=True, exclude_unset=True))

    def _domain_status(self, exc) -> tuple[int, str, str, dict]:
        error = as_domain_error(exc) or _overloaded(exc)
        if error is None and _backend_down(exc):
            error = Unavailable("a service the API needs is not answering; try again in a moment")
        if error is None:
            return 0, "", "", {}
        if error.retry_after is not None:
            self.set_header("Retry-After", str(error.retry_after))
        return status_of(error), error.code, error.message, error.details

    def log_exception(self, typ, value, tb):
        # the route pattern, not the path: a path can hold a student's name
        if as_domain_error(value) is not None:
            app_log.info("%s %s: %s", self.request.method, self.route, type(value).__name__)
        elif _overloaded(value):
            app_log.warning("%s %s: no pooled Postgres connection free within c.TutorAPI.db_pool_timeout (%s); answered 503 "
                            "(see c.TutorAPI.db_pool_size and db_direct_pool_size)", self.request.method, self.route, value)
        elif _backend_down(value):
            app_log.error("%s %s: not answering (check %s): %r", self.request.method, self.route, _backend_down(value), value)
        elif isinstance(value, web.HTTPError):
            app_log.warning("%s %s: %s", self.request.method, self.route, value.status_code)
        else:
            app_log.error("uncaught exception in %s %s: %s", self.request.method, self.route, typ.__name__)  # traceback: write_error

    @classmethod
    def allowed_methods(cls) -> list[str]:
        """The methods this handler answers (a 405 lists them in Allow, RFC 9110 15.5.6)."""
        return [m for m in cls.SUPPORTED_METHODS if getattr(cls, m.lower()) is not getattr(web.RequestHandler, m.lower())]

    def write_error(self, status_code: int, **kwargs):
        """Every error leaves the API as {"error": {"code", "message", "details", "request_id"}}."""
        body = getattr(self.request, "_body_future", None)
        if body is not None and not body.done():
            # refused before the body was read: Tornado closes the connection after this
            # answer, so say so and the client will not send its next request on it
            self.set_header("Connection", "close")
        code, message, details = kwargs.get("code"), kwargs.get("message"), {}
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if exc is not None:
            mapped = self._domain_status(exc)
            if mapped[0]:
                status_code, code, message, details = mapped
                self.set_status(status_code)
            elif isinstance(exc, web.HTTPError):
                message = exc.log_message or self._reason
            else:
                app_log.error("unexpected error:\n%s", "".join(traceback.format_exception(exc)))
        code = code or code_of(status_code)
        if status_code == 405:
            self.set_header("Allow", ", ".join(self.allowed_methods()))
        if status_code >= 500 and not message:
            message = "the API hit an unexpected error; it has been logged"
        self._error_code = code
        self.set_header("Content-Type", "application/json; charset=utf-8")
        envelope = {"code": code, "message": message or self._reason, "details": details, "request_id": self.request_id}
        self.finish(json.dumps({"error": envelope}))


class NotFoundHandler(APIHandler):
    """Unknown paths under the API get the envelope too."""

    # answered once the (streamed) body is in: an error raised while it is still arriving
    # closes the connection, which a client reusing it would meet as a reset
    async def _no_such_endpoint(self, *args):
        raise NotFound(f"no such endpoint: {self.request.method} {self.request.path}")

    get = post = put = patch = delete = head = options = _no_such_endpoint
