"""learning_examples: items with embeddings (pgvector), JSONB metadata, dedup and idempotency keys.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import VECTOR
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "learning_examples",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(200), nullable=False, server_default=""),
        sa.Column("industry", sa.String(200), nullable=False, server_default=""),
        sa.Column("package_key", sa.String(200), nullable=False, server_default=""),
        sa.Column("section_id", sa.String(200), nullable=False, server_default=""),
        sa.Column("tags", ARRAY(sa.Text), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("metadata", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("source", sa.String(200), nullable=False, server_default=""),
        sa.Column("rating", sa.String(8), nullable=False, server_default=""),
        sa.Column("rating_note", sa.Text, nullable=False, server_default=""),
        sa.Column("idempotency_key", sa.String(200), nullable=True, unique=True),
        sa.Column("embedding", VECTOR(), nullable=False),
        sa.Column("embedding_model", sa.String(200), nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("rating IN ('', 'gold', 'weak')", name="ck_learning_examples_rating"),
    )
    op.create_index(
        "uq_learning_examples_content",
        "learning_examples",
        ["kind", "client_id", "content_hash"],
        unique=True,
    )
    op.create_index(
        "ix_learning_examples_create_time",
        "learning_examples",
        [sa.text("create_time DESC"), sa.text("id DESC")],
    )
    op.create_index("ix_learning_examples_kind", "learning_examples", ["kind"])
    op.create_index("ix_learning_examples_client_id", "learning_examples", ["client_id"])
    op.create_index("ix_learning_examples_embedding_model", "learning_examples", ["embedding_model"])


def downgrade() -> None:
    op.drop_table("learning_examples")
