"""The jupyter-server extension that delivers today's exercises into each student server.

Enabled by the config file this package installs (etc/jupyter/jupyter_server_config.d).
At server start (and every `c.ExerciseDelivery.refresh_interval` seconds after) it asks the
API for today's exercises with the server's own Hub token and writes each notebook into
`exercises/`, moving earlier days into `exercises/archive/` (see `sync.py` for the rules:
nothing the student has is overwritten or deleted). While the API is unreachable it retries
with backoff, without holding up the server, and leaves the student a one-line note in
`exercises/`. `POST /codementor/today` on the student's own server (the `%today` magic)
delivers again and brings back a deleted notebook of today. `GET /codementor/open-today` (the
servers' default URL, set by the Hub) opens JupyterLab on today's notebook, and
`GET /codementor/open-exercise?id=ID` (an LMS assignment link) on that exercise's notebook.
"""

from .delivery import ExerciseDelivery, OpenExerciseHandler, OpenTodayHandler, TodayHandler


def _jupyter_server_extension_points():
    return [{"module": "codementor.server_ext"}]


def _load_jupyter_server_extension(serverapp):
    import os

    from jupyter_server.utils import url_path_join

    from .access_log import install

    # the access log names no one; installed once every extension has loaded, since JupyterHub's
    # own single-user extension sets its log function when it loads
    serverapp.io_loop.add_callback(install, serverapp, os.environ.get("JUPYTERHUB_USER", ""))

    delivery = ExerciseDelivery(parent=serverapp, root_dir=serverapp.root_dir)
    route = url_path_join(serverapp.base_url, "codementor", "today")
    opener = url_path_join(serverapp.base_url, "codementor", "open-today")
    exercise = url_path_join(serverapp.base_url, "codementor", "open-exercise")
    serverapp.web_app.add_handlers(".*$", [(route, TodayHandler, {"delivery": delivery}), (opener, OpenTodayHandler, {"delivery": delivery}),
                                           (exercise, OpenExerciseHandler, {"delivery": delivery})])
    serverapp.io_loop.add_callback(delivery.start)
    serverapp.log.info("CodeMentor delivery enabled (API: %s)", delivery.api_url or "not configured")
