"""Hand the viewing instructor's own Hub token to the dashboard's kernel.

Voila starts one kernel per page view. Its `prelaunch_hook` runs in the server with the
request at hand: it reads the visitor's OAuth token (the one the Hub issued to this service
for them, limited to reaching the API) and prepends a cell that puts it into the kernel's
environment. Voila never sends cell sources to the browser (strip_sources), so the token
stays server-side; the API then answers with exactly that instructor's class.
"""

from __future__ import annotations

import nbformat

TOKEN_ENV = "CODEMENTOR_VIEWER_TOKEN"
CELL_ID = "codementor-viewer-token"


def viewer_token(handler) -> str:
    """The token that authenticated this request (cookie or Authorization header)."""
    provider = getattr(handler, "identity_provider", None)
    hub_auth = getattr(provider, "hub_auth", None)
    if hub_auth is None:
        return ""
    return hub_auth.get_token(handler) or ""


def token_cell(token: str):
    cell = nbformat.v4.new_code_cell(f"import os as _os\n_os.environ[{TOKEN_ENV!r}] = {token!r}\ndel _os")
    cell["id"] = CELL_ID
    cell.metadata["tags"] = ["remove-input", "remove-output"]
    return cell


def forward_viewer_token(handler, notebook, cwd):
    """Voila prelaunch hook: the first cell sets the viewer's token for the API client."""
    notebook.cells = [c for c in notebook.cells if c.get("id") != CELL_ID]
    notebook.cells.insert(0, token_cell(viewer_token(handler)))
    return notebook


def offline_page_config(page_config: dict, **kwargs) -> dict:
    """Voila page-config hook: typeset with the bundled MathJax, never fetch it from a CDN."""
    page_config["fullMathjaxUrl"] = "null"
    page_config["mathjaxConfig"] = "null"
    return page_config
