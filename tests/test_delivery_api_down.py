"""A real Jupyter server whose CodeMentor API is down: it starts, and the student sees one line."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import httpx
import pytest

from codementor.hub_config.stack import free_port, wait_for
from codementor.hub_config.student_server import extension_args
from codementor.server_ext.delivery import NOTE_NAME, WAITING_NOTE


# jupyter-server as a student's server runs it (extensions/launch.py: SIGINT is its clean stop), without the Hub
STUDENT_SERVER = ("import sys; from codementor.server_ext import launch; launch.stop_on_sigint(); launch.skip_modules(); "
                  "from jupyter_server.serverapp import main; sys.argv[0] = 'jupyter-server'; sys.exit(main())")


@pytest.fixture
def server_without_api(tmp_path):
    port, token = free_port(), "test-token"
    log = tmp_path / "server.log"
    root = tmp_path / "home"
    root.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(root), "CODEMENTOR_API_URL": f"http://127.0.0.1:{free_port()}/api/v1",
           "JUPYTERHUB_API_TOKEN": "not-a-real-token", "JUPYTER_PLATFORM_DIRS": "1"}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", STUDENT_SERVER, f"--ServerApp.port={port}", f"--ServerApp.root_dir={root}",
             f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False", "--ServerApp.allow_root=True",
             "--ExerciseDelivery.first_backoff=0.2", "--ExerciseDelivery.request_timeout=2", *extension_args()],
            env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: httpx.get(f"{url}/api/status", params={"token": token}).status_code == 200, "jupyter-server", 60)
        yield url, token, root, log, proc
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:  # a server stuck at exit (see the test below) must not outlive the test
            proc.kill()
            proc.wait(20)


def test_server_starts_and_shows_a_note_while_the_api_is_down(server_without_api):
    url, token, root, log, _ = server_without_api
    note = root / "exercises" / NOTE_NAME
    # the contents manager writes in place: the file can exist, still empty, for a moment
    wait_for(lambda: note.exists() and note.read_text(), "the note for the student", 30, 0.1)
    assert note.read_text() == WAITING_NOTE
    assert len(note.read_text().strip().splitlines()) == 1

    # the REST call behind %today answers with one clear line, not a traceback
    resp = httpx.post(f"{url}/codementor/today", headers={"Authorization": f"token {token}"}, json={})
    assert resp.status_code == 503
    message = resp.json()["message"]
    assert message.startswith("the CodeMentor API is not reachable right now") and "\n" not in message
    assert "Traceback" not in log.read_text()


def test_the_login_page_opens_the_folder_with_the_note_while_the_api_is_down(server_without_api):
    url, token, root, log, _ = server_without_api
    wait_for((root / "exercises" / NOTE_NAME).exists, "the note for the student", 30, 0.1)
    resp = httpx.get(f"{url}/codementor/open-today", headers={"Authorization": f"token {token}"}, follow_redirects=False)
    assert resp.status_code == 302 and resp.headers["Location"] == "/lab/tree/exercises", resp.headers
    # a notebook of an earlier day not archived yet is what there is to open
    (root / "exercises" / "2026-01-05-digit-sum.ipynb").write_text("{}")
    resp = httpx.get(f"{url}/codementor/open-today", headers={"Authorization": f"token {token}"}, follow_redirects=False)
    assert resp.headers["Location"] == "/lab/tree/exercises/2026-01-05-digit-sum.ipynb"
    # not signed in: the server's login, never a file listing
    anonymous = httpx.get(f"{url}/codementor/open-today", follow_redirects=False)
    assert anonymous.status_code in (302, 403) and "/lab/tree" not in anonymous.headers.get("Location", "")


def test_the_server_stops_at_the_hubs_first_signal_while_the_delivery_retries(server_without_api):
    """The Hub stops a server with SIGINT first; the delivery's retries must not keep it alive."""
    url, token, root, log, proc = server_without_api
    wait_for((root / "exercises" / NOTE_NAME).exists, "the note for the student", 30, 0.1)
    # a student's server takes SIGINT as its clean stop (extensions/launch.py). Left to Python, as a
    # KeyboardInterrupt, it once hung here under load: its loop ended, then the process waited at exit
    # in threading._shutdown for an idle, non-daemon AnyIO worker thread (jupyter-server's contents
    # manager) that nothing told to stop
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(30)  # it exits in a few seconds; a server that hangs never does
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the server was still running 30 s after SIGINT: {log.read_text()[-2000:]}") from None
    assert "received signal 15, stopping" in log.read_text()  # jupyter-server's clean stop, not a KeyboardInterrupt
