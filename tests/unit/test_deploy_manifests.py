"""deploy/ checked statically: compose, the Kubernetes base, and their agreement with the services' settings.

No Docker engine or cluster runs here, so these tests parse every YAML document and check what a wrong
edit would break: a probe on a port nothing listens on, a Service selecting no pod, an environment
variable no service reads, a secret committed in a manifest, a file missing from the kustomization.
The scaling and isolation objects (StatefulSet, PodDisruptionBudgets, HorizontalPodAutoscalers,
NetworkPolicies) are checked for what they mean; tests/unit/test_deploy_schemas.py validates every object
strictly against the Kubernetes schemas and the gateway's Kubernetes Envoy config through Envoy itself.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from pydantic import AliasChoices, SecretStr
from pydantic_settings import BaseSettings
from sqlalchemy import make_url

from gateway.settings import GatewaySettings
from services.common.server import DRAIN_SECONDS, LIVENESS_SERVICE
from services.common.settings import CommonSettings
from services.generator.settings import GeneratorSettings
from services.launcher import StackSettings
from services.memory.settings import MemorySettings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "kubernetes"
COMPOSE_FILE = DEPLOY / "compose.yaml"
SECRET_EXAMPLE = K8S / "secret.example.yaml"

Doc = dict[str, Any]

APP_SERVICES = ("memory", "generator", "gateway", "ui")
GRPC_SERVICES = ("memory", "generator")
# What each process is started with (compose and Kubernetes alike).
COMMANDS = {
    "memory": ["python", "-m", "services.memory"],
    "generator": ["python", "-m", "services.generator"],
    "gateway": ["python", "-m", "gateway"],
}
UI_COMMAND_PREFIX = ["python", "-m", "streamlit", "run", "ui/app.py"]
# The settings field holding each process's listening port; the UI takes --server.port instead.
PORT_FIELDS: dict[str, tuple[type[BaseSettings], str]] = {
    "memory": (MemorySettings, "memory_port"),
    "generator": (GeneratorSettings, "generator_port"),
    "gateway": (GatewaySettings, "gateway_port"),
}
# The values that must come from a Secret (Kubernetes) or deploy/.env (compose), never a manifest.
SECRET_VARIABLES = ("AICMO_MEMORY_DB", "AICMO_AUTH_KEYS", "AICMO_ADMIN_PASSWORD", "OPENAI_API_KEY")
# LearningSpool.stop() waits this long for the delivery thread after the gRPC grace period.
SPOOL_FLUSH_SECONDS = 5.0


def env_names(settings: type[BaseSettings]) -> set[str]:
    """The environment variable names a settings class reads (prefix + field name, or its aliases)."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    names: set[str] = set()
    for field_name, field in settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names |= {choice.upper() for choice in alias.choices if isinstance(choice, str)}
        elif isinstance(alias, str):
            names.add(alias.upper())
        else:
            names.add(f"{prefix}{field_name}".upper())
    return names


# The UI's settings are its own (it only talks to the gateway; people sign in): the gateway URL.
ACCEPTED_ENV: dict[str, set[str]] = {
    "memory": env_names(MemorySettings),
    "generator": env_names(GeneratorSettings),
    "gateway": env_names(GatewaySettings),
    "ui": {"AICMO_GATEWAY_URL"},
}


def is_setting_name(name: str) -> bool:
    return name.startswith(("AICMO_", "OPENAI_"))


@functools.cache
def load_all(path: Path) -> list[Doc]:
    """Every document of a YAML file (parsed once per run: callers must not change what they get)."""
    docs = [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]
    for doc in docs:
        assert isinstance(doc, dict), f"{path.name}: a YAML document is not a mapping"
    return cast(list[Doc], docs)


def k8s_files() -> list[Path]:
    return sorted(K8S.glob("*.yaml"))


def kustomization() -> Doc:
    return load_all(K8S / "kustomization.yaml")[0]


def resources() -> list[Doc]:
    """Every object the kustomization applies."""
    docs: list[Doc] = []
    for name in kustomization()["resources"]:
        docs += load_all(K8S / name)
    return docs


def of_kind(kind: str) -> dict[str, Doc]:
    return {doc["metadata"]["name"]: doc for doc in resources() if doc["kind"] == kind}


# The kinds that run the processes: Deployments, and the generator's StatefulSet.
WORKLOAD_KINDS = ("Deployment", "StatefulSet")


def workloads() -> dict[str, Doc]:
    found: dict[str, Doc] = {}
    for kind in WORKLOAD_KINDS:
        for name, doc in of_kind(kind).items():
            assert name not in found, f"two workloads named {name}"
            found[name] = doc
    return found


def pod_spec(deployment: Doc) -> Doc:
    return cast(Doc, deployment["spec"]["template"]["spec"])


def pod_labels(workload: Doc) -> dict[str, str]:
    return cast(dict[str, str], workload["spec"]["template"]["metadata"]["labels"])


def main_container(name: str) -> Doc:
    containers = pod_spec(workloads()[name])["containers"]
    assert len(containers) == 1, f"{name}: one container per pod"
    return cast(Doc, containers[0])


def k8s_env(container: Doc) -> dict[str, Doc]:
    return {entry["name"]: entry for entry in container.get("env", [])}


def k8s_env_values(container: Doc) -> dict[str, str]:
    return {name: str(entry["value"]) for name, entry in k8s_env(container).items() if "value" in entry}


def container_ports(container: Doc) -> dict[str, int]:
    return {port["name"]: int(port["containerPort"]) for port in container["ports"]}


def resolve_port(container: Doc, port: int | str) -> int:
    """A probe's or Service's port (a number or a containerPort name) as the number, which must exist."""
    ports = container_ports(container)
    if isinstance(port, str):
        assert port in ports, f"{container['name']}: no containerPort named {port!r}"
        return ports[port]
    assert port in ports.values(), f"{container['name']}: port {port} is not a containerPort"
    return port


def listen_port(service: str, env: Mapping[str, str | None], command: list[str]) -> int:
    """The port the process will listen on: its AICMO_*_PORT, else the settings default."""
    if service == "ui":
        return int(command[command.index("--server.port") + 1])
    settings, field = PORT_FIELDS[service]
    value = env.get(f"AICMO_{field.upper()}")
    return int(value) if value is not None else int(settings.model_fields[field].default)


def compose() -> Doc:
    return load_all(COMPOSE_FILE)[0]


def compose_env(service: Doc) -> dict[str, str | None]:
    environment = service.get("environment", {})
    if isinstance(environment, list):
        pairs = [str(item).partition("=") for item in environment]
        return {key: value if sep else None for key, sep, value in pairs}
    return {str(k): None if v is None else str(v) for k, v in environment.items()}


# --- every file parses ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [COMPOSE_FILE, *k8s_files()], ids=lambda p: p.name)
def test_every_yaml_document_parses(path: Path) -> None:
    docs = load_all(path)
    assert docs, f"{path.name} holds no document"
    if path.parent == K8S and path.name != "kustomization.yaml":
        for doc in docs:
            assert {"apiVersion", "kind", "metadata"} <= doc.keys()
            assert doc["metadata"].get("name")


def test_no_yaml_file_is_left_unchecked() -> None:
    found = {p.relative_to(DEPLOY) for p in DEPLOY.rglob("*") if p.suffix in (".yaml", ".yml")}
    # deploy/observability is checked by tests/unit/test_observability_deploy.py.
    observability = {p.relative_to(DEPLOY) for p in (DEPLOY / "observability").glob("*.yaml")}
    # deploy/kubernetes/tls (the TLS Component) is checked by tests/unit/test_deploy_tls.py.
    tls = {p.relative_to(DEPLOY) for p in (K8S / "tls").glob("*.yaml")}
    checked = {p.relative_to(DEPLOY) for p in [COMPOSE_FILE, *k8s_files()]} | observability | tls
    assert found == checked


# --- compose --------------------------------------------------------------------------------------------


def test_compose_has_postgres_and_every_process() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", *APP_SERVICES}
    assert services["postgres"]["image"].startswith("pgvector/pgvector:")


def test_compose_depends_on_is_consistent_and_acyclic() -> None:
    services = compose()["services"]
    graph: dict[str, set[str]] = {}
    for name, service in services.items():
        depends = service.get("depends_on", {})
        targets = depends if isinstance(depends, list) else list(depends)
        for target in targets:
            assert target in services, f"{name} depends on unknown service {target}"
            assert target != name
            if isinstance(depends, dict):
                condition = depends[target]["condition"]
                assert condition == "service_healthy", f"{name} -> {target}: wait for health"
                assert "healthcheck" in services[target], f"{target} has no healthcheck to wait for"
        graph[name] = set(targets)
    # Kahn's algorithm: everything can be started in some order.
    order: list[str] = []
    ready = [name for name, deps in graph.items() if not deps]
    while ready:
        node = ready.pop()
        order.append(node)
        for name, deps in graph.items():
            if node in deps:
                deps.discard(node)
                if not deps and name not in order and name not in ready:
                    ready.append(name)
    assert sorted(order) == sorted(services), "depends_on has a cycle"
    assert order[0] == "postgres"


def test_compose_start_order_follows_who_calls_whom() -> None:
    services = compose()["services"]

    def depends(name: str) -> set[str]:
        return set(services[name].get("depends_on", {}))

    assert depends("memory") == {"postgres"}
    assert "memory" in depends("generator")
    assert {"generator", "memory"} <= depends("gateway")
    assert "gateway" in depends("ui")


def test_compose_every_service_has_a_healthcheck_on_its_own_port() -> None:
    services = compose()["services"]
    for name in APP_SERVICES:
        service = services[name]
        test = service["healthcheck"]["test"]
        assert test[0] in ("CMD", "CMD-SHELL")
        command = " ".join(test[1:])
        port = listen_port(name, compose_env(service), service["command"])
        assert f"127.0.0.1:{port}" in command or f"'127.0.0.1', {port}" in command, name
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    for name in GRPC_SERVICES:
        # The gRPC health check must compare the status, not just get an answer.
        assert "SERVING" in " ".join(services[name]["healthcheck"]["test"])


def test_compose_runs_each_process_with_its_command_and_the_one_image() -> None:
    services = compose()["services"]
    for name, command in COMMANDS.items():
        assert services[name]["command"] == command
    assert services["ui"]["command"][: len(UI_COMMAND_PREFIX)] == UI_COMMAND_PREFIX
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1
    for name in APP_SERVICES:
        build = services[name]["build"]
        context = (DEPLOY / build["context"]).resolve()
        assert context == ROOT, "the build context is the repository root"
        assert (context / build["dockerfile"]).is_file()


def test_compose_containers_are_locked_down() -> None:
    services = compose()["services"]
    for name in APP_SERVICES:
        service = services[name]
        assert service["read_only"] is True, name
        assert "/tmp" in service["tmpfs"], name
        assert "ALL" in service["cap_drop"], name
        assert "no-new-privileges:true" in service["security_opt"], name


def test_compose_volumes_are_declared_and_the_spool_is_persistent() -> None:
    doc = compose()
    declared = set(doc.get("volumes", {}))
    used: set[str] = set()
    for service in doc["services"].values():
        for volume in service.get("volumes", []):
            source = str(volume).split(":")[0]
            if not source.startswith((".", "/")):
                used.add(source)
    assert used == declared
    generator = doc["services"]["generator"]
    data_dir = compose_env(generator)["AICMO_DATA_DIR"]
    mounts = {str(v).split(":")[1]: str(v).split(":")[0] for v in generator["volumes"]}
    assert mounts.get(str(data_dir)) in declared, "the generator spool must be on a named volume"
    assert any(str(v).endswith(":/var/lib/postgresql/data") for v in doc["services"]["postgres"]["volumes"])


def test_compose_gateway_can_write_its_rendered_config() -> None:
    gateway = compose()["services"]["gateway"]
    data_dir = compose_env(gateway)["AICMO_DATA_DIR"]
    assert f"{data_dir}/gateway" in gateway["tmpfs"]


def test_compose_secrets_come_from_the_env_file() -> None:
    services = compose()["services"]
    for name in APP_SERVICES:
        env = compose_env(services[name])
        for variable in SECRET_VARIABLES:
            if variable in env:
                value = env[variable]
                assert value is None or "${" in value, f"{name}: {variable} is written in compose.yaml"
    # The memory URL is a Postgres URL the memory service accepts, pointing at the compose Postgres.
    url = compose_env(services["memory"])["AICMO_MEMORY_DB"]
    assert url is not None
    concrete = re.sub(r"\$\{[^}]*\}", "secret", url)
    settings = MemorySettings(memory_db=SecretStr(concrete))
    assert settings.sqlalchemy_url is not None
    assert make_url(settings.sqlalchemy_url).host == "postgres"
    postgres_env = services["postgres"]["environment"]
    assert make_url(concrete).username == postgres_env["POSTGRES_USER"]
    assert make_url(concrete).database == postgres_env["POSTGRES_DB"]


def test_compose_publishes_the_ports_make_run_uses() -> None:
    services = compose()["services"]
    published = {
        name: [str(p) for p in services[name].get("ports", [])] for name in ("postgres", *APP_SERVICES)
    }
    gateway_port = int(StackSettings.model_fields["gateway_port"].default)
    ui_port = int(StackSettings.model_fields["ui_port"].default)
    assert published["gateway"] == [f"127.0.0.1:{gateway_port}:{gateway_port}"]
    assert published["ui"] == [f"127.0.0.1:{ui_port}:{ui_port}"]
    for name in ("postgres", "memory", "generator"):
        assert published[name] == [], f"{name} is reached inside the compose network only"


# --- Kubernetes: the kustomization ------------------------------------------------------------------------


def test_kustomization_lists_every_manifest_except_the_secret_example() -> None:
    listed = kustomization()["resources"]
    assert len(listed) == len(set(listed))
    on_disk = {p.name for p in k8s_files()} - {"kustomization.yaml", SECRET_EXAMPLE.name}
    assert set(listed) == on_disk
    assert SECRET_EXAMPLE.name not in listed


def test_every_other_file_in_the_base_feeds_a_config_map_generator() -> None:
    generated = {
        str(entry).split("=")[-1]
        for generator in kustomization().get("configMapGenerator", [])
        for entry in generator.get("files", [])
    }
    others = {p.name for p in K8S.iterdir() if p.is_file() and p.suffix != ".yaml"}
    assert generated == others
    for name in generated:
        assert (K8S / name).is_file()


def test_one_file_per_service_with_its_account_workload_and_service() -> None:
    for name in APP_SERVICES:
        kinds = {(doc["kind"], doc["metadata"]["name"]) for doc in load_all(K8S / f"{name}.yaml")}
        assert ("ServiceAccount", name) in kinds and ("Service", name) in kinds, name
        assert {(kind, name) for kind in WORKLOAD_KINDS} & kinds, f"{name}: no Deployment or StatefulSet"


# --- Kubernetes: workloads --------------------------------------------------------------------------------


def test_every_workload_runs_its_process_from_the_one_image() -> None:
    assert set(workloads()) == set(APP_SERVICES)
    images = {main_container(name)["image"] for name in APP_SERVICES}
    assert len(images) == 1
    for name, command in COMMANDS.items():
        assert main_container(name)["command"] == command
    assert main_container("ui")["command"][: len(UI_COMMAND_PREFIX)] == UI_COMMAND_PREFIX
    compose_services = compose()["services"]
    for name in APP_SERVICES:
        assert main_container(name)["command"] == compose_services[name]["command"], name


def test_every_workload_selects_its_own_pods() -> None:
    for name, workload in workloads().items():
        selector = workload["spec"]["selector"]["matchLabels"]
        assert selector == {"app": name}, name
        assert selector.items() <= pod_labels(workload).items(), name


PROBE_KINDS = ("startupProbe", "readinessProbe", "livenessProbe")


def probes(container: Doc) -> dict[str, tuple[str, Doc]]:
    """A container's probes: kind -> (handler, its settings)."""
    found: dict[str, tuple[str, Doc]] = {}
    for kind in PROBE_KINDS:
        if kind in container:
            handlers = {"grpc", "httpGet", "tcpSocket", "exec"} & container[kind].keys()
            assert len(handlers) == 1, f"{container['name']} {kind}"
            handler = handlers.pop()
            found[kind] = (handler, container[kind][handler])
    return found


def test_every_workload_has_probes_on_ports_it_declares() -> None:
    for name in APP_SERVICES:
        container = main_container(name)
        found = probes(container)
        assert {"readinessProbe", "livenessProbe"} <= found.keys(), name
        for _, handler in found.values():
            resolve_port(container, handler["port"])


def test_no_probe_is_a_tcp_check() -> None:
    """A hung process still accepts connections: every probe of every container asks the process itself,
    over native gRPC health or HTTP."""
    for workload in workloads().values():
        spec = pod_spec(workload)
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            for kind, (handler, _) in probes(container).items():
                assert handler in ("grpc", "httpGet"), f"{workload['metadata']['name']} {kind}: {handler}"


def test_grpc_services_use_native_grpc_probes_on_their_port() -> None:
    for name in GRPC_SERVICES:
        container = main_container(name)
        port = listen_port(name, k8s_env_values(container), container["command"])
        metrics = int(CommonSettings.model_fields[f"{name}_metrics_port"].default)
        assert container_ports(container) == {"grpc": port, "metrics": metrics}
        found = probes(container)
        # Readiness: the server's overall health (memory's follows its database).
        assert found["readinessProbe"] == ("grpc", {"port": port}), name
        # Liveness (and memory's startup probe, which covers migrations and an index build): the health
        # service that is SERVING whatever the database's state, so an outage never restarts a pod.
        assert found["livenessProbe"] == ("grpc", {"port": port, "service": LIVENESS_SERVICE}), name
    startup = probes(main_container("memory"))["startupProbe"]
    assert startup == ("grpc", {"port": 50052, "service": LIVENESS_SERVICE})


def test_http_probes() -> None:
    ui = main_container("ui")
    for kind in ("readinessProbe", "livenessProbe"):
        assert ui[kind]["httpGet"]["path"] == "/_stcore/health"
        assert resolve_port(ui, ui[kind]["httpGet"]["port"]) == listen_port("ui", {}, ui["command"])
    gateway = main_container("gateway")
    health_port = int(k8s_env_values(gateway)["AICMO_GATEWAY_HEALTH_PORT"])
    for kind in ("readinessProbe", "livenessProbe"):
        # Envoy's own readiness (admin /ready through the health listener), never the aggregate
        # /api/health, which fails whenever memory or Postgres is down.
        assert gateway[kind]["httpGet"]["path"] == "/ready"
        assert resolve_port(gateway, gateway[kind]["httpGet"]["port"]) == health_port
    assert health_port != listen_port("gateway", k8s_env_values(gateway), [])


def test_every_workload_has_resource_requests_and_limits() -> None:
    for name in APP_SERVICES:
        resources = main_container(name)["resources"]
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= resources[bound].keys(), f"{name} {bound}"
    # The memory service holds the embedding model.
    assert main_container("memory")["resources"]["requests"]["memory"] == "512Mi"


def test_every_workload_is_locked_down() -> None:
    for name, workload in workloads().items():
        spec = pod_spec(workload)
        pod_security = spec.get("securityContext", {})
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            security = container["securityContext"]
            assert security.get("runAsNonRoot", pod_security.get("runAsNonRoot")) is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["readOnlyRootFilesystem"] is True, name
            assert "ALL" in security["capabilities"]["drop"], name
            assert "add" not in security["capabilities"], name
        assert pod_security.get("runAsUser", 0) != 0, name


def volumes_of(workload: Doc) -> dict[str, Doc]:
    """The pod's volumes, with a StatefulSet's volumeClaimTemplates as {"volumeClaimTemplate": ...}."""
    volumes = {volume["name"]: volume for volume in pod_spec(workload).get("volumes", [])}
    for claim in workload["spec"].get("volumeClaimTemplates", []):
        volumes[claim["metadata"]["name"]] = {"volumeClaimTemplate": claim}
    return volumes


def test_every_writable_path_is_a_volume() -> None:
    for name, workload in workloads().items():
        volumes = volumes_of(workload)
        container = main_container(name)
        mounts = {mount["mountPath"]: mount for mount in container.get("volumeMounts", [])}
        for mount in mounts.values():
            assert mount["name"] in volumes, f"{name}: volumeMount of unknown volume {mount['name']}"
            if "configMap" in volumes[mount["name"]]:
                assert mount.get("readOnly") is True, f"{name}: mount {mount['mountPath']} read-only"
        assert "emptyDir" in volumes[mounts["/tmp"]["name"]], f"{name}: /tmp must be an emptyDir"
    gateway = main_container("gateway")
    gateway_mounts = {m["mountPath"] for m in gateway["volumeMounts"]}
    data_dir = k8s_env_values(gateway)["AICMO_DATA_DIR"]
    assert f"{data_dir}/gateway" in gateway_mounts or data_dir in gateway_mounts


def test_every_config_map_volume_is_generated_by_the_kustomization() -> None:
    generated = {generator["name"] for generator in kustomization().get("configMapGenerator", [])}
    for name, workload in workloads().items():
        for volume in volumes_of(workload).values():
            if "configMap" in volume:
                assert volume["configMap"]["name"] in generated, name


def test_the_generator_is_a_stateful_set_with_a_spool_volume_per_replica() -> None:
    """The learning spool survives the loss of its pod and several replicas run: each replica has its own
    volume (ReadWriteOnce, one writer), kept when its pod goes, whether deleted or scaled away."""
    assert "PersistentVolumeClaim" not in {doc["kind"] for doc in resources()}, "no shared spool claim"
    generator = of_kind("StatefulSet")["generator"]
    spec = generator["spec"]
    container = main_container("generator")
    data_dir = k8s_env_values(container)["AICMO_DATA_DIR"]
    assert GeneratorSettings(data_dir=Path(data_dir)).spool_dir.is_relative_to(data_dir)
    mount = next(m for m in container["volumeMounts"] if m["mountPath"] == data_dir)
    claim = volumes_of(generator)[mount["name"]]["volumeClaimTemplate"]
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert claim["spec"]["resources"]["requests"]["storage"]
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert spec["podManagementPolicy"] == "Parallel"
    assert spec["replicas"] >= 2
    # The governing Service is headless and selects these pods.
    governing = of_kind("Service")[spec["serviceName"]]
    assert governing["spec"]["clusterIP"] == "None"
    assert governing["spec"]["selector"].items() <= pod_labels(generator).items()


def prestop_command(name: str) -> list[str] | None:
    handler = main_container(name).get("lifecycle", {}).get("preStop")
    if handler is None:
        return None
    assert set(handler) == {"exec"}, f"{name}: preStop runs a command"
    return cast(list[str], handler["exec"]["command"])


def prestop_seconds(name: str) -> tuple[float, float]:
    """(at least, at most) how long the preStop hook of a workload takes."""
    command = prestop_command(name)
    assert command is not None, f"{name}: no preStop hook"
    if command[0] == "sleep":
        return float(command[1]), float(command[1])
    assert command[:2] == ["python", "/hooks/prestop.py"], f"{name}: {command}"
    assert command[2] == name
    return float(command[3]), float(command[4])


def test_every_workload_leaves_the_service_before_it_stops() -> None:
    """Envoy re-resolves the headless Services every 5 s: a pod keeps serving at least 10 s after it
    starts terminating, and the hooks are mounted where they are run from."""
    for name in APP_SERVICES:
        least, most = prestop_seconds(name)
        assert 10 <= least <= most, name
        command = prestop_command(name)
        assert command is not None
        if command[0] == "python":
            hook = Path(command[1])
            mounts = {m["mountPath"]: m["name"] for m in main_container(name)["volumeMounts"]}
            volume = volumes_of(workloads()[name])[mounts[str(hook.parent)]]
            assert "configMap" in volume, name
            assert (K8S / hook.name).is_file()


def shutdown_grace(name: str) -> float:
    value = k8s_env_values(main_container(name)).get("AICMO_SHUTDOWN_GRACE_SECONDS")
    default = CommonSettings.model_fields["shutdown_grace_seconds"].default
    return float(value) if value is not None else float(default)


def test_termination_grace_covers_the_prestop_hook_and_the_graceful_stop() -> None:
    for name in GRPC_SERVICES:
        period = pod_spec(workloads()[name])["terminationGracePeriodSeconds"]
        _, hook = prestop_seconds(name)
        needed = (
            hook + shutdown_grace(name) + DRAIN_SECONDS + (SPOOL_FLUSH_SECONDS if name == "generator" else 0)
        )
        assert period >= needed + 5, f"{name}: {period} s < {needed} s + a margin"
    # Envoy stops at once on SIGTERM: its hook waits for reports in flight, as long as a report may take.
    generate_timeout = float(getattr(GatewaySettings(), "generate_timeout_seconds", 120.0))
    _, gateway_hook = prestop_seconds("gateway")
    assert gateway_hook >= generate_timeout
    assert pod_spec(workloads()["gateway"])["terminationGracePeriodSeconds"] >= gateway_hook + 5
    _, ui_hook = prestop_seconds("ui")
    assert pod_spec(workloads()["ui"])["terminationGracePeriodSeconds"] >= ui_hook + 5


def test_every_workload_has_an_existing_service_account() -> None:
    accounts = of_kind("ServiceAccount")
    for name, workload in workloads().items():
        assert pod_spec(workload)["serviceAccountName"] in accounts, name


# --- Kubernetes: rollouts, disruptions, autoscaling, spreading -----------------------------------------------


def test_rollouts_are_rolling_and_never_drop_below_the_replica_count() -> None:
    for name, workload in workloads().items():
        spec = workload["spec"]
        if workload["kind"] == "Deployment":
            strategy = spec["strategy"]
            assert strategy["type"] == "RollingUpdate", name
            assert strategy["rollingUpdate"]["maxUnavailable"] == 0, name
            assert strategy["rollingUpdate"]["maxSurge"] >= 1, name
        else:
            # A StatefulSet replaces one pod at a time; a partition would leave pods on the old version.
            strategy = spec["updateStrategy"]
            assert strategy["type"] == "RollingUpdate", name
            assert "partition" not in strategy.get("rollingUpdate", {}), name
        assert spec["replicas"] >= 2, f"{name}: one replica cannot roll without an outage"


def selects(selector: Doc, labels: Mapping[str, str]) -> bool:
    """A LabelSelector (matchLabels, matchExpressions) against a pod's labels."""
    if not selector.get("matchLabels", {}).items() <= labels.items():
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def selected_workloads(selector: Doc) -> set[str]:
    return {name for name, workload in workloads().items() if selects(selector, pod_labels(workload))}


def test_every_workload_has_a_disruption_budget_that_allows_a_drain() -> None:
    budgets = of_kind("PodDisruptionBudget")
    covered: dict[str, str] = {}
    for budget_name, budget in budgets.items():
        (name,) = selected_workloads(budget["spec"]["selector"])
        assert name not in covered, f"{name} has two budgets"
        covered[name] = budget_name
        spec = budget["spec"]
        # maxUnavailable 1: a node drain proceeds one pod at a time, whatever the replica count.
        assert spec.get("maxUnavailable") == 1 and "minAvailable" not in spec, budget_name
        assert spec["unhealthyPodEvictionPolicy"] == "AlwaysAllow", budget_name
    assert set(covered) == set(APP_SERVICES)


def test_autoscalers_target_existing_workloads_within_sane_bounds() -> None:
    scaled: set[str] = set()
    for name, hpa in of_kind("HorizontalPodAutoscaler").items():
        spec = hpa["spec"]
        target = spec["scaleTargetRef"]
        workload = workloads()[target["name"]]
        assert (target["apiVersion"], target["kind"]) == (workload["apiVersion"], workload["kind"]), name
        assert 2 <= spec["minReplicas"] <= workload["spec"]["replicas"] <= spec["maxReplicas"], name
        container = main_container(target["name"])
        for metric in spec["metrics"]:
            assert metric["type"] == "Resource", name
            resource = metric["resource"]["name"]
            # Utilization is relative to the request: without one the HPA cannot compute it.
            assert resource in container["resources"]["requests"], name
        # Scale down slowly, one pod at a time (a generator drains its spool, the gateway its requests).
        down = spec["behavior"]["scaleDown"]
        assert down["stabilizationWindowSeconds"] >= 300, name
        assert all(p["type"] == "Pods" and p["value"] == 1 for p in down["policies"]), name
        scaled.add(target["name"])
    # The UI keeps operators' sessions in its pods: a scale-down would end them (see ui.yaml).
    assert scaled == {"memory", "generator", "gateway"}


def memory_pool_connections() -> int:
    """Postgres connections one memory replica may open: pool_size + max_overflow of its engine."""
    source = (ROOT / "services" / "memory" / "adapters" / "database.py").read_text()
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "create_engine":
            for keyword in node.keywords:
                value = keyword.value
                if keyword.arg in ("pool_size", "max_overflow") and isinstance(value, ast.Constant):
                    assert isinstance(value.value, int)
                    found[keyword.arg] = value.value
    for field, info in MemorySettings.model_fields.items():
        for key in ("pool_size", "max_overflow"):
            if key not in found and field.endswith(key) and isinstance(info.default, int):
                found[key] = info.default
    assert set(found) == {"pool_size", "max_overflow"}, (
        "the memory service's pool is sized differently now: update memory_pool_connections() and the "
        "connection budget in deploy/managed-postgres.md"
    )
    return found["pool_size"] + found["max_overflow"]


# Postgres' default max_connections (100) less superuser_reserved_connections (3): the smallest budget a
# managed server gives (../managed-postgres.md has the arithmetic for others).
DEFAULT_POSTGRES_CONNECTIONS = 97


def test_memory_replicas_fit_in_postgres_connections() -> None:
    memory = workloads()["memory"]
    (hpa,) = (
        h
        for h in of_kind("HorizontalPodAutoscaler").values()
        if h["spec"]["scaleTargetRef"]["name"] == "memory"
    )
    at_most = hpa["spec"]["maxReplicas"] + memory["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
    assert at_most * memory_pool_connections() <= DEFAULT_POSTGRES_CONNECTIONS
    budget = (DEPLOY / "managed-postgres.md").read_text()
    assert f"{memory_pool_connections()} connections" in budget


def test_replicas_are_spread_over_nodes_and_zones() -> None:
    for name, workload in workloads().items():
        spec = pod_spec(workload)
        labels = pod_labels(workload)
        (term,) = spec["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
        assert term["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname", name
        assert selected_workloads(term["podAffinityTerm"]["labelSelector"]) == {name}, name
        assert selects(term["podAffinityTerm"]["labelSelector"], labels)
        (spread,) = spec["topologySpreadConstraints"]
        assert spread["topologyKey"] == "topology.kubernetes.io/zone", name
        # Soft: a one-zone (or one-node) cluster still schedules every replica.
        assert spread["whenUnsatisfiable"] == "ScheduleAnyway", name
        assert selected_workloads(spread["labelSelector"]) == {name}, name
        # Count only the current revision's pods, so a rollout is not skewed by the old ones.
        revision = "pod-template-hash" if workload["kind"] == "Deployment" else "controller-revision-hash"
        assert spread["matchLabelKeys"] == [revision], name


# --- Kubernetes: Services ---------------------------------------------------------------------------------


def test_every_service_selects_pods_and_targets_a_container_port() -> None:
    for name, service in of_kind("Service").items():
        matching = selected_workloads({"matchLabels": service["spec"]["selector"]})
        assert len(matching) == 1, f"Service {name} selects {len(matching)} workloads"
        container = pod_spec(workloads()[matching.pop()])["containers"][0]
        for port in service["spec"]["ports"]:
            target = resolve_port(container, port.get("targetPort", port["port"]))
            assert target == port["port"], f"Service {name} maps {port['port']} to {target}"


def test_service_port_names() -> None:
    services = of_kind("Service")
    for name in APP_SERVICES:
        expected = "grpc" if name in GRPC_SERVICES else "http"
        assert [port["name"] for port in services[name]["spec"]["ports"]] == [expected]


def headless_services(target: str) -> dict[str, bool]:
    """The headless Services of a workload's pods: name -> whether they publish pods that are not ready."""
    return {
        name: bool(service["spec"].get("publishNotReadyAddresses", False))
        for name, service in of_kind("Service").items()
        if service["spec"].get("clusterIP") == "None"
        and selected_workloads({"matchLabels": service["spec"]["selector"]}) == {target}
    }


def test_grpc_services_have_headless_services_for_client_side_balancing() -> None:
    # generator-headless (the StatefulSet's, and Envoy's); memory-headless for the generator's gRPC
    # round_robin, memory-ready for Envoy: ready pods only, every one.
    assert headless_services("generator") == {"generator-headless": False}
    assert headless_services("memory") == {"memory-headless": False, "memory-ready": False}
    for name in ("generator-headless", "memory-headless", "memory-ready"):
        assert [port["name"] for port in of_kind("Service")[name]["spec"]["ports"]] == ["grpc"]


def test_pods_that_are_not_ready_get_no_traffic() -> None:
    """No Service publishes a pod that is not ready (hung, starting, without its database)."""
    for name, service in of_kind("Service").items():
        assert service["spec"].get("publishNotReadyAddresses", False) is False, name


def test_the_ui_service_keeps_a_browser_on_one_pod() -> None:
    ui = of_kind("Service")["ui"]["spec"]
    assert ui["sessionAffinity"] == "ClientIP"
    assert ui["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"] >= 3600


# --- Kubernetes: NetworkPolicies ----------------------------------------------------------------------------

EXTERNAL = "outside"  # outside the cluster: a browser through a load balancer, Postgres, the LLM's API
IN_CLUSTER = "another pod"  # a pod in the cluster that is not AICMO's: Prometheus, an ingress controller


def _peer_matches(peers: list[Doc] | None, peer: str) -> bool:
    """Whether a rule's from/to list admits `peer` (an app name, IN_CLUSTER or EXTERNAL); no list admits
    everyone. A podSelector alone means pods of the policy's namespace; a namespaceSelector alone, every pod
    of the namespaces it selects (`{}`: the whole cluster)."""
    if peers is None:
        return True
    for entry in peers:
        if "ipBlock" in entry or ("podSelector" in entry and "namespaceSelector" in entry):
            raise AssertionError("the base does not use this kind of peer; extend the evaluator for it")
        if "podSelector" in entry:
            if peer not in (EXTERNAL, IN_CLUSTER) and selects(
                entry["podSelector"], pod_labels(workloads()[peer])
            ):
                return True
        elif "namespaceSelector" in entry:
            assert entry["namespaceSelector"] == {}, "only the whole cluster is modelled"
            if peer != EXTERNAL:
                return True
    return False


def _ports_match(ports: list[Doc] | None, port: int, protocol: str) -> bool:
    if ports is None:
        return True
    return any(p.get("protocol", "TCP") == protocol and p.get("port") in (port, None) for p in ports)


def _allowed(direction: str, pod: str, peer: str, port: int, protocol: str = "TCP") -> bool:
    """NetworkPolicy semantics for one side: isolated if any policy of that type selects the pod, and
    then allowed only if some rule of one of them admits the peer on the port."""
    policies = [
        p["spec"]
        for p in of_kind("NetworkPolicy").values()
        if direction.capitalize() in p["spec"]["policyTypes"]
        and selects(p["spec"]["podSelector"], pod_labels(workloads()[pod]))
    ]
    if not policies:
        return True
    peers_key = "from" if direction == "ingress" else "to"
    return any(
        _peer_matches(rule.get(peers_key), peer) and _ports_match(rule.get("ports"), port, protocol)
        for policy in policies
        for rule in policy.get(direction, [])
    )


def can_connect(source: str, destination: str, port: int, protocol: str = "TCP") -> bool:
    outsiders = (EXTERNAL, IN_CLUSTER)
    egress = source in outsiders or _allowed("egress", source, destination, port, protocol)
    ingress = destination in outsiders or _allowed("ingress", destination, source, port, protocol)
    return egress and ingress


def listening_port(name: str) -> int:
    """The port a process serves its API on (named grpc or http)."""
    ports = container_ports(main_container(name))
    return ports["grpc"] if "grpc" in ports else ports["http"]


def test_network_policies_deny_by_default_every_aicmo_pod() -> None:
    policies = of_kind("NetworkPolicy")
    deny = [
        p["spec"]
        for p in policies.values()
        if set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    assert len(deny) == 1
    assert selected_workloads(deny[0]["podSelector"]) == set(APP_SERVICES)


def test_network_policies_allow_exactly_the_call_graph() -> None:
    allowed = {
        (source, destination)
        for source in APP_SERVICES
        for destination in APP_SERVICES
        if source != destination and can_connect(source, destination, listening_port(destination))
    }
    assert allowed == {
        ("generator", "memory"),
        ("gateway", "memory"),
        ("gateway", "generator"),
        ("ui", "gateway"),
    }
    # From outside the AICMO pods (an ingress controller, a load balancer), only the UI and the REST gateway.
    for outsider in (EXTERNAL, IN_CLUSTER):
        exposed = {name for name in APP_SERVICES if can_connect(outsider, name, listening_port(name))}
        assert exposed == {"ui", "gateway"}, outsider
    # Only the ports the processes listen on.
    for name in APP_SERVICES:
        assert not can_connect("gateway", name, listening_port(name) + 1), name
        assert not can_connect(EXTERNAL, name, listening_port(name) + 1), name


def test_prometheus_in_the_cluster_can_scrape_the_metrics_ports() -> None:
    for name in GRPC_SERVICES:
        metrics = container_ports(main_container(name))["metrics"]
        assert can_connect(IN_CLUSTER, name, metrics), name
        assert not can_connect(EXTERNAL, name, metrics), name
        # Other AICMO pods have no egress to it: the metrics rule opens no new path between them.
        assert not any(can_connect(other, name, metrics) for other in APP_SERVICES if other != name), name


def test_network_policies_let_only_memory_reach_postgres() -> None:
    reaches_postgres = {name for name in APP_SERVICES if can_connect(name, EXTERNAL, 5432)}
    assert reaches_postgres == {"memory"}
    # The LLM path (HTTPS) is the generator's; DNS is everyone's; nothing else leaves the AICMO pods.
    assert {name for name in APP_SERVICES if can_connect(name, EXTERNAL, 443)} == {"generator"}
    for name in APP_SERVICES:
        assert can_connect(name, EXTERNAL, 53, "UDP") and can_connect(name, EXTERNAL, 53, "TCP"), name
        for port in (80, 8080, 6432, 22):
            assert not can_connect(name, EXTERNAL, port), (name, port)


# --- settings: every variable is read by the process it is given to ---------------------------------------


def test_compose_environment_names_are_real_settings() -> None:
    services = compose()["services"]
    for name in APP_SERVICES:
        for variable in compose_env(services[name]):
            if is_setting_name(variable):
                assert variable in ACCEPTED_ENV[name], f"compose {name}: {variable} is not a setting"


def test_kubernetes_environment_names_are_real_settings() -> None:
    for name in APP_SERVICES:
        for variable in k8s_env(main_container(name)):
            if is_setting_name(variable):
                assert variable in ACCEPTED_ENV[name], f"kubernetes {name}: {variable} is not a setting"


def test_services_listen_on_every_interface() -> None:
    compose_services = compose()["services"]
    for name in COMMANDS:
        assert compose_env(compose_services[name])["AICMO_BIND_HOST"] == "0.0.0.0"
        assert k8s_env_values(main_container(name))["AICMO_BIND_HOST"] == "0.0.0.0"
    for command in (compose_services["ui"]["command"], main_container("ui")["command"]):
        assert command[command.index("--server.address") + 1] == "0.0.0.0"


def test_targets_point_at_the_services_that_listen_there() -> None:
    compose_services = compose()["services"]
    for name in APP_SERVICES:
        env = compose_env(compose_services[name])
        for variable, target in (("AICMO_MEMORY_TARGET", "memory"), ("AICMO_GENERATOR_TARGET", "generator")):
            value = env.get(variable)
            if value is None:
                continue
            host, _, port = value.rpartition(":")
            assert host == target and host in compose_services, f"compose {name}: {variable}={value}"
            assert int(port) == listen_port(target, compose_env(compose_services[target]), [])
    assert compose_env(compose_services["generator"])["AICMO_MEMORY_TARGET"] is not None
    gateway_env = compose_env(compose_services["gateway"])
    assert gateway_env["AICMO_MEMORY_TARGET"] and gateway_env["AICMO_GENERATOR_TARGET"]
    gateway_port = listen_port("gateway", gateway_env, [])
    assert compose_env(compose_services["ui"])["AICMO_GATEWAY_URL"] == f"http://gateway:{gateway_port}"


def test_kubernetes_targets_balance_over_every_replica() -> None:
    """In Kubernetes the callers of memory and the generator resolve headless Services and balance
    themselves: the generator's gRPC channel with round_robin over dns:///memory-headless (every memory
    pod), the gateway's Envoy with STRICT_DNS clusters over headless Services of ready pods only (it has no
    health checks of its own; plain host:port, which gateway/envoy_config.py splits)."""

    def env_of(name: str) -> dict[str, str]:
        return k8s_env_values(main_container(name))

    def service_of(value: str, target: str) -> str:
        host, _, port = value.rpartition(":")
        assert host in headless_services(target), value
        assert int(port) == listen_port(target, env_of(target), [])
        return host

    memory_for_generator = env_of("generator")["AICMO_MEMORY_TARGET"]
    assert memory_for_generator == "dns:///memory-headless:50052"
    service_of(memory_for_generator.removeprefix("dns:///"), "memory")
    client_source = (ROOT / "services" / "generator" / "adapters" / "memory_client.py").read_text()
    assert '"loadBalancingConfig": [{"round_robin": {}}]' in client_source, (
        "the generator's channel must balance"
    )
    gateway = env_of("gateway")
    for variable, target in (("AICMO_MEMORY_TARGET", "memory"), ("AICMO_GENERATOR_TARGET", "generator")):
        assert "://" not in gateway[variable], f"Envoy takes host:port, not {gateway[variable]}"
        service = service_of(gateway[variable], target)
        assert headless_services(target)[service] is False, f"Envoy must be given ready pods only: {service}"
    for name in APP_SERVICES:
        assert set(env_of(name)) & {"AICMO_MEMORY_TARGET", "AICMO_GENERATOR_TARGET"} <= {
            "generator": {"AICMO_MEMORY_TARGET"},
            "gateway": {"AICMO_MEMORY_TARGET", "AICMO_GENERATOR_TARGET"},
        }.get(name, set()), name
    gateway_port = listen_port("gateway", gateway, [])
    assert env_of("ui")["AICMO_GATEWAY_URL"] == f"http://gateway:{gateway_port}"
    assert "gateway" in of_kind("Service")


# --- secrets ----------------------------------------------------------------------------------------------


def test_secrets_come_from_the_secret_and_the_example_commits_no_value() -> None:
    (example,) = load_all(SECRET_EXAMPLE)
    assert example["kind"] == "Secret"
    assert "data" not in example and "stringData" not in example, "the example must hold no values"
    comments = "\n".join(line for line in SECRET_EXAMPLE.read_text().splitlines() if line.startswith("#"))
    assert "kubectl create secret generic " + example["metadata"]["name"] in comments
    referenced: set[str] = set()
    for name in APP_SERVICES:
        env = k8s_env(main_container(name))
        for variable, entry in env.items():
            secret = entry.get("valueFrom", {}).get("secretKeyRef")
            if variable in SECRET_VARIABLES:
                assert secret is not None, f"{name}: {variable} must come from the Secret"
            if secret is not None:
                assert secret["name"] == example["metadata"]["name"], name
                assert secret["key"] == variable, name
                referenced.add(secret["key"])
                if not secret.get("optional", False):
                    assert f"--from-literal={variable}=" in comments, f"{variable} is not in the instructions"
    assert {"AICMO_MEMORY_DB", "AICMO_AUTH_KEYS"} <= referenced
    for variable in referenced:
        assert variable in comments
    # memory must never fall back to an embedded Postgres inside a pod.
    memory_db = k8s_env(main_container("memory"))["AICMO_MEMORY_DB"]["valueFrom"]["secretKeyRef"]
    assert memory_db.get("optional", False) is False


# --- operations documented against the manifests -------------------------------------------------------------

# kubectl's names for the workload kinds (the short ones included).
KUBECTL_KINDS = {
    "deployment": "Deployment",
    "deploy": "Deployment",
    "statefulset": "StatefulSet",
    "sts": "StatefulSet",
}
OPERATIONS_DOCS = (ROOT / "README.md", DEPLOY / "README.md", DEPLOY / "managed-postgres.md", SECRET_EXAMPLE)


def rollout_commands(verb: str) -> list[tuple[str, list[str]]]:
    """Every `kubectl rollout VERB ...` in the operations docs: (file name, its arguments)."""
    found = []
    for path in OPERATIONS_DOCS:
        for line in path.read_text().splitlines():
            for match in re.finditer(rf"kubectl rollout {verb}((?: +[\w./-]+)+)", line):
                found.append((str(path.relative_to(ROOT)), match.group(1).split()))
    return found


def workloads_reading_the_secret(secret: str) -> set[str]:
    """kind/name (lower case) of every workload whose containers take a value from `secret`."""
    readers = set()
    for kind in WORKLOAD_KINDS:
        for name, workload in of_kind(kind).items():
            spec = pod_spec(workload)
            for container in [*spec.get("initContainers", []), *spec["containers"]]:
                refs = [e.get("valueFrom", {}).get("secretKeyRef", {}) for e in container.get("env", [])]
                refs += [e.get("secretRef", {}) for e in container.get("envFrom", [])]
                if any(ref.get("name") == secret for ref in refs):
                    readers.add(f"{kind.lower()}/{name}")
    return readers


def test_every_documented_rollout_names_workloads_by_their_actual_kind() -> None:
    commands = rollout_commands("restart") + rollout_commands("status")
    assert commands, "no rollout command documented"
    for source, arguments in commands:
        for argument in arguments:
            kind, slash, name = argument.partition("/")
            # `kubectl rollout restart deployment a b c` takes one kind for all: a StatefulSet among them fails.
            assert slash, f"{source}: `{argument}` must be kind/name"
            assert KUBECTL_KINDS.get(kind) in WORKLOAD_KINDS, f"{source}: unknown kind in `{argument}`"
            assert name in of_kind(KUBECTL_KINDS[kind]), f"{source}: {name} is not a {KUBECTL_KINDS[kind]}"


def test_the_secret_rotation_restarts_every_workload_that_reads_it() -> None:
    (example,) = load_all(SECRET_EXAMPLE)
    readers = workloads_reading_the_secret(example["metadata"]["name"])
    assert readers == {"deployment/memory", "statefulset/generator"}  # the UI holds no secret: people sign in
    restarts = rollout_commands("restart")
    assert {source for source, _ in restarts} >= {
        "deploy/kubernetes/secret.example.yaml",
        "deploy/README.md",
    }, "documented where?"
    for source, arguments in restarts:
        named = {
            f"{KUBECTL_KINDS[kind]}/{name}".lower() for kind, _, name in (a.partition("/") for a in arguments)
        }
        assert named == readers, (
            f"{source}: `kubectl rollout restart {' '.join(arguments)}` must name {readers}"
        )


def test_memory_migrates_in_an_init_container_and_the_service_only_checks() -> None:
    spec = pod_spec(workloads()["memory"])
    (init,) = spec["initContainers"]
    main = main_container("memory")
    assert init["command"] == [*COMMANDS["memory"], "migrate"]
    assert init["image"] == main["image"]
    assert k8s_env(init)["AICMO_MEMORY_DB"] == k8s_env(main)["AICMO_MEMORY_DB"]
    for variable in k8s_env(init):
        assert variable in ACCEPTED_ENV["memory"], variable
    assert {"requests", "limits"} <= init["resources"].keys()
    assert {m["mountPath"] for m in init["volumeMounts"]} == {"/tmp"}
    assert k8s_env_values(main)["AICMO_MIGRATE_ON_START"] == "false"
    for name in ("generator", "gateway", "ui"):
        assert "initContainers" not in pod_spec(workloads()[name]), name
