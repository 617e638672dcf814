"""deploy/kubernetes/ checked offline: the chart's own schema, Kubernetes' schemas, the real KubeSpawner.

No cluster is needed: the values are validated with the Zero to JupyterHub chart's JSON schema,
every manifest with kubernetes-validate's schemas (strict), and KubeSpawner 7 builds a
student's pod from the chart's settings plus our Hub configuration run exactly as the chart's
hub.extraConfig runs it.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from codementor.exercise_bank import Bank

from . import z2jh_chart as chart

K8S_VERSION = "1.37.0"  # the newest schema kubernetes-validate 1.37.0 bundles
MANIFESTS = sorted((chart.DEPLOY / "manifests").glob("*.yaml"))
SECRETS = {
    "hub.services.codementor.apiToken": "api-token-from-the-hub-secret",
    "hub.services.dashboards.apiToken": "dashboards-token-from-the-hub-secret",
    "codementor-backends/CODEMENTOR_METRICS_TOKEN": "metrics-token-from-the-secret",
}


def resources() -> list[tuple[str, dict]]:
    return [(path.name, doc) for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text()) if doc]


def by_kind(kind: str, name: str) -> dict:
    return next(doc for _f, doc in resources() if doc["kind"] == kind and doc["metadata"]["name"] == name)


# ---- the chart's values ------------------------------------------------------------------


def schema_errors(values: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(chart.chart_schema())
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(values)]


def test_values_validate_against_the_charts_schema():
    merged = chart.merge(chart.chart_defaults(), chart.our_values())
    assert schema_errors(merged) == []


def test_the_schema_refuses_what_the_chart_would_refuse():
    values = chart.our_values()
    wrong = chart.merge(chart.chart_defaults(), {**values, "singleuser": {**values["singleuser"], "netwrokPolicy": {}}})
    assert any("netwrokPolicy" in e for e in schema_errors(wrong))
    bad_rule = copy.deepcopy(values)
    bad_rule["singleuser"]["networkPolicy"]["egressAllowRules"]["internet"] = False
    assert any("internet" in e for e in schema_errors(chart.merge(chart.chart_defaults(), bad_rule)))


def test_values_carry_our_wiring_and_nothing_else_of_the_configuration():
    values = chart.our_values()
    hub = values["hub"]
    assert hub["extraEnv"]["CODEMENTOR_PROFILE"] == "kubernetes"
    # the extra config only runs our module's file: no c.<Class> settings of its own
    (source,) = hub["extraConfig"].values()
    assert "jupyterhub_config.py" in source and not re.search(r"\bc\.[A-Z]", source)
    api = by_kind("Service", "codementor-api")
    assert hub["services"]["codementor"]["url"] == f"http://{api['metadata']['name']}:{api['spec']['ports'][0]['port']}"
    assert hub["extraEnv"]["CODEMENTOR_API_SERVICE_URL"] == hub["services"]["codementor"]["url"]
    dash = by_kind("Service", "codementor-dashboards")
    assert hub["services"]["dashboards"]["url"] == f"http://{dash['metadata']['name']}:{dash['spec']['ports'][0]['port']}"
    assert values["cull"]["enabled"] and values["cull"]["timeout"] > 0
    assert chart.untranslated(values["singleuser"]) == set()


def test_student_pods_reach_only_the_hub_the_proxy_dns_and_the_api():
    policy = chart.our_values()["singleuser"]["networkPolicy"]
    assert policy["enabled"]
    rules = policy["egressAllowRules"]
    assert not rules["nonPrivateIPs"] and not rules["privateIPs"] and not rules["cloudMetadataServer"]
    (rule,) = policy["egress"]
    api = by_kind("Deployment", "codementor-api")
    selector = rule["to"][0]["podSelector"]["matchLabels"]
    assert selector.items() <= api["spec"]["template"]["metadata"]["labels"].items()
    assert [p["port"] for p in rule["ports"]] == [api["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"]]


def test_the_hub_environment_has_what_the_charts_configuration_imports():
    """The hub image installs [kubernetes]: the chart's jupyterhub_config.py and our profile need these."""
    import tomllib

    from tornado.httpclient import AsyncHTTPClient

    extra = tomllib.loads((chart.REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["kubernetes"]
    assert any(r.startswith("jupyterhub-kubespawner") for r in extra) and any(r.startswith("pycurl") for r in extra)
    import jupyterhub_idle_culler  # noqa: F401  the chart's culler service
    import kubernetes_asyncio.client  # noqa: F401  the chart's config imports it
    import kubespawner  # noqa: F401
    import nativeauthenticator  # noqa: F401  our sign-up

    default = AsyncHTTPClient.configured_class()
    try:
        AsyncHTTPClient.configure("tornado.curl_httpclient.CurlAsyncHTTPClient")
    finally:
        AsyncHTTPClient.configure(default)


# ---- the manifests -----------------------------------------------------------------------


@pytest.mark.parametrize("name,resource", resources(), ids=lambda v: v if isinstance(v, str) else f"{v['kind']}/{v['metadata']['name']}")
def test_manifest_validates_for_a_current_kubernetes(name, resource):
    assert kubernetes_validate.validate(resource, K8S_VERSION, strict=True) == "1.37"


def test_kubernetes_validate_refuses_a_wrong_manifest():
    deployment = copy.deepcopy(by_kind("Deployment", "codementor-api"))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"httpGet": {"path": "/"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)


def test_api_deployment_is_replicated_probed_confined_and_covered():
    deployment = by_kind("Deployment", "codementor-api")
    assert deployment["spec"]["replicas"] >= 2
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == "/services/codementor/api/v1/health"
    security = container["securityContext"]
    assert pod["securityContext"]["runAsNonRoot"] and security["readOnlyRootFilesystem"]
    assert security["capabilities"]["drop"] == ["ALL"] and security["allowPrivilegeEscalation"] is False
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert pod["automountServiceAccountToken"] is False
    assert {"cpu", "memory"} <= container["resources"]["limits"].keys()
    env = {e["name"]: e for e in container["env"]}
    assert env["JUPYTERHUB_API_TOKEN"]["valueFrom"]["secretKeyRef"] == {"name": "hub", "key": "hub.services.codementor.apiToken"}
    assert env["CODEMENTOR_POD_CONFINEMENT"]["value"]
    labels = deployment["spec"]["selector"]["matchLabels"]
    assert by_kind("PodDisruptionBudget", "codementor-api")["spec"]["selector"]["matchLabels"] == labels
    assert by_kind("Service", "codementor-api")["spec"]["selector"] == labels
    hpa = by_kind("HorizontalPodAutoscaler", "codementor-api")["spec"]
    assert hpa["scaleTargetRef"]["name"] == "codementor-api" and hpa["minReplicas"] >= 2
    job = by_kind("Job", "codementor-migrate")
    steps = job["spec"]["template"]["spec"]
    assert steps["initContainers"][0]["command"] == ["codementor", "db", "upgrade"]
    assert steps["containers"][0]["command"] == ["codementor", "db", "api-role"]  # after every migration
    for container in steps["initContainers"] + steps["containers"]:  # the owner's URL, which the API's pods never get
        env = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e}
        assert env["DATABASE_URL"] == {"name": "codementor-db-owner", "key": "DATABASE_URL"}
    assert "codementor-db-owner" not in str(deployment)


def test_the_api_grades_no_more_jobs_at_once_than_its_pod_can_hold(tmp_path):
    """A container sees the node's CPUs: the ConfigMap sets Grader.concurrency to what the pod's limits allow."""
    from traitlets.config import PyFileConfigLoader

    from codementor.api.app import TutorAPI
    from codementor.api.grader import Grader

    (tmp_path / "api_config.py").write_text(by_kind("ConfigMap", "codementor-api-config")["data"]["api_config.py"])
    config = PyFileConfigLoader("api_config.py", path=str(tmp_path)).load_config()
    api = TutorAPI(config=config)
    grader = Grader(parent=api)
    container = by_kind("Deployment", "codementor-api")["spec"]["template"]["spec"]["containers"][0]
    assert "--config=/etc/codementor/api_config.py" in container["command"]
    limits = container["resources"]["limits"]
    assert grader.concurrency <= int(limits["cpu"])
    assert api.workers == 1  # the default, one worker per core, would count the node's cores
    tmp = next(v for v in by_kind("Deployment", "codementor-api")["spec"]["template"]["spec"]["volumes"] if v["name"] == "tmp")
    memory_mib = int(limits["memory"].removesuffix("Gi")) * 1024
    assert grader.concurrency * grader.memory_limit_mb + int(tmp["emptyDir"]["sizeLimit"].removesuffix("Mi")) < memory_mib


def test_the_example_secret_holds_placeholders_only():
    secret = by_kind("Secret", "codementor-backends")
    assert {"DATABASE_URL", "REDIS_URL", "CODEMENTOR_COOKIE_SECRET"} <= secret["stringData"].keys()
    assert all("CHANGE-ME" in value for value in secret["stringData"].values())


# ---- KubeSpawner builds a student's pod from our configuration ----------------------------


@pytest.fixture
def kubeconfig(tmp_path, monkeypatch):
    """A kubeconfig naming a cluster nobody contacts: KubeSpawner loads one, get_pod_manifest calls nothing."""
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "offline",
        "clusters": [{"name": "offline", "cluster": {"server": "https://127.0.0.1:9"}}],
        "users": [{"name": "offline", "user": {"token": "unused"}}],
        "contexts": [{"name": "offline", "context": {"cluster": "offline", "user": "offline", "namespace": "codementor"}}],
    }))
    monkeypatch.setenv("KUBECONFIG", str(path))
    from kubernetes_asyncio.config import kube_config

    # read from $KUBECONFIG when the module is first imported: set it for an earlier import too
    monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(path))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    return path


@pytest.fixture
def hub_config(monkeypatch):
    """Our jupyterhub_config.py run by the values' hub.extraConfig after the chart's own settings."""
    values = chart.merge(chart.chart_defaults(), chart.our_values())
    for name in ("DATABASE_URL", "REDIS_URL", "CODEMENTOR_LLM_API_KEY", "CODEMENTOR_ANTHROPIC_API_KEY", "CODEMENTOR_OPS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in chart.hub_environment(values, SECRETS).items():
        monkeypatch.setenv(name, value)
    # what the hub container would not have: the secrets a careless config might pass on
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://codementor:db-secret@postgres:5432/codementor")
    monkeypatch.setenv("CODEMENTOR_LLM_API_KEY", "sk-llm-secret")
    c = chart.chart_config(values, SECRETS)
    chart.run_extra_config(values, c)
    return c


async def student_pod(config, name: str = "ana") -> dict:
    from jupyterhub import orm
    from jupyterhub.objects import Hub
    from jupyterhub.user import User
    from kubespawner import KubeSpawner

    db = orm.new_session_factory("sqlite://")()
    orm_user = orm.User(name=name)
    db.add(orm_user)
    db.commit()
    user = User(orm_user, settings={"db": db, "config": config})
    hub = Hub(ip="hub", port=8081, base_url="/hub/", connect_url="http://hub:8081/hub/")
    spawner = KubeSpawner(config=config, user=user, hub=hub, orm_spawner=orm_user.orm_spawners.get("") or orm.Spawner(user=orm_user, name=""))
    spawner.api_token = "the-servers-own-token"
    manifest = await spawner.get_pod_manifest()
    from kubernetes_asyncio.client import ApiClient

    async with ApiClient() as client:
        return client.sanitize_for_serialization(manifest)


async def test_kubespawner_builds_the_student_pod_from_our_configuration(kubeconfig, hub_config):
    pod = await student_pod(hub_config)
    assert kubernetes_validate.validate(pod, K8S_VERSION, strict=True) == "1.37"
    spec = pod["spec"]
    (container,) = spec["containers"]
    values = chart.our_values()["singleuser"]
    assert container["image"] == f"{values['image']['name']}:{values['image']['tag']}"
    # jupyterhub-singleuser (through our command) with our server arguments (security headers, no news, fewer extensions)
    assert container["args"][0] == "codementor-singleuser"
    assert "--LabApp.news_url=" in container["args"] and any("Content-Security-Policy" in a for a in container["args"])
    assert "--ServerApp.jpserver_extensions=jupyter_lsp=False" in container["args"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    # the server extension and the kernel extension find the API through these
    assert env["CODEMENTOR_API_URL"] == "http://codementor-api:10101/services/codementor/api/v1"
    assert env["CODEMENTOR_TIMEZONE"] == "UTC"
    assert env["JUPYTERHUB_API_TOKEN"] == "the-servers-own-token"
    assert set(re.findall(r"[^\s\[\]\",]+", env["JUPYTERHUB_OAUTH_ACCESS_SCOPES"] or "")) >= {"access:servers!server=ana/"}
    # resources from singleuser.cpu / singleuser.memory
    assert container["resources"] == {"limits": {"cpu": 1.0, "memory": 1 << 30}, "requests": {"cpu": 0.1, "memory": 512 << 20}}
    # the security context: our profile's policy plus the chart's uid and no privilege escalation
    security = container["securityContext"]
    assert security["runAsUser"] == 1000 and security["runAsNonRoot"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]} and security["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["securityContext"]["fsGroup"] == 100
    assert spec["automountServiceAccountToken"] is False
    assert {v["persistentVolumeClaim"]["claimName"] for v in spec["volumes"] if "persistentVolumeClaim" in v} == {"claim-ana"}
    # no backend secret reaches a student: no LLM key, no database or Redis URL, no service token
    flat = repr(pod)
    for secret in ("sk-llm-secret", "db-secret", "postgresql", "redis://", *SECRETS.values()):
        assert secret not in flat
    assert not {"DATABASE_URL", "REDIS_URL", "CODEMENTOR_LLM_API_KEY", "CODEMENTOR_METRICS_TOKEN"} & env.keys()


def test_our_configuration_completes_the_charts_services(kubeconfig, hub_config):
    services = {s["name"]: s for s in hub_config.JupyterHub.services}
    assert set(services) == {"jupyterhub-idle-culler", "codementor", "dashboards", "metrics"}
    api = services["codementor"]
    assert api["url"] == "http://codementor-api:10101" and api["api_token"] == SECRETS["hub.services.codementor.apiToken"]
    assert "command" not in api and "environment" not in api and api["oauth_no_confirm"] is True
    assert services["dashboards"]["oauth_client_allowed_scopes"] == ["access:services!service=codementor"]
    roles = {r["name"]: r for r in hub_config.JupyterHub.load_roles}
    assert {"jupyterhub-idle-culler", "user", "codementor-api", "instructor", "metrics"} <= roles.keys()
    assert hub_config.JupyterHub.authenticator_class == "codementor.hub_config.classroom.ClassroomAuthenticator"
    assert hub_config.JupyterHub.tornado_settings["slow_spawn_timeout"] == 0  # the chart's, kept
    assert "Content-Security-Policy" in hub_config.JupyterHub.tornado_settings["headers"]


def test_a_missing_service_in_the_values_is_one_clear_line(kubeconfig, monkeypatch):
    values = chart.merge(chart.chart_defaults(), chart.our_values())
    del values["hub"]["services"]["dashboards"]
    for name, value in chart.hub_environment(values, SECRETS).items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit, match="hub.services.dashboards is missing"):
        chart.run_extra_config(values, chart.chart_config(values, SECRETS))


# ---- the grader in an unprivileged pod -----------------------------------------------------

PEEK = '''
import os
def sum_of_evens(numbers):
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    if b"postgresql://codementor:pod-secret" in f.read():
                        return "FOUND"
            except OSError:
                pass
    return "NONE"
'''
RUN_AS_POD = '''
import asyncio, json, sys
from codementor.api.grader import Grader
from codementor.exercise_bank import Bank
async def main():
    # Landlock off: it keeps a job out of /proc as well, and this checks the guard alone (tests/test_landlock.py checks Landlock)
    grader = Grader(python=sys.argv[1], guard_api_process=sys.argv[2] == "1", concurrency=1, landlock=False)
    await grader.start()
    try:
        result = await grader.grade(Bank(sys.argv[4]).get("sum-of-evens"), sys.argv[3])
        print(json.dumps({"report": grader.isolation_report(), "feedback": [t.message for t in result.tests if not t.hidden]}))
    finally:
        await grader.aclose()
asyncio.run(main())
'''


def grade_as_pod(guard: bool) -> dict:
    """Grade PEEK in a grader running as a non-root uid, with a secret in its environment, as in the API pod."""
    import json
    import shutil

    python = shutil.which("python3", path="/usr/bin:/usr/local/bin") or sys.executable
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": "postgresql://codementor:pod-secret@postgres/codementor",
           "CODEMENTOR_POD_CONFINEMENT": "Kubernetes pod: test", "HOME": "/tmp",
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    # the job's own copy of the exercise: the classroom profile closes the bundled bank to other uids
    bank = Path(tempfile.mkdtemp(prefix="codementor-pod-bank-"))
    shutil.copytree(Bank().root / "sum-of-evens", bank / "sum-of-evens")
    for folder in (bank, bank / "sum-of-evens"):
        folder.chmod(0o755)
        for item in folder.iterdir():
            item.chmod(0o755 if item.is_dir() else 0o644)
    try:
        out = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c", RUN_AS_POD, python,
             "1" if guard else "0", PEEK, str(bank)],
            env=env, capture_output=True, text=True, timeout=120, cwd="/tmp",
        )
    finally:
        shutil.rmtree(bank)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(os.geteuid() != 0 or not Path("/usr/bin/setpriv").exists(), reason="needs root to become an unprivileged uid")
def test_a_job_in_an_unprivileged_pod_cannot_read_the_apis_environment():
    reachable = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c", "import codementor.api.grader"],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}, capture_output=True, text=True, cwd="/tmp",
    )
    if reachable.returncode != 0:
        pytest.skip("uid 65534 cannot run this checkout's Python: " + reachable.stderr.strip()[-200:])
    guarded = grade_as_pod(guard=True)
    assert {m.split(",")[0] for m in guarded["feedback"]} == {"returned 'NONE'"}
    report = guarded["report"]
    assert report["pod"] == "declared by the operator, not checked by the grader: Kubernetes pod: test"
    assert report["api_process"].startswith("not dumpable")
    assert report["uid"].startswith("FALLBACK") and report["uid"].endswith("(the pod's confinement applies: see `pod`)")
    # the control: without the guard the same job finds the database password
    assert {m.split(",")[0] for m in grade_as_pod(guard=False)["feedback"]} == {"returned 'FOUND'"}


# ---- the external services' environments against a real Hub --------------------------------


def deployment_env(name: str, replace: dict[str, str], secrets: dict[str, str]) -> dict[str, str]:
    """A Deployment's container environment, its Hub addresses pointed at the test Hub, secrets filled in."""
    (container,) = by_kind("Deployment", name)["spec"]["template"]["spec"]["containers"]
    env = {"PATH": os.environ["PATH"]}
    for item in container["env"]:
        value = item.get("value")
        if value is None:
            value = secrets[item["valueFrom"]["secretKeyRef"]["key"]]
        for old, new in replace.items():
            value = value.replace(old, new)
        env[item["name"]] = value
    return env


def start_service(argv: list[str], env: dict, log: Path):
    with log.open("wb") as out:
        return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=env.get("HOME", "/tmp"))


@pytest.mark.e2e
def test_the_external_services_environments_work_with_a_real_hub(stack, hub, tmp_path):
    """The API and the dashboards started with exactly their Deployments' JUPYTERHUB_* settings answer as services."""
    import httpx

    from codementor.hub_config.stack import free_port, wait_for

    api_port, dash_port = free_port(), free_port()
    replace = {"http://hub:8081": f"http://127.0.0.1:{stack.hub_api_port}", "http://0.0.0.0:10101": f"http://127.0.0.1:{api_port}",
               "http://0.0.0.0:10102": f"http://127.0.0.1:{dash_port}", "http://codementor-api:10101": f"http://127.0.0.1:{api_port}",
               "/home/codementor": str(tmp_path)}
    token = {"hub.services.codementor.apiToken": stack.ops_token, "hub.services.dashboards.apiToken": stack.ops_token}
    api_env = deployment_env("codementor-api", replace, token) | {"DATABASE_URL": stack.database_url, "REDIS_URL": stack.redis_url}
    (tmp_path / "api_config.py").write_text(by_kind("ConfigMap", "codementor-api-config")["data"]["api_config.py"])
    api = start_service([str(Path(sys.executable).parent / "codementor"), "api", "--ip=127.0.0.1", f"--config={tmp_path / 'api_config.py'}"],
                        api_env, tmp_path / "api.log")
    dash_config = Path(__import__("codementor.dashboards", fromlist=["x"]).__file__).parent / "server_config.py"
    dash = start_service([str(Path(sys.executable).parent / "jupyterhub-singleuser"), f"--config={dash_config}"],
                         deployment_env("codementor-dashboards", replace, token), tmp_path / "dashboards.log")
    try:
        base = f"http://127.0.0.1:{api_port}/services/codementor/api/v1"
        wait_for(lambda: httpx.get(f"{base}/health").status_code == 200, "the API with its Deployment's environment", alive=lambda: api.poll() is None)
        hub.create_user("k8s-ana")
        me = httpx.get(f"{base}/me", headers={"Authorization": f"token {hub.user_token('k8s-ana')}"})
        assert me.status_code == 200 and me.json()["name"] == "k8s-ana"
        assert httpx.get(f"{base}/me", headers={"Authorization": "token not-a-token"}).status_code in (401, 403)
        # the dashboards send a visitor without a login to the Hub's OAuth, as client service-dashboards
        page = wait_for(lambda: httpx.get(f"http://127.0.0.1:{dash_port}/services/dashboards/voila/render/overview.ipynb"),
                        "the dashboards with their Deployment's environment", alive=lambda: dash.poll() is None)
        assert page.status_code == 302 and "client_id=service-dashboards" in page.headers["location"]
    finally:
        for proc in (api, dash):
            proc.terminate()
            proc.wait(timeout=20)


def test_only_the_api_image_keeps_the_bank():
    """The wheel carries every reference solution and hidden test; a student's server must not hold them on disk."""
    dockerfile = (chart.DEPLOY / "Dockerfile").read_text()
    stages = dict(re.findall(r"^FROM \S+ AS (\w+)\n(.*?)(?=^FROM |\Z)", dockerfile, re.M | re.S))
    removal = "rm -rf /opt/codementor/lib/python3.*/site-packages/codementor/exercise_bank/exercises"
    for stage in ("student", "hub", "dashboards"):
        run = stages[stage]
        assert removal in run and run.index("pip install") < run.index(removal), stage
    assert removal not in stages["api"]  # the API serves the bank it ships with
