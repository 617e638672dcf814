"""The API's documentation page at /api/v1/docs: Swagger UI over the served OpenAPI document.

Swagger UI comes from an installed package (swagger-ui-py), never a CDN, and the page runs only
scripts served from here: no inline script, so the Content-Security-Policy can stay strict."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tornado import web

from .base import behind_tls

# scripts and styles from this origin only; Swagger UI sets inline styles on its elements and
# draws icons as data: images; "Try it out" calls the API on the same origin
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>CodeMentor API</title>
<link rel="stylesheet" href="docs/static/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/static/swagger-ui-bundle.js"></script>
<script src="docs/start.js"></script>
</body>
</html>
"""

# relative to /api/v1/docs, so the page works under any service prefix and through the Hub's proxy
START = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    persistAuthorization: false
  });
});
"""


def swagger_ui_dir() -> Path:
    """The folder of Swagger UI's files in the installed swagger-ui-py package (not imported)."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("swagger-ui-py is not installed: install codementor-hub[api]")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


class DocsHeaders:
    """The security headers of every answer of the docs page."""

    def set_default_headers(self):
        self.set_header("Content-Security-Policy", DOCS_CSP)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("Cross-Origin-Resource-Policy", "same-origin")
        if behind_tls(self.request):
            self.set_header("Strict-Transport-Security", "max-age=31536000")


class DocsPageHandler(DocsHeaders, web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.finish(PAGE)


class DocsStartHandler(DocsHeaders, web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/javascript; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.finish(START)


class DocsStaticHandler(DocsHeaders, web.StaticFileHandler):
    """Swagger UI's own files (the route admits only the two the page loads)."""


def docs_routes(prefix: str) -> list:
    """The docs page's routes under `prefix` (the service prefix, ending in a slash)."""
    base = prefix + "api/v1/docs"
    return [
        (base, DocsPageHandler),
        (base + "/", web.RedirectHandler, {"url": base}),
        (base + "/start.js", DocsStartHandler),
        (base + r"/static/(swagger-ui\.css|swagger-ui-bundle\.js)", DocsStaticHandler, {"path": str(swagger_ui_dir())}),
    ]
