"""Composition root of the generator service."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from aicmo.generator.v1 import generator_service_pb2 as pb
from aicmo.generator.v1 import generator_service_pb2_grpc as pb_grpc

from services.common.auth import (
    Identity,
    ServiceToken,
    auth_interceptors,
    current_identity,
    key_source,
    metadata_for,
)
from services.common.errors import GrpcErrorInterceptor
from services.common.logging import register_secret
from services.common.observability import metrics
from services.common.server import GrpcApp
from services.common.timeouts import generation_deadline
from services.common.tls import server_credentials
from services.generator.adapters.audit_outbox import AuditOutbox, GeneratorAudit
from services.generator.adapters.llm import LlmWriter
from services.generator.adapters.llm_understanding import LlmBriefReader
from services.generator.adapters.memory_client import MemoryClient
from services.generator.adapters.spool import LearningSpool
from services.generator.entrypoints.grpc_servicer import GeneratorServicer
from services.generator.service_layer.checked_writer import RuleCheckedWriter
from services.generator.service_layer.generation import GenerationConfig, ReportGenerator
from services.generator.settings import GeneratorSettings

log = logging.getLogger(__name__)

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["GeneratorService"].full_name


@dataclass
class GeneratorRuntime:
    app: GrpcApp
    generator: ReportGenerator
    memory: MemoryClient
    spool: LearningSpool
    outbox: AuditOutbox

    def start(self) -> int:
        port = self.app.start()
        self.spool.start()
        self.outbox.start()
        self.app.set_serving(True)
        return port

    def stop(self) -> None:
        self.app.stop()


def service_credentials(
    settings: GeneratorSettings, acting: Identity | None = None
) -> Callable[[], tuple[tuple[str, str], ...]]:
    """Per call to memory: the generator's own token and the person it acts for (the caller of the call
    being served, or `acting` outside calls, e.g. the spool command)."""
    if settings.auth == "off":
        return lambda: ()
    token = ServiceToken(key_source(settings), "generator")

    def credentials() -> tuple[tuple[str, str], ...]:
        who = current_identity()
        return metadata_for(who if who.person or acting is None else acting, token.get())

    return credentials


def create_runtime(settings: GeneratorSettings) -> GeneratorRuntime:
    memory = MemoryClient(
        settings.memory_target, credentials=service_credentials(settings), settings=settings
    )
    spool = LearningSpool(settings.spool_dir, memory.deliver, retry_seconds=settings.spool_retry_seconds)
    metrics.SPOOL_QUEUED.set_function(spool.pending)
    metrics.SPOOL_SET_ASIDE.set_function(spool.set_aside_count)
    metrics.SPOOL_OLDEST_AGE.set_function(spool.oldest_age_seconds)
    if spool.pending():
        log.info("%d report(s) wait in the learning spool; delivering in the background", spool.pending())
    llm = None
    reader = None
    if settings.openai_api_key is not None:
        register_secret(settings.openai_api_key.get_secret_value())
        # Every model-written section is checked against the brief's rules before it is accepted.
        llm = RuleCheckedWriter(
            LlmWriter(
                api_key=settings.openai_api_key.get_secret_value(),
                model=settings.llm_model,
                base_url=settings.openai_base_url,
            )
        )
        # The model reads pasted briefs too; what it reads is grounded in the brief's words before use.
        reader = LlmBriefReader(
            api_key=settings.openai_api_key.get_secret_value(),
            model=settings.llm_model,
            base_url=settings.openai_base_url,
        )
        log.info(
            "LLM path on: model %s%s",
            settings.llm_model,
            f" at {settings.openai_base_url}" if settings.openai_base_url else "",
        )
    else:
        log.info("no OPENAI_API_KEY: sections are written by the offline composer")
    generator = ReportGenerator(
        memory=memory,
        spool=spool,
        llm=llm,
        reader=reader,
        config=GenerationConfig(
            retrieval_budget=settings.retrieval_budget_ms / 1000,
            record_budget=settings.record_budget_ms / 1000,
            llm_section_timeout=settings.llm_section_timeout_seconds,
            llm_concurrency=settings.llm_concurrency,
            understanding_timeout=settings.llm_understanding_timeout_seconds,
        ),
    )
    outbox = AuditOutbox(settings.data_dir / "generator" / "audit", memory.append_audit)

    def batch_client(name: str) -> str:
        return next((b.client_id for b in spool.list() if b.name == name), "")

    servicer = GeneratorServicer(
        generator, memory, spool, generation_deadline(settings.generate_timeout_seconds)
    )
    app = GrpcApp(
        name="generator",
        host=settings.bind_host,
        port=settings.generator_port,
        service_names=[SERVICE_NAME],
        register=lambda server: pb_grpc.add_GeneratorServiceServicer_to_server(servicer, server),
        interceptors=[
            *auth_interceptors(settings, "generator", audit=GeneratorAudit(outbox, batch_client)),
            GrpcErrorInterceptor(),
        ],
        grace_seconds=settings.shutdown_grace_seconds,
        credentials=server_credentials(settings),
        health_port=settings.generator_health_port,
    )
    app.on_stop(memory.close)
    app.on_stop(generator.close)
    app.on_stop(spool.stop)
    app.on_stop(outbox.stop)
    return GeneratorRuntime(app=app, generator=generator, memory=memory, spool=spool, outbox=outbox)
