"""`python -m services.generator`: serve aicmo.generator.v1.GeneratorService over gRPC."""

from __future__ import annotations

import logging
import sys

from services.common.logging import configure_logging
from services.common.server import PortInUseError
from services.generator.settings import GeneratorSettings

log = logging.getLogger("services.generator")


def main() -> int:
    settings = GeneratorSettings()
    configure_logging(settings.log_level, settings.log_format, service="generator")
    from services.generator.bootstrap import create_runtime

    runtime = create_runtime(settings)
    try:
        port = runtime.start()
    except PortInUseError as exc:
        log.error("generator cannot start: %s", exc)
        return 2
    log.info("generator ready on %s:%d (memory at %s)", settings.bind_host, port, settings.memory_target)
    runtime.app.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
