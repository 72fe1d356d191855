"""deploy/kubernetes against the real definitions, without a cluster: every object strictly against the
official Kubernetes JSON schemas (kubernetes-validate ships them; an unknown or misspelt field fails), the
base as kustomize renders it, and the gateway's Envoy config, built from the Kubernetes environment the way
`python -m gateway` builds it in the pod, through `envoy --mode validate`.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, cast

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml
from kubernetes_validate import utils as kubernetes_validate_utils

from gateway.envoy_config import build_config, write_config
from gateway.settings import GatewaySettings
from tests.support import free_port, wait_until
from tests.unit.test_deploy_manifests import (
    K8S,
    SECRET_EXAMPLE,
    WORKLOAD_KINDS,
    Doc,
    container_ports,
    headless_services,
    k8s_env_values,
    kustomization,
    listen_port,
    load_all,
    main_container,
    probes,
    resources,
)

# The oldest Kubernetes the base needs (StatefulSet PVC retention, PDB unhealthyPodEvictionPolicy and
# topology spread matchLabelKeys are on by default from 1.27) and the newest the validator knows.
OLDEST_KUBERNETES = "1.27"
KUBERNETES_VERSIONS = (OLDEST_KUBERNETES, kubernetes_validate_utils.latest_version())
DESCRIPTOR = GatewaySettings().gateway_descriptor
ENVOY = Path(sys.executable).parent / "envoy"


def validate(doc: Doc, version: str) -> None:
    kubernetes_validate.validate(doc, version, strict=True)


def raw_documents() -> list[Doc]:
    """Every object in the base plus the Secret example (which is applied by hand, if at all)."""
    return [*resources(), *load_all(SECRET_EXAMPLE)]


def label(doc: Doc) -> str:
    return f"{doc['kind']}/{doc['metadata']['name']}"


def rendered() -> list[Doc]:
    """`kubectl kustomize deploy/kubernetes` (kubectl's built-in kustomize, no cluster needed)."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        if os.environ.get("CI") == "true":
            pytest.fail("kubectl is missing: the rendered kustomization cannot be checked")
        pytest.skip("kubectl is not installed: the rendered kustomization is not checked")
    result = subprocess.run(
        [kubectl, "kustomize", str(K8S)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return [cast(Doc, doc) for doc in yaml.safe_load_all(result.stdout) if doc is not None]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_is_valid_against_the_kubernetes_schemas(version: str) -> None:
    failures = []
    for doc in raw_documents():
        try:
            validate(doc, version)
        except Exception as exc:  # ValidationError, or no schema for an apiVersion that does not exist
            failures.append(f"{label(doc)}: {type(exc).__name__}: {str(exc)[:800]}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_the_rendered_kustomization_is_valid_against_the_kubernetes_schemas(version: str) -> None:
    failures = []
    for doc in rendered():
        try:
            validate(doc, version)
        except Exception as exc:
            failures.append(f"{label(doc)}: {type(exc).__name__}: {str(exc)[:800]}")
    assert not failures, "\n".join(failures)


def test_the_validation_is_strict() -> None:
    """The validator rejects what a cluster would reject: an unknown field, a wrong type, a field newer
    than the oldest supported Kubernetes."""
    statefulset = next(doc for doc in resources() if doc["kind"] == "StatefulSet")
    validate(statefulset, OLDEST_KUBERNETES)
    misspelt = copy.deepcopy(statefulset)
    misspelt["spec"]["template"]["spec"]["containers"][0]["securityContext"]["runAsNonRot"] = True
    wrong_type = copy.deepcopy(statefulset)
    wrong_type["spec"]["replicas"] = "two"
    too_new = copy.deepcopy(statefulset)  # the preStop sleep action arrived in 1.29
    too_new["spec"]["template"]["spec"]["containers"][0]["lifecycle"]["preStop"] = {"sleep": {"seconds": 5}}
    for broken in (misspelt, wrong_type, too_new):
        with pytest.raises(kubernetes_validate.ValidationError):
            validate(broken, OLDEST_KUBERNETES)


def test_kustomize_renders_every_object_with_the_generated_hooks() -> None:
    objects = rendered()
    names = {(doc["kind"], doc["metadata"]["name"]) for doc in objects}
    raw = {(doc["kind"], doc["metadata"]["name"]) for doc in resources()}
    (config_map,) = (doc for doc in objects if doc["kind"] == "ConfigMap")
    assert names == raw | {("ConfigMap", config_map["metadata"]["name"])}
    (generator,) = kustomization()["configMapGenerator"]
    assert config_map["metadata"]["name"].startswith(generator["name"] + "-"), "the name carries a hash"
    assert config_map["data"]["prestop.py"] == (K8S / "prestop.py").read_text()
    for doc in objects:
        assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "aicmo", label(doc)
        if doc["kind"] in ("Deployment", "StatefulSet"):
            for volume in doc["spec"]["template"]["spec"].get("volumes", []):
                if "configMap" in volume:
                    assert volume["configMap"]["name"] == config_map["metadata"]["name"], label(doc)


# --- the gateway's Envoy config as the Kubernetes pod renders it ---------------------------------------------

needs_descriptor = pytest.mark.skipif(not DESCRIPTOR.exists(), reason="run `make protos` first")


def kubernetes_gateway_settings(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> GatewaySettings:
    """GatewaySettings from the environment gateway.yaml gives the container (the data dir moved here)."""
    for name in list(os.environ):
        if name.startswith("AICMO_"):
            monkeypatch.delenv(name)
    for name, value in k8s_env_values(main_container("gateway")).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AICMO_DATA_DIR", str(data_dir))
    return GatewaySettings()


def clusters(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {cluster["name"]: cluster for cluster in config["static_resources"]["clusters"]}


@needs_descriptor
def test_the_kubernetes_gateway_resolves_and_balances_over_every_replica(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = kubernetes_gateway_settings(monkeypatch, tmp_path)
    found = clusters(build_config(settings, DESCRIPTOR, tmp_path))
    assert set(found) == {"memory", "generator", "envoy_admin"}  # the admin: for the probes' listener
    del found["envoy_admin"]
    for name, cluster in found.items():
        # STRICT_DNS: every address the name resolves to is a host; round robin over them (the default).
        assert cluster["type"] == "STRICT_DNS", name
        assert cluster.get("lb_policy", "ROUND_ROBIN") == "ROUND_ROBIN", name
        (group,) = cluster["load_assignment"]["endpoints"]
        (endpoint,) = group["lb_endpoints"]
        address = endpoint["endpoint"]["address"]["socket_address"]
        target = k8s_env_values(main_container("gateway"))[f"AICMO_{name.upper()}_TARGET"]
        assert f"{address['address']}:{address['port_value']}" == target, name
        assert headless_services(name)[address["address"]] is False, "ready pods only"
        assert address["port_value"] == listen_port(name, k8s_env_values(main_container(name)), [])
        # HTTP/2 to each host: gRPC.
        options = cluster["typed_extension_protocol_options"]
        assert "http2_protocol_options" in next(iter(options.values()))["explicit_http_config"], name
    listener = config_listener_port(build_config(settings, DESCRIPTOR, tmp_path))
    assert listener == int(main_container("gateway")["ports"][0]["containerPort"])


def config_listener_port(config: dict[str, Any], name: str = "rest") -> int:
    (listener,) = (found for found in config["static_resources"]["listeners"] if found["name"] == name)
    return int(listener["address"]["socket_address"]["port_value"])


@needs_descriptor
def test_envoy_accepts_the_kubernetes_gateway_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = kubernetes_gateway_settings(monkeypatch, tmp_path)
    config = write_config(settings, DESCRIPTOR)
    result = subprocess.run(
        [str(ENVOY), "--mode", "validate", "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "configuration" in (result.stdout + result.stderr).lower()


def test_the_rendered_base_probes_processes_themselves_and_routes_to_ready_pods_only() -> None:
    """As `kubectl kustomize` renders it: no probe is a TCP check, no Service publishes pods that are not
    ready."""
    objects = rendered()
    for doc in objects:
        if doc["kind"] in WORKLOAD_KINDS:
            spec = doc["spec"]["template"]["spec"]
            for container in spec["containers"]:
                assert {"readinessProbe", "livenessProbe"} <= probes(container).keys(), label(doc)
            for container in [*spec.get("initContainers", []), *spec["containers"]]:
                for kind, (handler, _) in probes(container).items():
                    assert handler in ("grpc", "httpGet"), f"{label(doc)} {kind}: {handler}"
        if doc["kind"] == "Service":
            assert doc["spec"].get("publishNotReadyAddresses", False) is False, label(doc)


@needs_descriptor
def test_the_gateway_health_listener_answers_ready_from_envoy_itself(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Envoy run with the Kubernetes config (its ports moved to free ones, its upstreams unresolvable, as
    before the services are up): GET /ready on the health port is Envoy's own 200; nothing else of the
    admin is reachable there."""
    settings = kubernetes_gateway_settings(monkeypatch, tmp_path)
    assert settings.gateway_health_port == container_ports(main_container("gateway"))["health"]
    settings = settings.model_copy(
        update={"bind_host": "127.0.0.1", "gateway_port": free_port(), "gateway_admin_port": free_port(),
                "gateway_health_port": free_port()}
    )  # fmt: skip
    config = write_config(settings, DESCRIPTOR)
    envoy = subprocess.Popen(
        [str(ENVOY), "-c", str(config), "--disable-hot-restart", "--log-level", "error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    health = f"http://127.0.0.1:{settings.gateway_health_port}"

    def status(url: str, method: str = "GET") -> int:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as err:
            return int(err.code)
        except OSError:
            return 0

    try:
        wait_until(lambda: status(f"{health}/ready") == 200, 60, interval=0.2, what="Envoy's /ready")
        assert status(f"{health}/stats") == 404
        assert status(f"{health}/quitquitquit", "POST") == 404
        assert status(f"{health}/ready", "POST") == 404
        assert envoy.poll() is None
    finally:
        envoy.terminate()
        envoy.wait(30)
