"""SQLAlchemy 2 mapping of the learning tables. Schema changes go through migrations/ (Alembic)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pgvector.sqlalchemy import VECTOR
from sqlalchemy import ARRAY, DateTime, ForeignKey, Index, Integer, String, Text, func
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
    # 'client' (only its client's reports may use it) or 'agency' (the library: any report may).
    scope: Mapped[str] = mapped_column(String(16), nullable=False, server_default="client")
    parent_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), nullable=True)

    __table_args__ = (
        Index("uq_learning_examples_content", "kind", "client_id", "content_hash", unique=True),
        Index("ix_learning_examples_create_time", create_time.desc(), id.desc()),
        Index("ix_learning_examples_kind", "kind"),
        Index("ix_learning_examples_client_id", "client_id"),
        Index("ix_learning_examples_embedding_model", "embedding_model"),
        Index("ix_learning_examples_parent_id", "parent_id"),
        Index("ix_learning_examples_scope_agency", "scope"),
    )


class LearningItemAlias(Base):
    """A caller-chosen item id whose content duplicated another item: the id resolves to that item."""

    __tablename__ = "learning_item_aliases"

    alias_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    item_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("learning_examples.id", ondelete="CASCADE"), nullable=False
    )
    parent_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), nullable=True)

    __table_args__ = (
        Index("ix_learning_item_aliases_item_id", "item_id"),
        Index("ix_learning_item_aliases_parent_id", "parent_id"),
    )


class ForgottenClientRow(Base):
    """The durable record of a forget (see LearningRepository.forget_client)."""

    __tablename__ = "forgotten_clients"

    client_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    forget_time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    deleted_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    discarded_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
