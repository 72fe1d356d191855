"""The generator service's settings (one object, built in bootstrap and passed in)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from services.common import ports
from services.common.settings import OpenAISettings


class GeneratorSettings(OpenAISettings):
    """AICMO_GENERATOR_PORT, AICMO_MEMORY_TARGET, AICMO_RETRIEVAL_BUDGET_MS, AICMO_LLM_MODEL, OPENAI_API_KEY..."""

    generator_port: int = ports.GENERATOR_GRPC
    # A plaintext listener answering only gRPC health checks, for probes that cannot speak TLS (Kubernetes'
    # grpc probes) when the service port is TLS only (AICMO_TLS_*); 0: none.
    generator_health_port: int = Field(default=0, ge=0, le=65535)
    # Where the memory service listens (host:port).
    memory_target: str = ports.local(ports.MEMORY_GRPC)
    # Deadline budget for retrieving learned examples; a slower memory is skipped, never waited on.
    retrieval_budget_ms: int = Field(default=300, ge=10, le=30_000)
    # How long a report waits for its learning to be recorded before leaving it to the spool.
    record_budget_ms: int = Field(default=5_000, ge=0, le=60_000)
    # The durable spool's retry interval while memory is unreachable.
    spool_retry_seconds: float = Field(default=2.0, gt=0, le=300)
    # LLM path: on when OPENAI_API_KEY is set.
    llm_model: str = "gpt-4o-mini"
    llm_section_timeout_seconds: float = Field(default=45.0, gt=0, le=300)
    llm_concurrency: int = Field(default=4, ge=1, le=32)
    # How long a report waits for the model's reading of a pasted brief before reading it without the model.
    llm_understanding_timeout_seconds: float = Field(default=20.0, gt=0, le=120)

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "generator" / "spool"
