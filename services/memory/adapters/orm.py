"""SQLAlchemy 2 mapping of the learning tables. Schema changes go through migrations/ (Alembic)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pgvector.sqlalchemy import VECTOR
from sqlalchemy import ARRAY, DateTime, Index, String, Text, func
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class LearningExample(Base):
    """One learned item with its embedding. Vectors of different models share the column (untyped
    `vector`); each model gets its own partial HNSW index over `embedding::vector(dims)`."""

    __tablename__ = "learning_examples"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    text: Mapped[str] = mapped_column(Text, nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    client_id: Mapped[str] = mapped_column(String(200), nullable=False, server_default="")
    industry: Mapped[str] = mapped_column(String(200), nullable=False, server_default="")
    package_key: Mapped[str] = mapped_column(String(200), nullable=False, server_default="")
    section_id: Mapped[str] = mapped_column(String(200), nullable=False, server_default="")
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default=sql_text("'{}'"))
    metadata_: Mapped[dict[str, Any]] = mapped_column(
        "metadata", JSONB, nullable=False, server_default=sql_text("'{}'::jsonb")
    )
    source: Mapped[str] = mapped_column(String(200), nullable=False, server_default="")
    rating: Mapped[str] = mapped_column(String(8), nullable=False, server_default="")
    rating_note: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)
    embedding: Mapped[Any] = mapped_column(VECTOR(), nullable=False)
    embedding_model: Mapped[str] = mapped_column(String(200), nullable=False)
    create_time: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    update_time: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    __table_args__ = (
        Index("uq_learning_examples_content", "kind", "client_id", "content_hash", unique=True),
        Index("ix_learning_examples_create_time", create_time.desc(), id.desc()),
        Index("ix_learning_examples_kind", "kind"),
        Index("ix_learning_examples_client_id", "client_id"),
        Index("ix_learning_examples_embedding_model", "embedding_model"),
    )
