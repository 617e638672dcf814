"""jupyter-server config of the dashboards service (jupyterhub-singleuser --config=this file)."""

import os
from pathlib import Path

from codementor.dashboards.hook import forward_viewer_token, offline_page_config

c = get_config()  # noqa: F821

HERE = Path(__file__).resolve().parent
# our Voila template (share/jupyter/voila/templates/codementor): no CDN resources
os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(HERE / "share" / "jupyter"), os.environ.get("JUPYTER_PATH")]))
c.VoilaConfiguration.template = "codementor"
c.ServerApp.root_dir = str(HERE / "notebooks")
c.ServerApp.default_url = "/voila/render/overview.ipynb"
# a dashboard server: Voila only. No terminals, no JupyterLab (its /lab page and settings), no language servers,
# and not a student server (no exercise delivery); it starts in about half the time with them off
c.ServerApp.terminals_enabled = False
c.ServerApp.jpserver_extensions = {"codementor.server_ext": False, "voila.server_extension": True, "jupyterlab": False,
                                   "jupyter_lsp": False, "jupyter_server_terminals": False, "notebook_shim": False}
c.ServerApp.authorizer_class = "codementor.dashboards.authorizer.DashboardAuthorizer"
c.ServerApp.allow_root = True  # harmless when not root; the demo may run as root
c.VoilaConfiguration.prelaunch_hook = forward_viewer_token
c.VoilaConfiguration.page_config_hook = offline_page_config
c.VoilaConfiguration.show_tracebacks = False
c.VoilaConfiguration.strip_sources = True
c.LabApp.news_url = ""
