"""Hybrid search and the embedding queue: a weighted full-text column, embeddings computed after the commit.

- `search_text`: a generated tsvector over title (weight A) and text (weight B) with a GIN index, for the
  keyword half of hybrid search. Its statistics target is raised so ANALYZE keeps the frequencies of many
  lexemes, and `learning_lexeme_stats` holds a copy of them (lexeme -> share of items containing it) that
  search joins to weigh the query's words by rarity (see LearningRepository.refresh_search_statistics).
- `embedding` may be NULL: a write commits text and metadata, and rows whose embedding is NULL are the
  queue the embedding workers take from (FOR UPDATE SKIP LOCKED). `embedding_model` is '' exactly while
  the embedding is missing. `embed_attempts` counts failed attempts, so a failing item goes to the back.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("learning_examples", "embedding", nullable=True)
    op.alter_column("learning_examples", "embedding_model", server_default="")
    op.create_check_constraint(
        "ck_learning_examples_embedding_model",
        "learning_examples",
        "(embedding IS NULL) = (embedding_model = '')",
    )
    op.add_column(
        "learning_examples",
        sa.Column("embed_attempts", sa.SmallInteger, nullable=False, server_default="0"),
    )
    op.create_index(
        "ix_learning_examples_embedding_queue",
        "learning_examples",
        ["embed_attempts", "create_time"],
        postgresql_where=sa.text("embedding IS NULL"),
    )
    op.execute(
        "ALTER TABLE learning_examples ADD COLUMN search_text tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('english'::regconfig, title), 'A') || "
        "setweight(to_tsvector('english'::regconfig, text), 'B')) STORED"
    )
    op.execute("ALTER TABLE learning_examples ALTER COLUMN search_text SET STATISTICS 1000")
    op.create_index(
        "ix_learning_examples_search_text", "learning_examples", ["search_text"], postgresql_using="gin"
    )
    op.create_table(
        "learning_lexeme_stats",
        sa.Column("lexeme", sa.Text, primary_key=True),
        sa.Column("doc_share", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("learning_lexeme_stats")
    op.drop_index("ix_learning_examples_search_text", "learning_examples")
    op.drop_column("learning_examples", "search_text")
    op.drop_index("ix_learning_examples_embedding_queue", "learning_examples")
    op.drop_column("learning_examples", "embed_attempts")
    op.drop_constraint("ck_learning_examples_embedding_model", "learning_examples")
    op.execute("DELETE FROM learning_examples WHERE embedding IS NULL")
    op.alter_column("learning_examples", "embedding_model", server_default=None)
    op.alter_column("learning_examples", "embedding", nullable=False)
