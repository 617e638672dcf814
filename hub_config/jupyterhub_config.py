"""JupyterHub configuration for CodeMentor Hub.

Every setting comes from an environment variable (documented below and in the README), so
the same file serves the demo, the test suite and a real machine. Profiles:

- ``demo`` (default): shared-password login, demo users, every server as the Hub's user
  (SimpleLocalProcessSpawner). Convenient, not isolated: for a laptop or a trial.
- ``classroom``: one machine for a real class, the Hub running as root. Sign-up with admin
  approval and lockout (NativeAuthenticator), one system user per student created on first
  spawn (LocalProcessSpawner), the exercise bank in a private folder. See classroom.py.
- ``kubernetes``: this file run by the Zero to JupyterHub chart (hub.extraConfig in
  deploy/kubernetes/values.yaml) after the chart's own configuration: the chart keeps
  KubeSpawner, the proxy, the Hub's database, secrets and culler; this file adds the classroom
  sign-up, the API and dashboards as external services, roles and the student pods' policy.
  See kubernetes_profile.py.

Environment:
  CODEMENTOR_PROFILE        demo (default), classroom or kubernetes
  CODEMENTOR_STATE_DIR      where the Hub keeps its database, cookie secret and user folders
  CODEMENTOR_HUB_IP/PORT    public address of the Hub's proxy (127.0.0.1:8000)
  CODEMENTOR_HUB_API_PORT   the Hub's internal API port (8081)
  CODEMENTOR_PROXY_API_PORT configurable-http-proxy's API port (8001)
  CODEMENTOR_API_PORT       the CodeMentor API service's port (10101)
  CODEMENTOR_PROXY_CMD      path of configurable-http-proxy (node_modules/.bin/...)
  CODEMENTOR_DEMO_PASSWORD  the students' and instructors' shared password
  CODEMENTOR_ADMIN_PASSWORD the admin's password (at least 32 characters)
  CODEMENTOR_OPS_TOKEN      optional: a token for automation (user and server management)
  CODEMENTOR_TIMEZONE       the course's time zone (decides when a new day starts)
  CODEMENTOR_DASHBOARDS_PORT the instructor dashboards service's port (10102)
  CODEMENTOR_ROSTER_CACHE_SECONDS how long the API caches Hub group members (30)
  CODEMENTOR_SUBMIT_DAILY_CAP graded submissions of one exercise a student may make per course day (30; 0 = no cap)
  CODEMENTOR_CULL_TIMEOUT   stop a student server idle for this many seconds (3600; 0 = never)
  CODEMENTOR_COURSE_DIRS    course folders (":"-separated) served beside the built-in exercises, after
                            `codementor exercises reload` (keep them unreadable by students); a folder's
                            course.toml may name the Hub groups it is for (groups = ["cs101-a"])
  DATABASE_URL, REDIS_URL   the API's Postgres and Redis
  CODEMENTOR_API_DATABASE_URL optional: the URL the API connects with instead of DATABASE_URL: its own
                            least-privilege role, made by `codementor db api-role` run with DATABASE_URL (the
                            owner's, which migrations and operator commands keep using)
  CODEMENTOR_LLM_BASE_URL   optional: an OpenAI-compatible chat-completions API for the tutor
  CODEMENTOR_LLM_API_KEY    its key (given to the API service only)
  CODEMENTOR_LLM_MODEL      its model name
  CODEMENTOR_ANTHROPIC_API_KEY optional: the Anthropic Messages API as a further provider
  CODEMENTOR_METRICS_TOKEN  optional: the scraper's token for /hub/metrics and the API's metrics
  CODEMENTOR_PUBLIC_HTTPS   1 when users reach the Hub over https (a TLS proxy in front): adds HSTS
  CODEMENTOR_SSL_CERT/KEY   the Hub's proxy serves https itself with this certificate and key (HSTS too)
  CODEMENTOR_SESSION_HOURS and the other lifetimes of a sign-in: see hub_config/sessions.py

Single sign-on (any profile; hub_config/oidc.py, README "Signing in with OpenID Connect, GitHub or Google"):
  CODEMENTOR_AUTH               "" (the profile's own sign-in), oidc, github or google
  CODEMENTOR_PUBLIC_URL         the Hub's address as users type it (the callback and the sign-out return)
  CODEMENTOR_OIDC_CLIENT_ID/CLIENT_SECRET  from registering the Hub with the provider
  CODEMENTOR_OIDC_ISSUER        oidc only: the provider's issuer URL (its discovery document is read)
  CODEMENTOR_OIDC_ALLOWED_DOMAINS, _ALLOWED_GROUPS, _INSTRUCTOR_GROUPS, _ADMIN_GROUPS, _INSTRUCTORS,
  _ADMINS, _COURSE_GROUPS, _GROUPS_CLAIM, _USERNAME_CLAIM, _SCOPES, _NAME, _LOGOUT_URL, _ALLOW_ANY_ACCOUNT

Sign-in through an LMS, LTI 1.3 (any profile; hub_config/lti.py, README "Sign in from an LMS"):
  CODEMENTOR_AUTH           lti: launches from the LMS replace the profile's own sign-in
  CODEMENTOR_LTI_ISSUER, CODEMENTOR_LTI_CLIENT_ID, CODEMENTOR_LTI_AUTH_URL, CODEMENTOR_LTI_PLATFORM_JWKS_URL (required),
  CODEMENTOR_LTI_DEPLOYMENT_IDS, CODEMENTOR_LTI_USERNAME_KEY, CODEMENTOR_LTI_ADMIN_USERS, CODEMENTOR_LTI_TOKEN_URL,
  CODEMENTOR_LTI_TOKEN_AUDIENCE, CODEMENTOR_LTI_PASSBACK, CODEMENTOR_LTI_KEY_FILE

Kubernetes profile only (hub.extraEnv in the chart values):
  CODEMENTOR_API_SERVICE_URL    the API's Kubernetes Service (http://codementor-api:10101)
  CODEMENTOR_ADMIN_USERS and the sign-up settings below, as in the classroom profile

Classroom profile only:
  CODEMENTOR_ADMIN_USERS        comma-separated Hub names of the admins (required); they sign
                                up like everyone else and are approved at once
  CODEMENTOR_LOGIN_ATTEMPTS     failed logins before a user is locked out (5)
  CODEMENTOR_LOCKOUT_SECONDS    how long the lockout lasts (600)
  CODEMENTOR_MIN_PASSWORD_LENGTH shortest password accepted at sign-up (10)
  CODEMENTOR_SYSTEM_USER_PREFIX prefix of the students' system user names (cm-)
  CODEMENTOR_HOME_ROOT          folder of the students' home folders (/home)
  CODEMENTOR_PRIVATE_DIR        the API's private folder, mode 0700 (<state dir>/private)
  CODEMENTOR_BANK_DIR           the exercise bank (default: a private copy of the bundled one)
  CODEMENTOR_STUDENT_DISK_LIMIT each student's home: an ext4 image of this size (2G; 0 = none)
  CODEMENTOR_STUDENT_TMP_LIMIT  each server's private /tmp and /dev/shm (256M each)
  CODEMENTOR_STUDENTS_GROUP     system group of the students, matched by the firewall (codementor-students)
  CODEMENTOR_DASHBOARDS_USER    system user of the dashboards server and kernels (codementor-dashboards)
"""

import os
import secrets
import sys
from pathlib import Path

import codementor.dashboards
from codementor.hub_config import hub_logs, landing, student_server
from codementor.hub_config.security import hub_headers, server_headers, tornado_settings_arg
from codementor.hub_config.sessions import configure_sessions

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)

env = os.environ.get
STATE = Path(env("CODEMENTOR_STATE_DIR", Path.cwd() / ".state")).resolve()
BIN = Path(sys.executable).parent
PROFILE = env("CODEMENTOR_PROFILE", "demo")
API_SERVICE = "codementor"
API_PORT = int(env("CODEMENTOR_API_PORT", "10101"))
API_URL = f"http://127.0.0.1:{API_PORT}"
if PROFILE == "kubernetes":
    from codementor.hub_config import kubernetes_profile

    API_URL = kubernetes_profile.api_url()

PROJECT_DASHBOARDS = Path(codementor.dashboards.__file__).resolve().parent

DEMO_STUDENTS = ["alice", "bob"]
DEMO_INSTRUCTORS = ["ada"]
DEMO_ADMINS = ["admin"]
API_EXTRA_ENV: dict = {}

# --- the Hub and its proxy (on Kubernetes the chart sets these) -------------------------
if PROFILE != "kubernetes":
    c.JupyterHub.ip = env("CODEMENTOR_HUB_IP", "127.0.0.1")
    c.JupyterHub.port = int(env("CODEMENTOR_HUB_PORT", "8000"))
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = int(env("CODEMENTOR_HUB_API_PORT", "8081"))
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{env('CODEMENTOR_PROXY_API_PORT', '8001')}"
    c.ConfigurableHTTPProxy.command = [env("CODEMENTOR_PROXY_CMD", str(Path.cwd() / "node_modules/.bin/configurable-http-proxy"))]
    # the proxy answers a path that is not valid percent-encoding with 400 (the API's JSON envelope under
    # its prefix), not its 500 and the Hub's HTML error page; the proxy inherits the Hub's environment
    _bad_url_guard = f'--require "{Path(landing.__file__).resolve().parent / "proxy_bad_url.js"}"'
    if _bad_url_guard not in os.environ.get("NODE_OPTIONS", ""):
        os.environ["NODE_OPTIONS"] = f'{os.environ.get("NODE_OPTIONS", "")} {_bad_url_guard}'.strip()
    c.JupyterHub.db_url = env("CODEMENTOR_HUB_DB_URL", f"sqlite:///{STATE / 'jupyterhub.sqlite'}")
    c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
    c.JupyterHub.cleanup_servers = True
    c.JupyterHub.cleanup_proxy = True
    if env("CODEMENTOR_SSL_CERT"):
        # the Hub's proxy serves TLS itself (`codementor classroom --ssl-cert/--ssl-key`)
        c.JupyterHub.ssl_cert = env("CODEMENTOR_SSL_CERT")
        c.JupyterHub.ssl_key = env("CODEMENTOR_SSL_KEY", "")

# --- who can sign in -------------------------------------------------------------------
if PROFILE == "demo":
    # shared-password login; a new user without a group joins `students` (hub_config/auth.py)
    c.JupyterHub.authenticator_class = "codementor.hub_config.auth.DemoAuthenticator"
    c.SharedPasswordAuthenticator.user_password = env("CODEMENTOR_DEMO_PASSWORD", "codementor")
    c.SharedPasswordAuthenticator.admin_password = env("CODEMENTOR_ADMIN_PASSWORD", "codementor-admin-password-change-me")
    c.Authenticator.admin_users = set(DEMO_ADMINS)
    c.Authenticator.allowed_users = set(DEMO_STUDENTS + DEMO_INSTRUCTORS)
    c.Authenticator.allow_all = False
    c.JupyterHub.load_groups = {
        "students": {"users": DEMO_STUDENTS},
        "instructors": {"users": DEMO_INSTRUCTORS},
    }
elif PROFILE == "classroom":
    from codementor.hub_config.classroom_profile import configure_classroom

    API_EXTRA_ENV = configure_classroom(c, STATE)
elif PROFILE == "kubernetes":
    # the classroom's sign-up with admin approval and lockout; users live in the Hub's database
    from codementor.hub_config.classroom_profile import configure_authenticator

    configure_authenticator(c)
else:
    raise SystemExit(f"unknown CODEMENTOR_PROFILE={PROFILE!r}; this configuration knows: demo, classroom, kubernetes")

# --- the institution's sign-in instead of the profile's own (CODEMENTOR_AUTH; unset keeps it):
# OpenID Connect, GitHub or Google (hub_config/oidc.py), or launches from an LMS, LTI 1.3 (hub_config/lti.py)
AUTH = env("CODEMENTOR_AUTH", "").strip().lower()
if AUTH in ("oidc", "github", "google"):
    from codementor.hub_config import oidc

    oidc.configure(c, AUTH, STATE)
elif AUTH == "lti":
    from codementor.hub_config import lti

    API_EXTRA_ENV = {**API_EXTRA_ENV, **lti.configure_lti(c, env, STATE, API_URL, API_SERVICE)}
elif AUTH:
    raise SystemExit(f"unknown CODEMENTOR_AUTH={AUTH!r}; this configuration knows: oidc, github, google, lti (or unset: the profile's own sign-in)")

# --- security headers (hub_config/security.py) and metrics ------------------------------
PUBLIC_HTTPS = env("CODEMENTOR_PUBLIC_HTTPS", "") == "1" or bool(c.JupyterHub.get("ssl_cert"))
# the Hub's access log names no one (hub_config/hub_logs.py): {name} in paths, user#<id>, no address
c.JupyterHub.tornado_settings = {**c.JupyterHub.get("tornado_settings", {}), "headers": hub_headers(PUBLIC_HTTPS), "log_function": hub_logs.log_request}
# /hub/metrics answers only tokens with read:metrics (the `metrics` service below)
c.JupyterHub.authenticate_prometheus = True
# Every token check the API makes (each token at most every c.TutorAPI.auth_cache_seconds) wrote
# the token's and the user's last_activity whenever it was 30 s old: a commit on the Hub's one
# event loop for about a third of the checks, a fifth of its time under a class. Minutes are
# precise enough for who used a token when; servers' own activity (the idle culler's) is apart.
c.JupyterHub.activity_resolution = int(env("CODEMENTOR_HUB_ACTIVITY_RESOLUTION", "300"))

# --- student servers -------------------------------------------------------------------
if PROFILE == "demo":
    c.JupyterHub.spawner_class = "simple"
    c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "users" / "{username}")
# on Kubernetes the chart configures KubeSpawner itself, which takes precedence over c.Spawner
spawner = c.KubeSpawner if PROFILE == "kubernetes" else c.Spawner
# jupyterhub-singleuser without what a student's server does not need (hub_config/student_server.py)
spawner.cmd = student_server.command(None if PROFILE == "kubernetes" else BIN)
# a student's login opens today's notebook: the server extension's page redirects to it
# (extensions/delivery.py, OpenTodayHandler). JupyterLab's news question is turned off by the
# settings this package installs (share/jupyter/lab/settings/overrides.d/codementor.json:
# fetchNews "false"); the flags below stop the update check and any news fetch server-side.
spawner.default_url = "/codementor/open-today"
spawner.args = ["--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", tornado_settings_arg(server_headers(PUBLIC_HTTPS)),
                *student_server.extension_args()]
if os.geteuid() == 0 and PROFILE != "kubernetes":
    spawner.args.append("--ServerApp.allow_root=True")
if PROFILE == "kubernetes":
    kubernetes_profile.configure_student_pods(c)
else:  # on Kubernetes singleuser.startTimeout applies (image pulls take longer)
    c.Spawner.start_timeout = 60
c.Spawner.http_timeout = 60
# how long a sign-in lasts: the Hub's cookie, the tokens in the servers' cookies (hub_config/sessions.py)
configure_sessions(c, spawner, env)
spawner.environment.update(
    {
        "CODEMENTOR_API_URL": f"{API_URL}/services/{API_SERVICE}/api/v1",
        "CODEMENTOR_TIMEZONE": env("CODEMENTOR_TIMEZONE", "UTC"),
    }
)
# the token a student's server and kernels hold: enough to reach the API as that student
spawner.server_token_scopes = [
    "users:activity!user",
    "access:servers!server",
    f"access:services!service={API_SERVICE}",
]

# --- the CodeMentor API, run and restarted by the Hub ----------------------------------
api_env = {
    # the API's own role when one is given (it cannot alter or drop its tables), else the owner's URL
    "DATABASE_URL": env("CODEMENTOR_API_DATABASE_URL", "") or env("DATABASE_URL", ""),
    "REDIS_URL": env("REDIS_URL", "redis://127.0.0.1:6379/0"),
    "CODEMENTOR_TIMEZONE": env("CODEMENTOR_TIMEZONE", "UTC"),
    "CODEMENTOR_ROSTER_CACHE_SECONDS": env("CODEMENTOR_ROSTER_CACHE_SECONDS", "30"),
    "PATH": env("PATH", ""),
}
# provider keys reach the API only, never the student servers
for name in ("CODEMENTOR_METRICS_TOKEN", "CODEMENTOR_SUBMIT_DAILY_CAP", "CODEMENTOR_API_WORKERS", "CODEMENTOR_DB_POOL_SIZE", "CODEMENTOR_DB_MAX_OVERFLOW", "CODEMENTOR_DB_DIRECT_POOL_SIZE", "CODEMENTOR_DB_POOL_TIMEOUT", "PROMETHEUS_MULTIPROC_DIR", "CODEMENTOR_BANK_DIR", "CODEMENTOR_COURSE_DIRS", "CODEMENTOR_LLM_BASE_URL", "CODEMENTOR_LLM_API_KEY", "CODEMENTOR_LLM_MODEL", "CODEMENTOR_ANTHROPIC_API_KEY"):
    if env(name):
        api_env[name] = env(name)
api_env.update(API_EXTRA_ENV)
# sign-up approvals and role changes made on the Hub's pages go into the API's audit trail
# (hub_config/audit.py): the Hub posts them with a secret only it and the API service hold
HUB_AUDIT_TOKEN = env("CODEMENTOR_HUB_AUDIT_TOKEN") or ("" if PROFILE == "kubernetes" else secrets.token_hex(32))
if HUB_AUDIT_TOKEN:
    api_env["CODEMENTOR_HUB_AUDIT_TOKEN"] = HUB_AUDIT_TOKEN
    c.HubAudit.token = HUB_AUDIT_TOKEN
    c.HubAudit.url = f"{API_URL}/services/{API_SERVICE}/api/v1/admin/audit/hub-events"
# CODEMENTOR_API_CONFIG: a .py (or .json) file of c.TutorAPI / c.Grader / c.TutorGateway settings
API_CONFIG = env("CODEMENTOR_API_CONFIG", "").strip()
if API_CONFIG:
    API_CONFIG = str(Path(API_CONFIG).expanduser().resolve())
    if not (API_CONFIG.endswith((".py", ".json")) and Path(API_CONFIG).is_file()):
        raise SystemExit(f"CODEMENTOR_API_CONFIG={API_CONFIG}: no such .py or .json file (the API's settings file)")
services = [
    {
        "name": API_SERVICE,
        "url": API_URL,
        "command": [str(BIN / "codementor"), "api", *([f"--config={API_CONFIG}"] if API_CONFIG else [])],
        "environment": api_env,
        "oauth_no_confirm": True,
        "display": False,
    }
]
roles = [
    # students (every user) may use the API service, and nothing else beyond their own server
    {"name": "user", "scopes": ["self", f"access:services!service={API_SERVICE}"]},
    # the API identifies users from their own tokens; to know who is in an instructor's
    # class it reads group membership (GET /hub/api/groups[/<name>]); an admin's deletion of a
    # student removes the Hub account too (DELETE /hub/api/users/<name>: delete:users, not admin:users)
    {"name": "codementor-api", "description": "read group members, delete a user an admin deletes", "scopes": ["list:groups", "read:groups", "delete:users"], "services": [API_SERVICE]},
]

# --- instructor dashboards: Voila in a shared jupyterhub-singleuser, run by the Hub -------
# Only `instructors` (and admins, who hold every scope) may open it. Each visitor's own
# OAuth token (which may reach the API, nothing else) is handed to the dashboard's kernel,
# so the API answers with that instructor's class. See codementor/dashboards/.
DASH_SERVICE = "dashboards"
DASH_PORT = int(env("CODEMENTOR_DASHBOARDS_PORT", "10102"))
DASH_STATE = STATE / "dashboards"
if PROFILE != "kubernetes":  # there the dashboards are a Deployment of their own
    DASH_STATE.mkdir(parents=True, exist_ok=True)
    # the dashboards' kernels keep no IPython history (their cells name the viewer's token file)
    DASH_IPYTHON = DASH_STATE / ".ipython" / "profile_default"
    DASH_IPYTHON.mkdir(parents=True, exist_ok=True)
    (DASH_IPYTHON / "ipython_kernel_config.py").write_text("c.HistoryManager.enabled = False\n")
services.append(
    {
        "name": DASH_SERVICE,
        "url": f"http://127.0.0.1:{DASH_PORT}",
        # jupyterhub-singleuser that exits at once after its clean stop (dashboards/server.py)
        "command": [sys.executable, "-m", "codementor.dashboards.server", f"--config={PROJECT_DASHBOARDS / 'server_config.py'}", tornado_settings_arg(server_headers(PUBLIC_HTTPS))],
        "cwd": str(DASH_STATE),
        "environment": {
            "HOME": str(DASH_STATE),
            "PATH": env("PATH", ""),
            "CODEMENTOR_API_URL": f"{API_URL}/services/{API_SERVICE}/api/v1",
            "CODEMENTOR_TIMEZONE": env("CODEMENTOR_TIMEZONE", "UTC"),
        },
        "oauth_no_confirm": True,
        # the instructor's token issued to the dashboards may reach the API, nothing more
        "oauth_client_allowed_scopes": [f"access:services!service={API_SERVICE}"],
        "display": True,
        "info": {"description": "Class dashboards for instructors"},
    }
)
roles.append(
    {"name": "instructor", "description": "open the class dashboards", "scopes": [f"access:services!service={DASH_SERVICE}"], "groups": ["instructors"]}
)

# --- idle culler: stops student servers nobody has used for a while -------------------
# (on Kubernetes the chart's culler runs instead: cull.* in the chart values)
CULL_TIMEOUT = int(env("CODEMENTOR_CULL_TIMEOUT", "3600"))
if CULL_TIMEOUT > 0 and PROFILE != "kubernetes":
    services.append(
        {
            "name": "idle-culler",
            "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={CULL_TIMEOUT}", f"--cull-every={max(5, min(300, CULL_TIMEOUT // 2))}"],
        }
    )
    roles.append(
        {
            "name": "idle-culler",
            "description": "find idle servers and stop them",
            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
            "services": ["idle-culler"],
        }
    )
if env("CODEMENTOR_OPS_TOKEN"):
    services.append({"name": "ops", "api_token": env("CODEMENTOR_OPS_TOKEN")})
    roles.append(
        {
            "name": "ops",
            "description": "automation: create users, start and stop their servers",
            "scopes": ["admin:users", "admin:servers", "admin:groups", "access:servers", "tokens"],
            "services": ["ops"],
        }
    )
if env("CODEMENTOR_METRICS_TOKEN"):
    # one token for the scraper: /hub/metrics (read:metrics) and the API's metrics (it knows the token too)
    services.append({"name": "metrics", "api_token": env("CODEMENTOR_METRICS_TOKEN")})
    roles.append({"name": "metrics", "description": "read the Hub's Prometheus metrics", "scopes": ["read:metrics"], "services": ["metrics"]})
if AUTH == "lti":
    lti.add_launch_service(c, services, roles, API_SERVICE)
if PROFILE == "classroom":
    from codementor.hub_config.classroom_profile import finish_classroom

    finish_classroom(c, STATE, next(s for s in services if s["name"] == DASH_SERVICE), API_PORT)
if PROFILE == "kubernetes":
    kubernetes_profile.merge_services(c, services, roles)
else:
    c.JupyterHub.services = services
    c.JupyterHub.load_roles = roles
# where each role lands when no page was asked for (hub_config/landing.py): admins on the admin
# panel, instructors on the dashboards, students on their server (today's notebook)
c.JupyterHub.default_url = landing.default_url(DASH_SERVICE)
c.JupyterHub.template_paths = [str(Path(landing.__file__).resolve().parent / "templates"), *c.JupyterHub.get("template_paths", [])]
# the login page links the students' privacy page (served by the API, written from its settings);
# the home page shows instructors and admins a button to the dashboards (templates/home.html)
c.JupyterHub.template_vars = {
    "announcement_login": f'<a href="../services/{API_SERVICE}/privacy">How CodeMentor uses your data</a>',
    "dashboards_url": landing.dashboards_link(DASH_SERVICE, c.JupyterHub.get("base_url", "/")),
}
