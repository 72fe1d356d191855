"""deploy/kubernetes/tls, the Component that turns mutual TLS on: its patches, merged into the base's
workloads the way kustomize's strategic merge does (lists of named things merge by name), give workloads
that are valid against the Kubernetes schemas, set only real settings, mount the Secret, and probe the
plaintext health-only ports while the gRPC ports are TLS only."""

from __future__ import annotations

import copy
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
from kubernetes_validate import utils as kubernetes_validate_utils

from tests.unit.test_deploy_manifests import ACCEPTED_ENV, K8S, Doc, load_all, workloads

TLS = K8S / "tls"
HEALTH_PORTS = {"memory": 50062, "generator": 50061}
_KEYED = {"containers", "env", "ports", "volumeMounts", "volumes"}


def merge(base: Any, patch: Any, key: str = "") -> Any:
    """A strategic merge as kustomize does for these fields: maps merge, named lists merge by name."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for k, v in patch.items():
            merged[k] = merge(base[k], v, k) if k in base else copy.deepcopy(v)
        return merged
    if isinstance(base, list) and isinstance(patch, list) and key in _KEYED:
        merged_list = [copy.deepcopy(item) for item in base]
        for item in patch:
            names = [i.get("name") for i in merged_list]
            if item.get("name") in names:
                index = names.index(item["name"])
                merged_list[index] = merge(merged_list[index], item)
            else:
                merged_list.append(copy.deepcopy(item))
        return merged_list
    return copy.deepcopy(patch)


def patched() -> dict[str, Doc]:
    component = load_all(TLS / "kustomization.yaml")[0]
    assert component["kind"] == "Component"
    base = workloads()
    result: dict[str, Doc] = {}
    for entry in component["patches"]:
        (patch,) = load_all(TLS / entry["path"])
        name = patch["metadata"]["name"]
        assert base[name]["kind"] == patch["kind"], name
        result[name] = merge(base[name], patch)
    return result


def _container(workload: Doc, name: str) -> Doc:
    containers = workload["spec"]["template"]["spec"]["containers"]
    found: Doc = next(c for c in containers if c["name"] == name)
    return found


@pytest.mark.parametrize("version", ["1.27", kubernetes_validate_utils.latest_version()])
def test_the_patched_workloads_are_valid(version: str) -> None:
    for doc in [*patched().values(), *load_all(TLS / "secret.example.yaml")]:
        kubernetes_validate.validate(doc, version, strict=True)


def test_every_grpc_party_gets_mutual_tls_from_the_mounted_secret() -> None:
    for name, workload in patched().items():
        container = _container(workload, name)
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env["AICMO_TLS_CLIENT_AUTH"] == "true"
        for variable in ("AICMO_TLS_CERT_FILE", "AICMO_TLS_KEY_FILE", "AICMO_TLS_CA_FILE"):
            assert env[variable].startswith("/etc/aicmo/tls/"), (name, variable)
        for variable in env:
            assert variable in ACCEPTED_ENV[name], f"{name}: {variable} is not a setting"
        mounts = {m["name"]: m for m in container["volumeMounts"]}
        assert mounts["tls"]["mountPath"] == "/etc/aicmo/tls" and mounts["tls"]["readOnly"]
        volumes = {v["name"]: v for v in workload["spec"]["template"]["spec"]["volumes"]}
        assert volumes["tls"]["secret"]["secretName"] == "aicmo-tls"


def test_probes_ask_the_plaintext_health_port() -> None:
    for name, port in HEALTH_PORTS.items():
        container = _container(patched()[name], name)
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env[f"AICMO_{name.upper()}_HEALTH_PORT"] == str(port)
        probes = [container[k] for k in ("startupProbe", "readinessProbe", "livenessProbe") if k in container]
        assert probes and all(p["grpc"]["port"] == port for p in probes), name
        assert {"name": "health", "containerPort": port} in container["ports"]
