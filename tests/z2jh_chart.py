"""What the Zero to JupyterHub chart does with our values before it runs hub.extraConfig, for tests.

The chart (appVersion 5.5.0) merges our values over its defaults, validates them with its
schema, then its own jupyterhub_config.py turns `singleuser.*`, `hub.services` and `cull.*`
into traitlets config and finally executes each `hub.extraConfig` entry with that `c`. The
chart is not installed here, so `chart_config` redoes that translation for exactly the keys
our values use, after the chart's file (files/hub/jupyterhub_config.py); `untranslated` names
any singleuser key we set that it does not handle, so a new key cannot be silently ignored.

The chart's schema and defaults are reference data beside the repository:
../shared/reference/z2jh/ (CODEMENTOR_SHARED_DIR overrides the shared folder).
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from traitlets.config import Config

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy" / "kubernetes"

# singleuser.<camelCase key> -> KubeSpawner trait, as the chart's configuration maps them
SINGLEUSER_TRAITS = {
    "uid": "uid",
    "fsGid": "fs_gid",
    "startTimeout": "start_timeout",
    "cpu.limit": "cpu_limit",
    "cpu.guarantee": "cpu_guarantee",
    "memory.limit": "mem_limit",
    "memory.guarantee": "mem_guarantee",
    "image.pullPolicy": "image_pull_policy",
    "extraEnv": "environment",
    "nodeSelector": "node_selector",
    "extraPodConfig": "extra_pod_config",
}
# keys the chart handles outside this table (below), or that render resources, not spawner config
HANDLED = {"image.name", "image.tag", "cmd", "defaultUrl", "allowPrivilegeEscalation", "storage", "networkPolicy", "cloudMetadata"}


def shared_dir() -> Path:
    for candidate in (os.environ.get("CODEMENTOR_SHARED_DIR"), REPO.parent / "shared", Path("/work/shared")):
        if candidate and (Path(candidate) / "reference" / "z2jh" / "values.schema.yaml").is_file():
            return Path(candidate)
    raise FileNotFoundError("the chart's schema is not at ../shared/reference/z2jh/ (set CODEMENTOR_SHARED_DIR)")


def chart_schema() -> dict:
    return yaml.safe_load((shared_dir() / "reference" / "z2jh" / "values.schema.yaml").read_text())


def chart_defaults() -> dict:
    return yaml.safe_load((shared_dir() / "reference" / "z2jh" / "values.yaml").read_text())


def our_values() -> dict:
    return yaml.safe_load((DEPLOY / "values.yaml").read_text())


def merge(base: dict, over: dict) -> dict:
    """Helm's merge of a values file over the chart's defaults: maps merge, everything else replaces."""
    out = dict(base)
    for key, value in over.items():
        out[key] = merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return out


def lookup(values: dict, dotted: str, default=None):
    node = values
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def flatten(values: dict, prefix: str = "") -> set[str]:
    keys = set()
    for key, value in values.items():
        name = f"{prefix}{key}"
        keys |= flatten(value, name + ".") if isinstance(value, dict) and name not in {"extraEnv", "extraPodConfig", "nodeSelector"} else {name}
    return keys


def untranslated(singleuser: dict) -> set[str]:
    return {k for k in flatten(singleuser) if k not in SINGLEUSER_TRAITS and not any(k == h or k.startswith(h + ".") for h in HANDLED)}


def chart_config(values: dict, secrets: dict[str, str]) -> Config:
    """The `c` the chart's jupyterhub_config.py has built when it reaches hub.extraConfig (our keys only)."""
    c = Config()
    c.JupyterHub.spawner_class = "kubespawner.KubeSpawner"
    c.KubeSpawner.namespace = "codementor"
    c.KubeSpawner.common_labels = {"app": "jupyterhub", "app.kubernetes.io/name": "jupyterhub", "app.kubernetes.io/managed-by": "kubespawner"}
    c.KubeSpawner.extra_labels = {}
    singleuser = values["singleuser"]
    for key, trait in SINGLEUSER_TRAITS.items():
        value = lookup(singleuser, key)
        if value is not None:
            c.KubeSpawner[trait] = value
    c.KubeSpawner.image = f"{lookup(singleuser, 'image.name')}:{lookup(singleuser, 'image.tag')}"
    c.KubeSpawner.allow_privilege_escalation = singleuser.get("allowPrivilegeEscalation")
    if "cmd" in singleuser:
        c.Spawner.cmd = singleuser["cmd"]
    if singleuser.get("defaultUrl"):
        c.Spawner.default_url = singleuser["defaultUrl"]
    storage = singleuser.get("storage", {})
    if storage.get("type") == "dynamic":
        if lookup(storage, "dynamic.pvcNameTemplate"):
            c.KubeSpawner.pvc_name_template = lookup(storage, "dynamic.pvcNameTemplate")
        c.KubeSpawner.storage_pvc_ensure = True
        c.KubeSpawner.storage_capacity = storage.get("capacity")
        c.KubeSpawner.volumes = {"00-home": {"name": lookup(storage, "dynamic.volumeNameTemplate"), "persistentVolumeClaim": {"claimName": "{pvc_name}"}}}
        c.KubeSpawner.volume_mounts = {"00-home": {"mountPath": storage.get("homeMountPath"), "name": lookup(storage, "dynamic.volumeNameTemplate")}}
    services, roles = [], []
    if lookup(values, "cull.enabled"):
        services.append({"name": "jupyterhub-idle-culler", "command": ["python3", "-m", "jupyterhub_idle_culler", f"--timeout={values['cull']['timeout']}"]})
        roles.append({"name": "jupyterhub-idle-culler", "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"], "services": ["jupyterhub-idle-culler"]})
    for key, service in lookup(values, "hub.services", {}).items():
        services.append({**service, "name": service.get("name", key), "api_token": secrets[f"hub.services.{key}.apiToken"]})
    c.JupyterHub.services = services
    c.JupyterHub.load_roles = roles
    c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 0}
    return c


def hub_environment(values: dict, secrets: dict[str, str]) -> dict[str, str]:
    """hub.extraEnv as the hub container sees it (valueFrom entries resolved from `secrets`)."""
    env = {}
    for name, value in lookup(values, "hub.extraEnv", {}).items():
        if isinstance(value, dict):
            ref = value["valueFrom"]["secretKeyRef"]
            env[name] = secrets[f"{ref['name']}/{ref['key']}"]
        else:
            env[name] = str(value)
    return env


def run_extra_config(values: dict, c: Config) -> None:
    """Execute each hub.extraConfig entry in name order with `c`, as the chart does."""
    for _name, source in sorted(lookup(values, "hub.extraConfig", {}).items()):
        exec(compile(source, "hub.extraConfig", "exec"), {"c": c})
