"""`python -m services.generator`: serve aicmo.generator.v1.GeneratorService over gRPC.

`python -m services.generator spool list|replay NAME|drop NAME` inspects this machine's learning queue
(the same as the app's Learn tab and GET /api/aicmo/learning_queue, without a running service).
"""

from __future__ import annotations

import getpass
import logging
import sys
from dataclasses import dataclass

from services.common.logging import configure_logging
from services.common.serve import run_service
from services.common.server import PortInUseError
from services.common.settings import load_settings
from services.generator.settings import GeneratorSettings

log = logging.getLogger("services.generator")


def spool_command(settings: GeneratorSettings, args: list[str]) -> int:
    from services.common.auth import AuditEvent, Identity
    from services.generator.adapters.audit_outbox import AuditOutbox, GeneratorAudit
    from services.generator.adapters.memory_client import MemoryClient
    from services.generator.adapters.spool import LearningSpool
    from services.generator.bootstrap import service_credentials
    from services.generator.domain.learning_queue import UnknownBatch
    from services.generator.service_layer.learning_queue_admin import REPLAY_TIMEOUT

    usage = "usage: python -m services.generator spool list | replay NAME | drop NAME"
    if not args or args[0] not in ("list", "replay", "drop") or (args[0] != "list" and len(args) != 2):
        print(usage, file=sys.stderr)
        return 2
    # Whoever has a shell here acts as an admin; the audit trail names them (as cli:<user>).
    who = Identity(person=f"cli:{getpass.getuser()}", role="admin")
    memory = MemoryClient(
        settings.memory_target, credentials=service_credentials(settings, who), settings=settings
    )
    spool = LearningSpool(settings.spool_dir, memory.deliver)
    outbox = AuditOutbox(settings.data_dir / "generator" / "audit", memory.append_audit)
    audit = GeneratorAudit(
        outbox, lambda name: next((b.client_id for b in spool.list() if b.name == name), "")
    )
    if args[0] != "list":
        method = "/aicmo.generator.v1.GeneratorService/" + (
            "ReplayLearningBatch" if args[0] == "replay" else "DropLearningBatch"
        )
        where = audit.describe(method, ReplayRequest(args[1]), who)
    outcome_code = "OK"
    try:
        if args[0] == "list":
            for b in spool.list():
                state = "set aside" if b.set_aside else "queued"
                print(f"{b.name}\t{state}\t{b.client_id}\t{b.item_count} item(s)\t{b.reason}")
            print(f"{spool.pending()} queued, {spool.set_aside_count()} set aside in {settings.spool_dir}")
        elif args[0] == "replay":
            outcome, _ = spool.replay(args[1], timeout=REPLAY_TIMEOUT)
            print(f"{args[1]}: {outcome}")
        else:
            spool.drop(args[1])
            print(f"{args[1]}: dropped")
    except UnknownBatch:
        outcome_code = "NOT_FOUND"
        print(f"no learning batch named {args[1]!r} in {settings.spool_dir}", file=sys.stderr)
        return 1
    except BaseException:
        outcome_code = "INTERNAL"
        raise
    finally:
        if args[0] != "list":
            action = "replay_batch" if args[0] == "replay" else "drop_batch"
            # Durable now; the running generator (or the next one) delivers it to memory's audit trail.
            audit.record(AuditEvent(action, method, who, "", outcome_code, *where))
        memory.close()
    return 0


@dataclass
class ReplayRequest:
    name: str


def main() -> int:
    settings = load_settings(GeneratorSettings, "generator")
    if sys.argv[1:2] == ["spool"]:
        return spool_command(settings, sys.argv[2:])
    configure_logging(settings.log_level, settings.log_format, service="generator")
    from services.generator.bootstrap import GeneratorRuntime, create_runtime

    def start() -> GeneratorRuntime:
        runtime = create_runtime(settings)
        port = runtime.start()
        log.info("generator ready on %s:%d (memory at %s)", settings.bind_host, port, settings.memory_target)
        return runtime

    try:
        return run_service(
            "generator",
            start,
            host=settings.bind_host,
            metrics_port=settings.generator_metrics_port,
            metrics_env="AICMO_GENERATOR_METRICS_PORT",
        )
    except PortInUseError as exc:
        log.error("generator cannot start: %s", exc)
        return 2


if __name__ == "__main__":
    sys.exit(main())
