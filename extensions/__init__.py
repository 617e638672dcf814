"""The jupyter-server extension that delivers today's exercises into each student server.

An ExtensionApp (`codementor.server_ext.app.ExerciseDelivery`, configured as
`c.ExerciseDelivery.*`), enabled by the config file this package installs
(etc/jupyter/jupyter_server_config.d). Once the server runs (and every
`c.ExerciseDelivery.refresh_interval` seconds after) it asks the API for today's exercises
with the server's own Hub token and saves each notebook into `exercises/` through the
server's contents manager, moving earlier days into `exercises/archive/` (see `sync.py` for
the rules: nothing the student has is overwritten or deleted). While the API is unreachable
it retries with backoff, without holding up the server, and leaves the student a one-line
note in `exercises/`; an answer it cannot use is logged as a bug and not retried. At
shutdown its periodic task stops. `POST /codementor/today` on the student's own server (the
`%today` magic) delivers again and brings back a deleted notebook of today.
`GET /codementor/open-today` (the servers' default URL, set by the Hub) opens JupyterLab on
today's notebook, and `GET /codementor/open-exercise?id=ID` (an LMS assignment link) on that
exercise's notebook.
"""


def _jupyter_server_extension_points():
    from .app import ExerciseDelivery

    return [{"module": "codementor.server_ext", "app": ExerciseDelivery}]
