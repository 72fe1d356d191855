"""deploy/ checked statically: compose, the Kubernetes base, and their agreement with the services' settings.

No Docker engine or cluster runs here, so these tests parse every YAML document and check what a wrong
edit would break: a probe on a port nothing listens on, a Service selecting no pod, an environment
variable no service reads, a secret committed in a manifest, a file missing from the kustomization.
"""

from __future__ import annotations

import inspect
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
from services.common.server import GrpcApp
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
SECRET_VARIABLES = ("AICMO_MEMORY_DB", "AICMO_API_TOKEN", "OPENAI_API_KEY")
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


# The UI's settings are its own (it only talks to the gateway): the gateway URL and the token.
ACCEPTED_ENV: dict[str, set[str]] = {
    "memory": env_names(MemorySettings),
    "generator": env_names(GeneratorSettings),
    "gateway": env_names(GatewaySettings),
    "ui": {"AICMO_GATEWAY_URL", "AICMO_API_TOKEN"},
}


def is_setting_name(name: str) -> bool:
    return name.startswith(("AICMO_", "OPENAI_"))


def load_all(path: Path) -> list[Doc]:
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


def pod_spec(deployment: Doc) -> Doc:
    return cast(Doc, deployment["spec"]["template"]["spec"])


def main_container(name: str) -> Doc:
    containers = pod_spec(of_kind("Deployment")[name])["containers"]
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
    checked = {p.relative_to(DEPLOY) for p in [COMPOSE_FILE, *k8s_files()]}
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


def test_one_file_per_service_with_its_account_deployment_and_service() -> None:
    for name in APP_SERVICES:
        kinds = {(doc["kind"], doc["metadata"]["name"]) for doc in load_all(K8S / f"{name}.yaml")}
        assert {("ServiceAccount", name), ("Deployment", name), ("Service", name)} <= kinds


# --- Kubernetes: Deployments ------------------------------------------------------------------------------


def test_every_deployment_runs_its_process_from_the_one_image() -> None:
    deployments = of_kind("Deployment")
    assert set(deployments) == set(APP_SERVICES)
    images = {main_container(name)["image"] for name in deployments}
    assert len(images) == 1
    for name, command in COMMANDS.items():
        assert main_container(name)["command"] == command
    assert main_container("ui")["command"][: len(UI_COMMAND_PREFIX)] == UI_COMMAND_PREFIX
    compose_services = compose()["services"]
    for name in APP_SERVICES:
        assert main_container(name)["command"] == compose_services[name]["command"], name


def test_every_deployment_has_probes_on_ports_it_declares() -> None:
    for name in APP_SERVICES:
        container = main_container(name)
        for kind in ("readinessProbe", "livenessProbe"):
            probe = container[kind]
            handlers = {"grpc", "httpGet", "tcpSocket", "exec"} & probe.keys()
            assert len(handlers) == 1, f"{name} {kind}"
            handler = probe[handlers.pop()]
            if "port" in handler:
                resolve_port(container, handler["port"])


def test_grpc_services_use_native_grpc_probes_on_their_port() -> None:
    for name in GRPC_SERVICES:
        container = main_container(name)
        port = listen_port(name, k8s_env_values(container), container["command"])
        assert container_ports(container) == {"grpc": port}
        assert container["readinessProbe"]["grpc"]["port"] == port
    assert main_container("generator")["livenessProbe"]["grpc"]["port"] == 50051
    # memory's gRPC health follows the database; its liveness only asks that the server still accepts
    # connections (see memory.yaml), and a startup probe covers migrations and index builds.
    memory = main_container("memory")
    assert resolve_port(memory, memory["livenessProbe"]["tcpSocket"]["port"]) == 50052
    assert "startupProbe" in memory


def test_http_probes() -> None:
    ui = main_container("ui")
    for kind in ("readinessProbe", "livenessProbe"):
        assert ui[kind]["httpGet"]["path"] == "/_stcore/health"
        assert resolve_port(ui, ui[kind]["httpGet"]["port"]) == listen_port("ui", {}, ui["command"])
    gateway = main_container("gateway")
    for kind in ("readinessProbe", "livenessProbe"):
        # Never the aggregate /api/health: it fails whenever memory or Postgres is down.
        assert gateway[kind].get("httpGet", {}).get("path") != "/api/health"
        port = gateway[kind]["tcpSocket"]["port"]
        assert resolve_port(gateway, port) == listen_port("gateway", k8s_env_values(gateway), [])


def test_every_deployment_has_resource_requests_and_limits() -> None:
    for name in APP_SERVICES:
        resources = main_container(name)["resources"]
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= resources[bound].keys(), f"{name} {bound}"
    # The memory service holds the embedding model.
    assert main_container("memory")["resources"]["requests"]["memory"] == "512Mi"


def test_every_deployment_is_locked_down() -> None:
    for name, deployment in of_kind("Deployment").items():
        spec = pod_spec(deployment)
        pod_security = spec.get("securityContext", {})
        for container in spec["containers"]:
            security = container["securityContext"]
            assert security.get("runAsNonRoot", pod_security.get("runAsNonRoot")) is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["readOnlyRootFilesystem"] is True, name
            assert "ALL" in security["capabilities"]["drop"], name
            assert "add" not in security["capabilities"], name
        assert pod_security.get("runAsUser", 0) != 0, name


def test_every_writable_path_is_a_volume() -> None:
    for name, deployment in of_kind("Deployment").items():
        spec = pod_spec(deployment)
        volumes = {volume["name"]: volume for volume in spec.get("volumes", [])}
        container = main_container(name)
        mounts = {mount["mountPath"]: mount["name"] for mount in container.get("volumeMounts", [])}
        for volume_name in mounts.values():
            assert volume_name in volumes, f"{name}: volumeMount of unknown volume {volume_name}"
        assert "emptyDir" in volumes[mounts["/tmp"]], f"{name}: /tmp must be an emptyDir"
    gateway = main_container("gateway")
    gateway_mounts = {m["mountPath"] for m in gateway["volumeMounts"]}
    data_dir = k8s_env_values(gateway)["AICMO_DATA_DIR"]
    assert f"{data_dir}/gateway" in gateway_mounts or data_dir in gateway_mounts


def test_generator_spool_is_on_a_persistent_volume_claim() -> None:
    claims = of_kind("PersistentVolumeClaim")
    deployment = of_kind("Deployment")["generator"]
    spec = pod_spec(deployment)
    container = main_container("generator")
    data_dir = k8s_env_values(container)["AICMO_DATA_DIR"]
    mount = next(m for m in container["volumeMounts"] if m["mountPath"] == data_dir)
    volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
    assert volume["persistentVolumeClaim"]["claimName"] in claims
    assert GeneratorSettings(data_dir=Path(data_dir)).spool_dir.is_relative_to(data_dir)
    # One pod owns a ReadWriteOnce spool: never two at once during a rollout.
    assert deployment["spec"]["strategy"]["type"] == "Recreate"
    assert deployment["spec"]["replicas"] == 1
    for name, deployment in of_kind("Deployment").items():
        for volume in pod_spec(deployment).get("volumes", []):
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claims, name


def test_termination_grace_covers_the_graceful_stop() -> None:
    grace = float(inspect.signature(GrpcApp).parameters["grace_seconds"].default)
    for name in GRPC_SERVICES:
        period = pod_spec(of_kind("Deployment")[name])["terminationGracePeriodSeconds"]
        assert period >= grace + SPOOL_FLUSH_SECONDS + 5, name


def test_every_deployment_has_an_existing_service_account() -> None:
    accounts = of_kind("ServiceAccount")
    for name, deployment in of_kind("Deployment").items():
        assert pod_spec(deployment)["serviceAccountName"] in accounts, name


# --- Kubernetes: Services ---------------------------------------------------------------------------------


def test_every_service_selects_pods_and_targets_a_container_port() -> None:
    deployments = of_kind("Deployment")
    for name, service in of_kind("Service").items():
        selector = service["spec"]["selector"]
        matching = [
            d
            for d in deployments.values()
            if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(matching) == 1, f"Service {name} selects {len(matching)} Deployments"
        deployment = matching[0]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= (
            deployment["spec"]["template"]["metadata"]["labels"].items()
        )
        container = pod_spec(deployment)["containers"][0]
        for port in service["spec"]["ports"]:
            target = resolve_port(container, port.get("targetPort", port["port"]))
            assert target == port["port"], f"Service {name} maps {port['port']} to {target}"


def test_service_port_names() -> None:
    services = of_kind("Service")
    for name in APP_SERVICES:
        expected = "grpc" if name in GRPC_SERVICES else "http"
        assert [port["name"] for port in services[name]["spec"]["ports"]] == [expected]


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
    k8s_services = of_kind("Service")

    def compose_env_of(name: str) -> Mapping[str, str | None]:
        return compose_env(compose_services[name])

    def k8s_env_of(name: str) -> Mapping[str, str | None]:
        return dict(k8s_env_values(main_container(name)))

    for env_of, known in ((compose_env_of, set(compose_services)), (k8s_env_of, set(k8s_services))):
        assert env_of("generator")["AICMO_MEMORY_TARGET"] is not None
        assert env_of("gateway")["AICMO_MEMORY_TARGET"] is not None
        assert env_of("gateway")["AICMO_GENERATOR_TARGET"] is not None
        for name in APP_SERVICES:
            env = env_of(name)
            for variable, target in (
                ("AICMO_MEMORY_TARGET", "memory"),
                ("AICMO_GENERATOR_TARGET", "generator"),
            ):
                value = env.get(variable)
                if value is None:
                    continue
                host, _, port = value.rpartition(":")
                assert host == target and host in known, f"{name}: {variable}={value}"
                assert int(port) == listen_port(target, env_of(target), []), f"{name}: {variable}={value}"
        gateway_port = listen_port("gateway", env_of("gateway"), [])
        assert env_of("ui")["AICMO_GATEWAY_URL"] == f"http://gateway:{gateway_port}"
        assert "gateway" in known


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
    assert {"AICMO_MEMORY_DB", "AICMO_API_TOKEN"} <= referenced
    for variable in referenced:
        assert variable in comments
    # memory must never fall back to an embedded Postgres inside a pod.
    memory_db = k8s_env(main_container("memory"))["AICMO_MEMORY_DB"]["valueFrom"]["secretKeyRef"]
    assert memory_db.get("optional", False) is False
