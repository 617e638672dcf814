"""HTTP security headers for the Hub's pages, the student servers (JupyterLab) and the dashboards.

The Hub and jupyter-server take extra headers from ``tornado_settings["headers"]``. The
Content-Security-Policy there replaces their default one (which only sets frame-ancestors),
so ours keeps frame-ancestors and adds only what cannot break JupyterLab, Voila or the Hub's
templates (they use inline scripts and styles, so no script-src/style-src here):
``object-src 'none'`` (no plugins) and ``base-uri 'self'``. Lab may frame its own pages
(``frame-ancestors 'self'``); the Hub's pages are never framed.

Strict-Transport-Security is only sent when the public address is https: the Hub serves TLS
itself (``c.JupyterHub.ssl_cert``) or the operator says a TLS proxy is in front
(``CODEMENTOR_PUBLIC_HTTPS=1``).
"""

from __future__ import annotations

HSTS = "max-age=31536000"


def _headers(frame_ancestors: str, tls: bool) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": f"frame-ancestors {frame_ancestors}; object-src 'none'; base-uri 'self'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    if tls:
        headers["Strict-Transport-Security"] = HSTS
    return headers


def hub_headers(tls: bool) -> dict[str, str]:
    """Headers of the Hub's own pages (login, control panel, admin): never framed."""
    return _headers("'none'", tls)


def server_headers(tls: bool) -> dict[str, str]:
    """Headers of a student's JupyterLab server and of the dashboards: framed only by themselves."""
    return _headers("'self'", tls)


def tornado_settings_arg(headers: dict[str, str]) -> str:
    """A jupyter-server command-line argument that sets these headers."""
    import json

    return "--ServerApp.tornado_settings=" + json.dumps({"headers": headers})
