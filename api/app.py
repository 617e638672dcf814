"""The API service: a traitlets Application that JupyterHub runs as a managed service."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import shutil
import socket
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlparse

import redis.asyncio as aioredis
from redis import Redis, RedisError
from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler
from sqlalchemy.exc import OperationalError
from tornado.httpserver import HTTPServer
from traitlets import Bool, CaselessStrEnum, Dict, Float, Integer, List, TraitError, Type, Unicode, default, validate
from traitlets.config import Application

from ..exercise_bank import Bank, default_bank_dir
from ..exercise_bank.courses import CourseBank, ServedBank
from . import db, db_roles
from .errors import SchemaMismatch
from .gateway.gateway import TutorGateway
from .grader import Grader
from .grader.turns import end_turns_of
from .handlers import all_routes
from .auth import HubTokenAuth
from .handlers.base import NotFoundHandler
from .handlers.docs import docs_routes
from .handlers.metrics import MetricsHandler
from .handlers.privacy import PrivacyHandler
from .lti import keys as lti_keys
from .lti.ags import AGSClient
from .lti.passback import send_due
from .lti.settings import LTIPassback
from . import logs
from .logs import use_json_logs
from .metrics import init_series, route_label
from .services.clock import utcnow
from .services.course_bank import BankFollower
from .services.limits import RateLimiter
from .services.retention import Retention, purge
from .services.roster import Roster
from .services.erase import HubUsers
from .services.users import UserDirectory
from .supervisor import Supervisor


# A grading slot is held until the worker's event loop has read the job's answer: under a class
# (bench class, 1,000 students, load 6-15) a job spent 170-205 ms in its slot for a few ms of CPU,
# so one slot per core graded 5-10 submissions a second and the queue filled (503 busy); three
# per core more than doubled the jobs graded in the same run. The cores' CPU still bounds them.
GRADER_SLOTS_PER_CORE = 3

@dataclass
class APIContext:
    """What handlers need, built once by the app and injected through `initialize`."""

    prefix: str
    bank: ServedBank
    grader: Grader
    sessionmaker: Any
    redis: Any
    users: UserDirectory
    limiter: RateLimiter
    gateway: TutorGateway
    hub_auth: HubOAuth
    roster: Roster
    course_timezone: str
    daily_count: int
    max_body_bytes: int
    max_discard_bytes: int = 64 * 1024 * 1024
    clock: Callable = field(default=utcnow)
    hub_users: Any = None  # HubUsers: deletes Hub accounts with the service's token
    lti: Any = None  # LTIPassback settings (api/lti/)
    lti_key: Any = None  # the tool's ToolKey when LTI is configured
    courses: Any = None  # CourseBank: the course folders and where instructors' imports go
    hub_audit_token: str = ""  # the secret the Hub reports its admins' actions with
    # one-statement reads: autocommit, so no BEGIN and ROLLBACK round trips around the query
    read_sessionmaker: Any = None
    # plain psycopg connections for the busiest requests (db.DirectPool), opened by the app
    direct_pool: Any = None
    inflight: int = 0  # requests being answered now (a draining worker waits for 0)
    draining: bool = False
    assignments_mode: str = "replace"  # pinned exercises replace the adaptive choice, or come beside it

    def reads(self):
        """A session for a single read (autocommit when the app built one)."""
        return (self.read_sessionmaker or self.sessionmaker)()

    def connection(self):
        """A pooled psycopg connection (async context manager): committed on a clean exit, rolled back on an error."""
        return self.direct_pool.connection()

    def bank_for(self, who):
        """The exercises `who` may see: the courses of a student's groups, of the groups an instructor teaches; admins all.

        A lookup in the bank's remembered views (built once per group list and reload)."""
        if who.role == "admin":
            return self.bank
        return self.bank.for_groups(who.groups if who.role == "student" else self.roster.taught_groups(who))


class TutorAPI(Application):
    """The CodeMentor API (run with `codementor api`, normally by JupyterHub)."""

    name = "codementor-api"
    description = __doc__
    aliases = {"port": "TutorAPI.port", "ip": "TutorAPI.ip", "config": "TutorAPI.config_file", "log-level": "Application.log_level"}
    classes = [Grader, TutorGateway, RateLimiter, Retention, LTIPassback, CourseBank]

    config_file = Unicode("", help="A Python config file to load (c.TutorAPI.... settings).").tag(config=True)
    ip = Unicode("127.0.0.1", help="Address to listen on.").tag(config=True)
    port = Integer(help="Port to listen on; defaults to the port of $JUPYTERHUB_SERVICE_URL.").tag(config=True)
    service_prefix = Unicode(help="URL prefix the Hub's proxy routes to this service ($JUPYTERHUB_SERVICE_PREFIX).").tag(config=True)
    database_url = Unicode(help="Postgres URL of the API's database ($DATABASE_URL).").tag(config=True)
    redis_url = Unicode(help="Redis URL for limits and short-lived state ($REDIS_URL).").tag(config=True)
    bank_dir = Unicode(help="Folder of exercises ($CODEMENTOR_BANK_DIR, default: the bundled bank).").tag(config=True)
    course_timezone = Unicode(help="Time zone that decides when a new day starts ($CODEMENTOR_TIMEZONE, default UTC).").tag(config=True)
    daily_count = Integer(1, help="Exercises delivered per student per day.").tag(config=True)
    assignments_mode = CaselessStrEnum(
        ["replace", "beside"], "replace",
        help="Exercises an instructor pinned to a day for a group: 'replace' delivers them in place of the adaptive choice "
        "(only the places left go to it), 'beside' delivers them in addition to it.",
    ).tag(config=True)
    instructor_groups = List(Unicode(), ["instructors"], help="Hub groups whose members are instructors.").tag(config=True)
    class_groups = Dict(
        {"instructors": ["students"]},
        help="""Which Hub groups an instructor group teaches: {instructor group: [student groups]}.
        An instructor sees the members of their own groups other than instructor groups (an
        instructor in `cs101` sees `cs101`); one in no such group sees the groups mapped here
        from their instructor groups. Instructors are never listed; admins see every student.""",
    ).tag(config=True)
    roster_cache_seconds = Integer(help="How long the API caches a Hub group's member list, in seconds ($CODEMENTOR_ROSTER_CACHE_SECONDS, default 30).").tag(config=True)
    max_body_bytes = Integer(256 * 1024, help="Largest request body accepted, in bytes (larger gets 413).").tag(config=True)
    body_timeout = Float(
        60.0, help="Seconds a request's body may take to arrive once its headers are in; a slower one (a client that "
        "declares more than it sends) has its connection closed.",
    ).tag(config=True)
    max_discard_bytes = Integer(
        1024 * 1024 * 1024, help="An oversized body up to this size is read and dropped so that the client (or the Hub's "
        "proxy) receives the 413; a body declared larger is refused before it is read and the connection closed, which "
        "the Hub's proxy answers with its own error page.",
    ).tag(config=True)
    auth_cache_seconds = Integer(
        help="How long a token the Hub confirmed is trusted without asking again, in seconds ($CODEMENTOR_AUTH_CACHE_SECONDS, "
        "default 10): a revoked token stops working within this time. Refusals and Hub errors are never cached.",
    ).tag(config=True)
    hub_timeout = Float(
        5.0, help="Seconds a token check waits for the Hub before the caller gets a 503 with Retry-After (a Hub that "
        "takes the connection but does not answer, stalled or waiting on its database).",
    ).tag(config=True)
    cookie_secret = Unicode(
        help="Hex secret that signs the API's login cookie; set the same value ($CODEMENTOR_COOKIE_SECRET) on every API process."
    ).tag(config=True)
    event_loop = CaselessStrEnum(
        ["uvloop", "asyncio"], "uvloop",
        help="The event loop each API process runs: 'uvloop' (libuv; less CPU per request for the loop, sockets and "
        "pipes) or 'asyncio' (the standard library's). uvloop is installed with the API; without it the API uses asyncio "
        "and says so in its log.",
    ).tag(config=True)
    limiter_class = Type(
        RateLimiter, klass=RateLimiter, help="The rate limiter of hints, submissions and the tutor (configure it with c.RateLimiter.limits)."
    ).tag(config=True)
    rate_limits = Dict(
        help="Older setting, still honoured: requests per minute per user, by action ({'hint': 30, 'submit': 20}). "
        "Prefer c.RateLimiter.limits, which also takes per-day allowances and roles.",
    ).tag(config=True)
    workers = Integer(
        help="API worker processes sharing the port ($CODEMENTOR_API_WORKERS, default: one per core). With more than "
        "one, this process binds the port, starts the workers, replaces one that dies and restarts them one by one "
        "on SIGHUP (see README, Several processes); 1 serves in this process.",
    ).tag(config=True)
    db_pool_size = Integer(
        help="Postgres connections each worker keeps open ($CODEMENTOR_DB_POOL_SIZE, default 10).",
    ).tag(config=True)
    db_max_overflow = Integer(
        help="Extra Postgres connections a worker may open under load beyond db_pool_size ($CODEMENTOR_DB_MAX_OVERFLOW, "
        "default 0). A worker never holds more than db_pool_size + db_max_overflow; see README for the arithmetic. An "
        "overflow connection is closed when it is given back, so under steady load beyond db_pool_size one is opened "
        "(a new Postgres backend) per request: prefer a larger pool.",
    ).tag(config=True)
    db_direct_pool_size = Integer(
        help="Plain psycopg connections each worker keeps open for its busiest requests, beside db_pool_size "
        "($CODEMENTOR_DB_DIRECT_POOL_SIZE, default 6): storing a submission with its progress, the next hint and the "
        "progress view run a few pipelined statements, and a SQLAlchemy session around them cost more CPU than they "
        "did. A submission holds one only after grading, for two round trips; see README for the arithmetic.",
    ).tag(config=True)
    db_pool_timeout = Float(
        help="Seconds a request waits for a free pooled Postgres connection before it gets a 503 with Retry-After "
        "($CODEMENTOR_DB_POOL_TIMEOUT, default 10): shorter than a client's own timeout (30 s in codementor.client), so "
        "that an overloaded worker says so instead of leaving the client to time out.",
    ).tag(config=True)
    db_pre_ping = Bool(
        True, help="Test each pooled Postgres connection with a round trip before use, so that a connection Postgres dropped "
        "(a restart) is replaced unseen. Off saves that round trip (no CPU difference measured here); the first request "
        "on a dropped connection then gets a 503 and the pool replaces every older connection.",
    ).tag(config=True)
    db_ping_idle_seconds = Float(
        1.0, help="With db_pre_ping, test only a connection that sat idle in the pool longer than this, in seconds (0: test "
        "every one). A connection used a moment ago is almost surely alive, and the test is a round trip per request; if "
        "Postgres restarts under load, the first request on each dropped connection gets a 503 and the pool replaces them.",
    ).tag(config=True)
    drain_seconds = Float(
        20.0, help="On SIGTERM a worker stops accepting and waits this long at most for its requests in flight.",
    ).tag(config=True)
    drain_linger = Float(
        2.0, help="On SIGTERM a worker keeps its open keep-alive connections this long, answering them with "
        "Connection: close, so that a client between two requests is not cut off.",
    ).tag(config=True)
    stop_seconds = Float(
        3.0, help="On SIGINT (JupyterHub stopping its services, or Ctrl-C) a worker stops accepting, waits this long at "
        "most for its requests in flight and does not linger: the whole API is stopping, no other worker takes over.",
    ).tag(config=True)
    # set by the supervisor on a worker's command line, not by operators
    listen_fd = Integer(-1, help="(internal) An inherited listening socket to serve instead of binding the port.").tag(config=True)
    ready_fd = Integer(-1, help="(internal) A pipe to write one byte to once this worker serves.").tag(config=True)
    worker_index = Integer(0, help="(internal) This worker's number; it picks the worker's block of grader uids.").tag(config=True)
    metrics_token = Unicode(
        help="A bearer token that may read <service prefix>metrics without asking the Hub ($CODEMENTOR_METRICS_TOKEN); "
        "a Hub token with the read:metrics scope works too. Empty: Hub tokens only.",
    ).tag(config=True)

    hub_audit_token = Unicode(
        help="The secret with which the Hub reports its admins' actions (sign-up approvals, role changes) for the audit "
        "trail ($CODEMENTOR_HUB_AUDIT_TOKEN; the Hub's c.HubAudit.token). Empty: no such reports are taken.",
    ).tag(config=True)

    @default("hub_audit_token")
    def _default_hub_audit_token(self):
        return os.environ.get("CODEMENTOR_HUB_AUDIT_TOKEN", "")

    @default("metrics_token")
    def _default_metrics_token(self):
        return os.environ.get("CODEMENTOR_METRICS_TOKEN", "")

    @default("port")
    def _default_port(self):
        return urlparse(os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:10101")).port or 10101

    @default("workers")
    def _default_workers(self):
        return int(os.environ.get("CODEMENTOR_API_WORKERS", "0")) or max(1, os.cpu_count() or 1)

    @default("db_pool_size")
    def _default_pool(self):
        return int(os.environ.get("CODEMENTOR_DB_POOL_SIZE", "10"))

    @default("db_max_overflow")
    def _default_overflow(self):
        return int(os.environ.get("CODEMENTOR_DB_MAX_OVERFLOW", "0"))

    @default("db_direct_pool_size")
    def _default_direct_pool(self):
        return int(os.environ.get("CODEMENTOR_DB_DIRECT_POOL_SIZE", "6"))

    @validate("db_direct_pool_size")
    def _valid_direct_pool(self, proposal):
        if proposal["value"] < 1:
            raise TraitError(f"c.TutorAPI.db_direct_pool_size must be at least 1, not {proposal['value']}")
        return proposal["value"]

    @default("db_pool_timeout")
    def _default_pool_timeout(self):
        return float(os.environ.get("CODEMENTOR_DB_POOL_TIMEOUT", "10"))

    @default("roster_cache_seconds")
    def _default_roster_cache(self):
        return int(os.environ.get("CODEMENTOR_ROSTER_CACHE_SECONDS", "30"))

    @default("service_prefix")
    def _default_prefix(self):
        return os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/codementor/")

    @validate("service_prefix")
    def _normalise_prefix(self, proposal):
        return "/" + proposal.value.strip("/") + "/" if proposal.value.strip("/") else "/"

    @default("auth_cache_seconds")
    def _default_auth_cache(self):
        return int(os.environ.get("CODEMENTOR_AUTH_CACHE_SECONDS", "10"))

    @default("database_url")
    def _default_db(self):
        return os.environ.get("DATABASE_URL", "")

    @default("redis_url")
    def _default_redis(self):
        return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

    @default("bank_dir")
    def _default_bank(self):
        return str(default_bank_dir())

    @default("cookie_secret")
    def _default_cookie_secret(self):
        return os.environ.get("CODEMENTOR_COOKIE_SECRET") or os.urandom(32).hex()

    @default("course_timezone")
    def _default_tz(self):
        return os.environ.get("CODEMENTOR_TIMEZONE", "UTC")

    def initialize(self, argv=None):
        super().initialize(argv)
        if self.config_file:
            # traitlets passes over a missing file in silence: an operator's typo must not mean defaults
            if not (self.config_file.endswith((".py", ".json")) and os.path.isfile(self.config_file)):
                raise SystemExit(f"--config {self.config_file}: no such .py or .json file (c.TutorAPI / c.Grader settings)")
            self.load_config_file(self.config_file)
        use_json_logs(self.log_level, self.log)

    def build_context(self) -> APIContext:
        engine = db.make_engine(self.database_url, self.db_pool_size, self.db_max_overflow, pre_ping=self.db_pre_ping, ping_idle_seconds=self.db_ping_idle_seconds,
                                pool_timeout=self.db_pool_timeout)
        sessionmaker = db.make_sessionmaker(engine)
        redis = aioredis.from_url(self.redis_url, socket_timeout=2, socket_connect_timeout=2)
        limiter = self.make_limiter(redis)
        grader = self.make_grader()
        grader.turn_store = redis  # a student's submissions take turns across the workers
        hub_auth = HubTokenAuth(parent=self, cache_max_age=self.auth_cache_seconds, redis=redis, hub_timeout=self.hub_timeout)
        courses = CourseBank(parent=self)
        bank = ServedBank(Bank(self.bank_dir), courses.hide_builtin)
        direct_pool = db.DirectPool(self.database_url, self.db_direct_pool_size, self.db_pool_timeout, self.db_ping_idle_seconds)
        return APIContext(
            prefix=self.service_prefix,
            bank=bank,
            grader=grader,
            sessionmaker=sessionmaker,
            read_sessionmaker=db.make_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT")),
            direct_pool=direct_pool,
            redis=redis,
            users=UserDirectory(sessionmaker, self.instructor_groups, connect=direct_pool.connection),
            limiter=limiter,
            gateway=TutorGateway(
                parent=self, redis=redis, sessionmaker=sessionmaker, grader=grader, bank=bank, limiter=limiter, course_timezone=self.course_timezone
            ),
            hub_auth=hub_auth,
            roster=Roster(hub_auth.api_url, hub_auth.api_token, self.class_groups, self.instructor_groups, self.roster_cache_seconds),
            course_timezone=self.course_timezone,
            daily_count=self.daily_count,
            assignments_mode=self.assignments_mode,
            max_body_bytes=self.max_body_bytes,
            max_discard_bytes=self.max_discard_bytes,
            hub_users=HubUsers(hub_auth.api_url, hub_auth.api_token),
            **self.lti_context(),
            courses=courses,
            hub_audit_token=self.hub_audit_token,
        )

    def lti_context(self) -> dict:
        """The LTI settings and the tool's key (made on first start, mode 0600), when a key file is set."""
        settings = LTIPassback(parent=self)
        if not settings.configured:
            return {"lti": settings}
        try:
            key = lti_keys.load_or_create(settings.key_file)
        except (lti_keys.KeyFileError, OSError, ValueError) as err:
            self.exit_with(f"codementor api: {err}")
        return {"lti": settings, "lti_key": key}

    def make_grader(self) -> Grader:
        """This worker's grader: its share of GRADER_SLOTS_PER_CORE slots per core (unless set), and its own block of uids."""
        grader = Grader(parent=self)
        if "concurrency" not in self.config.Grader:
            grader = Grader(parent=self, concurrency=max(1, GRADER_SLOTS_PER_CORE * (os.cpu_count() or 1) // self.workers))
        grader.uid_offset = self.worker_index * grader.concurrency
        return grader

    def make_limiter(self, redis) -> RateLimiter:
        limiter = self.limiter_class(parent=self, redis=redis, clock=lambda: utcnow().timestamp())
        for action, per_minute in self.rate_limits.items():
            limiter.set_action(action, {"*": {"per_minute": int(per_minute)}})
        return limiter

    def make_app(self, ctx: APIContext):
        from tornado.web import Application as WebApp

        routes = [(path, handler, {"ctx": ctx, "route": route_label(path, ctx.prefix)}) for path, handler in all_routes(ctx.prefix)]
        routes.append((ctx.prefix + "metrics", MetricsHandler, {"ctx": ctx, "metrics_token": self.metrics_token}))
        routes.append((ctx.prefix + "oauth_callback", HubOAuthCallbackHandler))
        routes.append((ctx.prefix + "privacy", PrivacyHandler, {"ctx": ctx, "retention": Retention(parent=self)}))
        routes.extend(docs_routes(ctx.prefix))
        routes.append((ctx.prefix + r"api/.*", NotFoundHandler, {"ctx": ctx}))
        # any other path (the service's bare prefix, an absolute-form request target) gets the envelope too
        return WebApp(routes, hub_auth=ctx.hub_auth, cookie_secret=bytes.fromhex(self.cookie_secret), xsrf_cookies=False,
                      default_handler_class=NotFoundHandler, default_handler_args={"ctx": ctx})

    async def serve(self):
        for fd in (self.listen_fd, self.ready_fd):  # inherited from the supervisor: no process this one starts gets them
            if fd >= 0:
                os.set_inheritable(fd, False)
        ctx = self.build_context()
        init_series([p.name for p in ctx.gateway.chain])
        server = HTTPServer(self.make_app(ctx), max_body_size=self.max_body_bytes, body_timeout=self.body_timeout, xheaders=True)
        await ctx.direct_pool.open()
        await ctx.grader.start()
        follower = BankFollower(ctx.bank, ctx.sessionmaker, ctx.redis, ctx.courses.course_dirs, on_change=ctx.gateway.use_bank)
        await self.first_bank(follower)
        if self.listen_fd >= 0:
            server.add_sockets([socket.socket(fileno=self.listen_fd)])
        else:
            server.listen(self.port, self.ip)
        for layer, state in ctx.grader.isolation_report().items():
            self.log.info("grader isolation: %s: %s", layer, state)
        self.log.info("CodeMentor API on http://%s:%s%s with %d exercises", self.ip, self.port, ctx.prefix, len(ctx.bank))
        purging = asyncio.create_task(self.purge_periodically(ctx))
        passback = asyncio.create_task(self.pass_back_periodically(ctx))
        following = asyncio.create_task(follower.run())
        stop: asyncio.Future = asyncio.get_running_loop().create_future()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda sig=sig: stop.done() or stop.set_result(sig))
        if self.ready_fd >= 0:
            os.write(self.ready_fd, b"1")
            os.close(self.ready_fd)
        quick = await stop == signal.SIGINT
        purging.cancel()
        passback.cancel()
        following.cancel()
        await follower.forget()
        started = loop.time()
        await self.drain(server, ctx, self.stop_seconds if quick else self.drain_seconds, 0.0 if quick else self.drain_linger)
        self.log.info("API worker drained in %.1f s (%s)", loop.time() - started, "SIGINT: no linger" if quick else "SIGTERM")
        await ctx.grader.aclose()
        await ctx.gateway.aclose()
        await ctx.redis.aclose()
        await ctx.direct_pool.close()

    async def first_bank(self, follower: BankFollower) -> None:
        """Serve the newest published course banks from the start (Postgres or Redis away: built-ins only until they answer)."""
        try:
            await follower.catch_up()
        except Exception as err:
            self.log.warning("course banks not read at start (%s); the built-in exercises serve until they are", type(err).__name__)
        if follower.course_dirs and not follower.bank.version:
            self.log.warning("course folders are configured (c.CourseBank.course_dirs) but none is published yet: "
                             "run `codementor exercises reload`")

    async def purge_periodically(self, ctx: APIContext):
        """Enforce c.Retention now and then (every API process does; the purge is idempotent)."""
        retention = Retention(parent=self)
        while retention.purge_interval_seconds > 0:
            try:
                async with ctx.sessionmaker() as session, session.begin():
                    logs.operations.info("retention purge: %s", await purge(session, retention, ctx.clock()))
            except Exception as err:  # a database outage must not end the loop
                self.log.warning("retention purge failed (%s); next try in %d s", type(err).__name__, retention.purge_interval_seconds)
            await asyncio.sleep(retention.purge_interval_seconds)

    async def pass_back_periodically(self, ctx: APIContext):
        """Send the LTI scores that are due (every API process does; rows are claimed with SKIP LOCKED)."""
        settings = ctx.lti
        if settings is None or ctx.lti_key is None or not settings.posting:
            return
        client = AGSClient(ctx.lti_key, settings.client_id, settings.token_url, settings.token_audience, settings.request_timeout)
        logs.operations.info("lti passback: %s scores to %s every %g s", settings.mode, settings.token_url, settings.poll_seconds)
        while True:
            try:
                async with ctx.sessionmaker() as session, session.begin():
                    counts = await send_due(session, client, settings, ctx.clock(), self.log)
                if any(counts.values()):
                    logs.operations.info("lti passback pass: %s", counts)
            except Exception as err:  # a database outage must not end the loop
                self.log.warning("lti passback pass failed (%s); next try in %g s", type(err).__name__, settings.poll_seconds)
            await asyncio.sleep(settings.poll_seconds)

    async def drain(self, server: HTTPServer, ctx: APIContext, limit: float, linger: float) -> None:
        """Stop accepting; answer what is in flight (for `limit` seconds at most), and for `linger` seconds whatever
        arrives on the open connections, with Connection: close (the client reconnects to another worker); then
        close the rest."""
        server.stop()
        ctx.draining = True
        loop = asyncio.get_running_loop()
        start = loop.time()
        while loop.time() - start < limit:
            quiet = loop.time() - start >= linger or not getattr(server, "_connections", ())
            if not ctx.inflight and quiet:
                break
            await asyncio.sleep(0.02)
        await server.close_all_connections()

    def supervise(self) -> None:
        """Bind the port once and run `workers` processes on it (api/supervisor.py)."""
        from prometheus_client import multiprocess
        from tornado.netutil import bind_sockets

        sock = bind_sockets(self.port, self.ip, family=socket.AF_INET, backlog=1024)[0]
        own_metrics = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        env = {**os.environ, "CODEMENTOR_COOKIE_SECRET": self.cookie_secret, "PROMETHEUS_MULTIPROC_DIR": self.metrics_dir()}
        argv = [a for a in self.argv if not a.startswith(("--TutorAPI.listen_fd", "--TutorAPI.ready_fd", "--TutorAPI.worker_index"))]

        def command(index: int, ready_fd: int) -> list[str]:
            return [sys.executable, "-m", "codementor.cli", "api", *argv, f"--TutorAPI.listen_fd={sock.fileno()}",
                    f"--TutorAPI.ready_fd={ready_fd}", f"--TutorAPI.worker_index={index}"]

        self.log.info("CodeMentor API: %d workers on http://%s:%s%s (SIGHUP: rolling restart)", self.workers, self.ip, self.port, self.service_prefix)
        turns = Redis.from_url(self.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)  # short: it waits in the supervisor's loop

        def worker_gone(pid: int) -> None:
            multiprocess.mark_process_dead(pid, env["PROMETHEUS_MULTIPROC_DIR"])
            try:  # a student whose grading it held goes on at once on another worker
                if ended := end_turns_of(turns, pid):
                    self.log.info("ended %d grading turn(s) held by API worker pid %d", ended, pid)
            except RedisError as err:
                self.log.warning("Redis is not answering (REDIS_URL): the grading turns held by API worker pid %d end when "
                                 "they expire (%s)", pid, err)

        sup = Supervisor(self.workers, command, pass_fds=(sock.fileno(),), env=env, on_exit=worker_gone,
                         stop_timeout=self.drain_seconds + 5, quick_stop_timeout=self.stop_seconds + 2, log=self.log)
        try:
            sup.run()
        finally:
            if own_metrics:  # a folder of our own making goes with the workers; an operator's stays
                shutil.rmtree(env["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)

    def metrics_dir(self) -> str:
        """$PROMETHEUS_MULTIPROC_DIR emptied of an earlier run's samples, or a new private folder."""
        folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="codementor-metrics-")
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            if name.endswith(".db"):
                os.unlink(os.path.join(folder, name))
        return folder

    def start(self):
        try:
            db.check_schema(self.database_url)
        except SchemaMismatch as err:
            self.exit_with(f"codementor api: {err}")
        except OperationalError as err:
            reason = str(err.orig if hasattr(err, "orig") else err).strip().splitlines()[0]
            self.exit_with(f"codementor api: cannot reach Postgres ({reason}); check DATABASE_URL (c.TutorAPI.database_url)")
        if self.listen_fd < 0:  # once, not in every worker
            self.warn_if_privileged()
        if self.workers > 1 and self.listen_fd < 0:
            self.supervise()
        else:
            self.run_loop(self.serve())
        exit_at_once()

    def warn_if_privileged(self) -> None:
        """One warning line when the API connects as a superuser or its tables' owner (it still starts: deployments
        that give it the owner's URL keep working)."""
        try:
            warning = db_roles.privilege_warning(self.database_url)
        except Exception as err:  # the check is advice; the schema check above already reached Postgres
            self.log.debug("could not check the API's Postgres role: %s", err)
            return
        if warning:
            self.log.warning("%s", warning)

    def run_loop(self, main) -> None:
        """Run `main` to the end on the configured event loop (c.TutorAPI.event_loop)."""
        if self.event_loop == "uvloop":
            try:
                import uvloop
            except ImportError:
                self.log.warning("c.TutorAPI.event_loop is 'uvloop' but uvloop is not installed: running on asyncio's loop "
                                 "(pip install uvloop, or set c.TutorAPI.event_loop = 'asyncio' to silence this)")
            else:
                uvloop.run(main)
                return
        asyncio.run(main)

    def exit_with(self, message: str):
        self.log.critical(message)
        self.exit(1)


def exit_at_once() -> None:
    """Exit once serving is over and everything is closed, without the interpreter's teardown: it took 3 to 5 s
    of CPU here after a worker's drain (and as long again in the supervisor), time the Hub's stop waited for."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


main = TutorAPI.launch_instance
