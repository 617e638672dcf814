"""How long a sign-in lasts: the Hub's cookie, the tokens it issues, the provider's token check.

Settings (environment; safe defaults for a school day, each checked here):
  CODEMENTOR_SESSION_HOURS          the Hub's login cookie lives this long (12; JupyterHub's own default is 14 days)
  CODEMENTOR_OAUTH_TOKEN_SECONDS    the tokens the Hub gives a student's server and the dashboards when
                                    the user opens them (kept in their cookies; default: the session's length)
  CODEMENTOR_AUTH_REFRESH_SECONDS   how often the Hub asks the sign-in provider again whether the user's
                                    token still holds (300); an expired one ends the session
  CODEMENTOR_AUTH_CACHE_SECONDS     how long a server trusts a token it has checked with the Hub (30): a
                                    signed-out user's server cookie stops working within this time
"""

from __future__ import annotations

DEFAULTS = {
    "CODEMENTOR_SESSION_HOURS": "12",
    "CODEMENTOR_AUTH_REFRESH_SECONDS": "300",
    "CODEMENTOR_AUTH_CACHE_SECONDS": "30",
}


def _number(env, name: str, default: str, minimum: float) -> float:
    raw = env(name, "") or default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value >= minimum:  # also refuses nan
        raise SystemExit(f"{name}={raw!r}: give a number of at least {minimum:g}")
    return value


def session_settings(env) -> dict:
    """The lifetimes, checked: session hours, OAuth token seconds, refresh seconds, server cache seconds."""
    hours = _number(env, "CODEMENTOR_SESSION_HOURS", DEFAULTS["CODEMENTOR_SESSION_HOURS"], 0.05)
    return {
        "session_hours": hours,
        "oauth_token_seconds": int(_number(env, "CODEMENTOR_OAUTH_TOKEN_SECONDS", str(int(hours * 3600)), 60)),
        "refresh_seconds": int(_number(env, "CODEMENTOR_AUTH_REFRESH_SECONDS", DEFAULTS["CODEMENTOR_AUTH_REFRESH_SECONDS"], 1)),
        "cache_seconds": int(_number(env, "CODEMENTOR_AUTH_CACHE_SECONDS", DEFAULTS["CODEMENTOR_AUTH_CACHE_SECONDS"], 1)),
    }


def configure_sessions(c, spawner, env) -> dict:
    """Apply the lifetimes to the Hub, its authenticator and the student servers."""
    found = session_settings(env)
    c.JupyterHub.cookie_max_age_days = found["session_hours"] / 24
    # the Hub refuses an older cookie; the browser forgets it then too (tornado's default is 30 days)
    settings = c.JupyterHub.get("tornado_settings", {})
    cookie_options = {**settings.get("cookie_options", {}), "expires_days": found["session_hours"] / 24}
    c.JupyterHub.tornado_settings = {**settings, "cookie_options": cookie_options}
    c.JupyterHub.oauth_token_expires_in = found["oauth_token_seconds"]
    c.Authenticator.auth_refresh_age = found["refresh_seconds"]
    spawner.args.append(f"--HubOAuth.cache_max_age={found['cache_seconds']}")
    return found
