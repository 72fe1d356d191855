"""preStop hooks of the AICMO pods: stop taking traffic cleanly before the process gets SIGTERM.

Mounted from the `aicmo-hooks` ConfigMap (kustomization.yaml generates it from this file) at /hooks and run
by the kubelet with the pod's own image and environment:

    python /hooks/prestop.py generator MIN MAX
    python /hooks/prestop.py gateway MIN MAX

Both wait at least MIN seconds: a terminating pod leaves the Services' endpoints at once, but Envoy (which
resolves the headless Services every 5 s) and the generator's gRPC channel (which re-resolves when a
connection changes) may still send it calls for a few seconds, and the process keeps serving them
meanwhile. Then, up to MAX seconds in all:

- generator: until its learning spool holds no queued batch, while memory is SERVING. The spool is on this
  pod's own volume; a pod removed by a scale-down leaves its volume behind, so reports whose learning memory
  has not yet taken are delivered now rather than when that ordinal comes back. If memory is not serving,
  waiting cannot help: the batches stay on the volume (nothing is lost) and the hook returns.
- gateway: until Envoy has no request in flight (a report may take AICMO_GENERATE_TIMEOUT_SECONDS), read
  from its admin stats on loopback. Envoy stops at once on SIGTERM, so this is what lets a report in flight
  finish during a rollout or a scale-down.

A hook never fails the pod: whatever goes wrong, it returns and the normal SIGTERM shutdown follows. Its
lines go to the container's log (the main process's stdout) as JSON, like the services' own.
"""

from __future__ import annotations

import json
import re
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

POLL_SECONDS = 1.0
# Envoy's listener is named `rest` (stat_prefix in gateway/envoy_config.py).
GATEWAY_ACTIVE_REQUESTS_STAT = "http.rest.downstream_rq_active"
# The main process of the container, whose stdout `kubectl logs` shows (python execs Envoy in the gateway).
_MAIN_PROCESS_MARKERS = (b"services.generator", b"envoy")


def log(service: str, message: str, severity: str = "INFO", **fields: object) -> None:
    line = json.dumps(
        {
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "severity": severity,
            "service": service,
            "logger": "prestop",
            "message": message,
            **fields,
        }
    )
    print(line, flush=True)
    try:
        if any(marker in Path("/proc/1/cmdline").read_bytes() for marker in _MAIN_PROCESS_MARKERS):
            with open("/proc/1/fd/1", "a") as main_stdout:
                main_stdout.write(line + "\n")
    except OSError:
        pass


def wait(min_seconds: float, max_seconds: float, done: Callable[[], bool]) -> bool:
    """Sleeps min_seconds, then polls `done` until it is true or max_seconds have passed in all."""
    start = time.monotonic()
    time.sleep(min_seconds)
    while True:
        if done():
            return True
        if time.monotonic() - start + POLL_SECONDS > max_seconds:
            return False
        time.sleep(POLL_SECONDS)


# -- generator ----------------------------------------------------------------------------------------------


def spool_queued(spool_dir: Path) -> int:
    """Batches waiting for delivery (set-aside ones wait for an operator, not for memory)."""
    return sum(1 for _ in spool_dir.glob("*.pb"))


def memory_serving(target: str, timeout: float = 2.0) -> bool:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    channel = grpc.insecure_channel(target)
    try:
        response = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=timeout)
        return bool(response.status == health_pb2.HealthCheckResponse.SERVING)
    except grpc.RpcError:
        return False
    finally:
        channel.close()


def generator(min_seconds: float, max_seconds: float) -> int:
    from services.generator.settings import GeneratorSettings

    settings = GeneratorSettings()
    spool_dir = settings.spool_dir
    state = {"memory": "unknown"}

    def drained() -> bool:
        queued = spool_queued(spool_dir) if spool_dir.is_dir() else 0
        if queued == 0:
            return True
        if not memory_serving(settings.memory_target):
            state["memory"] = "not serving"
            return True  # nothing to wait for: the batches stay on this pod's volume
        state["memory"] = "serving"
        return False

    queued = spool_queued(spool_dir) if spool_dir.is_dir() else 0
    log("generator", "preStop: leaving the Service, then delivering the learning spool", queued=queued)
    finished = wait(min_seconds, max_seconds, drained)
    left = spool_queued(spool_dir) if spool_dir.is_dir() else 0
    if left == 0:
        log("generator", "preStop: learning spool empty")
    else:
        reason = "memory is not serving" if state["memory"] == "not serving" else "time is up"
        log(
            "generator",
            f"preStop: {left} learning batch(es) stay on this pod's volume ({reason}); they are delivered "
            "when a pod with this ordinal runs again (see deploy/README.md, 'The learning spool')",
            severity="WARNING",
            queued=left,
            finished=finished,
        )
    return 0


# -- gateway ------------------------------------------------------------------------------------------------


def envoy_active_requests(admin_port: int, timeout: float = 2.0) -> int | None:
    """Requests in flight on Envoy's REST listener, or None when the admin cannot be read."""
    pattern = urllib.parse.quote(f"^{re.escape(GATEWAY_ACTIVE_REQUESTS_STAT)}$")
    url = f"http://127.0.0.1:{admin_port}/stats?format=json&filter={pattern}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            stats = json.load(response).get("stats", [])
    except (OSError, ValueError):
        return None
    for stat in stats:
        if stat.get("name") == GATEWAY_ACTIVE_REQUESTS_STAT:
            return int(stat.get("value", 0))
    return None


def gateway(min_seconds: float, max_seconds: float) -> int:
    from gateway.settings import GatewaySettings

    settings = GatewaySettings()
    admin_port = int(getattr(settings, "gateway_admin_port", 0) or 0)
    state: dict[str, int | None] = {"active": None}

    def idle() -> bool:
        if not admin_port:
            return True  # an Envoy admin on a random port cannot be asked: only the MIN wait applies
        state["active"] = envoy_active_requests(admin_port)
        return state["active"] is None or state["active"] == 0

    log("gateway", "preStop: leaving the Service, then waiting for requests in flight")
    if wait(min_seconds, max_seconds, idle):
        log("gateway", "preStop: no request in flight", active=state["active"])
    else:
        log(
            "gateway",
            "preStop: requests still in flight; stopping",
            severity="WARNING",
            active=state["active"],
        )
    return 0


HOOKS: dict[str, Callable[[float, float], int]] = {"generator": generator, "gateway": gateway}


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in HOOKS:
        print(f"usage: python prestop.py {{{'|'.join(HOOKS)}}} MIN_SECONDS MAX_SECONDS", file=sys.stderr)
        return 2
    min_seconds, max_seconds = float(argv[1]), float(argv[2])
    try:
        return HOOKS[argv[0]](min_seconds, max(min_seconds, max_seconds))
    except Exception as exc:  # a hook must never keep a pod from stopping
        log(argv[0], f"preStop hook failed: {exc!r}", severity="ERROR")
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
