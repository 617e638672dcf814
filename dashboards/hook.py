"""Hand the viewing instructor's own Hub token to the dashboard's kernel, and to nobody else.

Voila starts one kernel per page view. Its `prelaunch_hook` runs in the server with the
request at hand: it reads the visitor's OAuth token (the one the Hub issued to this service
for them, limited to reaching the API), writes it to a file only this server's user can
read (0600, in the server's runtime folder, 0700), and prepends a cell that names that file:
the kernel reads the token into its environment and deletes the file. The token itself is
never in a cell's source or output (which the kernel broadcasts to its subscribers), on a
command line or in IPython history (off in these kernels); the API then answers with exactly
that instructor's class.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

TOKEN_ENV = "CODEMENTOR_VIEWER_TOKEN"
ADMIN_ENV = "CODEMENTOR_VIEWER_IS_ADMIN"  # "1" for a Hub admin: the navigation shows the admins' pages (the API decides access)
CELL_ID = "codementor-viewer-token"
TOKEN_FOLDER = "viewer-tokens"
STALE_SECONDS = 120  # a page closed before its kernel ran the first cell leaves its file this long


def viewer_token(handler) -> str:
    """The token that authenticated this request (cookie or Authorization header)."""
    provider = getattr(handler, "identity_provider", None)
    hub_auth = getattr(provider, "hub_auth", None)
    if hub_auth is None:
        return ""
    return hub_auth.get_token(handler) or ""


def token_folder() -> Path:
    """This server's private folder of token files (inside its runtime folder, mode 0700)."""
    from jupyter_core.paths import jupyter_runtime_dir

    folder = Path(jupyter_runtime_dir()) / TOKEN_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def write_token(token: str, folder: Path) -> Path:
    """A new 0600 file holding `token`, under a random name; stale ones are removed."""
    now = time.time()
    for old in folder.glob("*.token"):
        if now - old.stat().st_mtime > STALE_SECONDS:
            old.unlink(missing_ok=True)
    path = folder / f"{secrets.token_hex(16)}.token"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token)
    return path


def viewer_is_admin(handler) -> bool:
    """Whether the Hub says this request's user is an admin (JupyterHub's identity provider keeps its user model)."""
    hub_user = getattr(getattr(handler, "current_user", None), "hub_user", None)
    return bool(isinstance(hub_user, dict) and hub_user.get("admin"))


def take_viewer_token(path: str, admin: bool = False) -> None:
    """In the dashboard's kernel: read the token file into the environment, then delete it."""
    os.environ[ADMIN_ENV] = "1" if admin else ""
    try:
        os.environ[TOKEN_ENV] = Path(path).read_text()
    finally:
        Path(path).unlink(missing_ok=True)


def token_cell(path: Path, admin: bool = False):
    # imported here, in the server (where Voila has loaded it): the kernel imports this module for
    # take_viewer_token, and nbformat's schema checks (jsonschema, its URI grammar) cost it a second per page
    import nbformat

    source = f"from codementor.dashboards.hook import take_viewer_token as _take\n_take({str(path)!r}, {bool(admin)!r})\ndel _take"
    cell = nbformat.v4.new_code_cell(source)
    cell["id"] = CELL_ID
    cell.metadata["tags"] = ["remove-input", "remove-output"]
    return cell


def forward_viewer_token(handler, notebook, cwd, folder: Path | None = None):
    """Voila prelaunch hook: the first cell takes the viewer's token from a private file."""
    notebook.cells = [c for c in notebook.cells if c.get("id") != CELL_ID]
    path = write_token(viewer_token(handler), folder or token_folder())
    notebook.cells.insert(0, token_cell(path, viewer_is_admin(handler)))
    return notebook


def offline_page_config(page_config: dict, **kwargs) -> dict:
    """Voila page-config hook: typeset with the bundled MathJax, never fetch it from a CDN."""
    page_config["fullMathjaxUrl"] = "null"
    page_config["mathjaxConfig"] = "null"
    return page_config
