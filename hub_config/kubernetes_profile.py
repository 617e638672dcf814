"""The `kubernetes` profile: our Hub configuration inside the Zero to JupyterHub chart.

The chart's own jupyterhub_config.py runs first (KubeSpawner, the proxy, the Hub's database,
its secrets, the idle culler, `hub.services`, `singleuser.*`); it then executes
`hub.extraConfig`, where deploy/kubernetes/values.yaml runs our jupyterhub_config.py with
CODEMENTOR_PROFILE=kubernetes. So this profile leaves to the chart what the chart owns and
adds only the product: sign-up with approval, the API and dashboards as external services
(their URLs and tokens come from `hub.services`), roles, the student servers' command,
environment, token scopes and security context.

Environment (set through hub.extraEnv in the chart values):
  CODEMENTOR_API_SERVICE_URL  the API's Kubernetes Service, as student pods reach it
                              (http://codementor-api:10101)
"""

from __future__ import annotations

import os

# the student container: nothing it does can gain a privilege (the chart sets the uid, fsGroup
# and allowPrivilegeEscalation=false from singleuser.uid, singleuser.fsGid)
STUDENT_CONTAINER_SECURITY = {
    "runAsNonRoot": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}

# what our configuration sets on a service the chart declared in hub.services (never its url or token)
OURS = ("oauth_no_confirm", "oauth_client_allowed_scopes", "display", "info")


class ChartWiringError(SystemExit):
    """The chart values lack something this profile needs (one line for the Hub's log)."""


def api_url() -> str:
    url = os.environ.get("CODEMENTOR_API_SERVICE_URL", "").strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ChartWiringError(
            "CODEMENTOR_PROFILE=kubernetes needs CODEMENTOR_API_SERVICE_URL (hub.extraEnv), e.g. http://codementor-api:10101"
        )
    return url


def configure_student_pods(c) -> None:
    """KubeSpawner settings that are product policy (the chart sets image, resources, uid, storage)."""
    c.KubeSpawner.container_security_context = dict(STUDENT_CONTAINER_SECURITY)
    # a student's server has no business with the Kubernetes API
    c.KubeSpawner.automount_service_account_token = False


def merge_services(c, ours: list[dict], roles: list[dict]) -> None:
    """Complete the chart's services with our settings, keep the chart's own ones (the culler), add the rest.

    A service of ours that the Hub runs itself (it has a `command`) must be declared in
    hub.services instead: on Kubernetes it is a Deployment, and the chart holds its token.
    """
    chart = {s["name"]: s for s in c.JupyterHub.get("services", [])}
    merged = dict(chart)
    for service in ours:
        name = service["name"]
        if name in chart:
            merged[name] = {**chart[name], **{k: v for k, v in service.items() if k in OURS}}
        elif "command" in service:
            raise ChartWiringError(
                f"CODEMENTOR_PROFILE=kubernetes: hub.services.{name} is missing in the chart values "
                "(url of its Kubernetes Service; the chart keeps its token in the hub Secret)"
            )
        else:
            merged[name] = service
    c.JupyterHub.services = list(merged.values())
    c.JupyterHub.load_roles = [*c.JupyterHub.get("load_roles", []), *roles]
