"""The memory service's settings (one object, built in bootstrap and passed in)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from services.common import ports
from services.common.settings import OpenAISettings

POSTGRES_SCHEMES = ("postgresql+psycopg2://", "postgresql://", "postgres://")


class MemorySettings(OpenAISettings):
    """AICMO_MEMORY_PORT, AICMO_MEMORY_DB, AICMO_EMBEDDING_PROVIDER, AICMO_FAKE_EMBEDDINGS, ..."""

    memory_port: int = ports.MEMORY_GRPC
    # A plaintext listener answering only gRPC health checks, for probes that cannot speak TLS (Kubernetes'
    # grpc probes) when the service port is TLS only (AICMO_TLS_*); 0: none.
    memory_health_port: int = Field(default=0, ge=0, le=65535)
    # A SQLAlchemy/Postgres URL for an external server; unset means the embedded Postgres.
    memory_db: SecretStr | None = None
    embedded_pg_port: int = ports.EMBEDDED_POSTGRES
    embedding_provider: Literal["local", "openai"] = "local"
    fake_embeddings: bool = False
    openai_embedding_model: str = "text-embedding-3-small"

    # HNSW search breadth: higher is more exact and slower (see `make bench`). Plain and client-scoped
    # searches: 40 kept >= 99.7 % of the exact top-10 at 10k and 100k items. Searches with a filter (kind,
    # industry, ...) skip rows failing it during the scan and need a wider beam.
    hnsw_ef_search: int = Field(default=64, ge=10, le=1000)
    hnsw_ef_search_filtered: int = Field(default=100, ge=10, le=1000)
    # Threads for one run of the local embedding model; 0 lets onnxruntime use one per core. Idle threads
    # sleep rather than spin either way.
    embedding_threads: int = Field(default=0, ge=0, le=64)
    # The local model's weights: "int8" (about 1.7x faster, vectors within cosine 0.98 of full precision;
    # prepared once from the shipped model into embedding_cache_dir) or "float32" (the reference).
    embedding_precision: Literal["int8", "float32"] = "int8"
    # Where the prepared int8 model is cached (unset: $XDG_CACHE_HOME/aicmo/models or ~/.cache/aicmo/models).
    embedding_cache_dir: Path | None = None
    # Background embedders in this replica working off the queue of items acknowledged before their
    # embedding (0: this replica leaves the queue to others).
    embedding_workers: int = Field(default=1, ge=0, le=8)
    # Items per background embedding transaction.
    embedding_batch_size: int = Field(default=32, ge=1, le=256)
    # How often an idle background embedder looks for items other replicas queued.
    embedding_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    db_health_interval_seconds: float = Field(default=2.0, gt=0)
    db_connect_timeout_seconds: int = Field(default=3, ge=1, le=60)
    # How long a start waits for an unreachable database (errors waiting cannot fix end the start at once).
    db_wait_seconds: float = Field(default=30.0, ge=0, le=600)
    # Migrations. A start migrates by itself unless told not to: `make run` and Kubernetes migrate first, as
    # a step of their own (`python -m services.memory migrate`), and the service then only checks that the
    # schema is current (waiting up to db_wait_seconds for a migration in progress).
    migrate_on_start: bool = True
    # The first admin's password, used once: when the account store is empty at start (otherwise a random
    # one is made and printed once). Later changes go through `python -m services.memory accounts`.
    admin_password: SecretStr | None = None
    # A migration statement waits this long for a lock (writes queue behind a waiting DDL), then that
    # migration rolls back and is tried again after a pause, for up to migration_wait_seconds in all.
    migration_lock_timeout_ms: int = Field(default=500, ge=10, le=60_000)
    migration_wait_seconds: float = Field(default=600.0, gt=0)

    # AICMO_FORGET_LEDGER: the append-only record of every forget and import, kept outside the database so
    # that a restored backup forgets again whom it should (unset: $AICMO_DATA_DIR/forget-ledger.jsonl). In
    # Kubernetes every memory replica must write the same file (a shared volume).
    forget_ledger: Path | None = None

    @property
    def forget_ledger_path(self) -> Path:
        return self.forget_ledger if self.forget_ledger is not None else self.data_dir / "forget-ledger.jsonl"

    @field_validator("memory_db")
    @classmethod
    def _postgres_only(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        url = value.get_secret_value().strip()
        if not url.startswith(POSTGRES_SCHEMES):
            raise ValueError(
                "AICMO_MEMORY_DB must be a Postgres URL (postgresql+psycopg2://, postgresql:// or postgres://)"
            )
        return SecretStr(url)

    @property
    def sqlalchemy_url(self) -> str | None:
        """AICMO_MEMORY_DB normalised to the psycopg2 driver, or None for the embedded server."""
        if self.memory_db is None:
            return None
        url = self.memory_db.get_secret_value()
        for scheme in ("postgres://", "postgresql://"):
            if url.startswith(scheme):
                return "postgresql+psycopg2://" + url[len(scheme) :]
        return url
