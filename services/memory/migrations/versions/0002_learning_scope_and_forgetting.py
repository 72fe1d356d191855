"""Learning trust: item scope (client or agency library), parents and id aliases, durable forgets.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing items: those with a client belong to it; the rest (uploads without a client) are the library.
    op.add_column(
        "learning_examples", sa.Column("scope", sa.String(16), nullable=False, server_default="client")
    )
    op.execute("UPDATE learning_examples SET scope = 'agency' WHERE client_id = ''")
    op.create_check_constraint(
        "ck_learning_examples_scope",
        "learning_examples",
        "scope IN ('client', 'agency') AND (scope = 'agency' OR client_id <> '')",
    )
    op.add_column("learning_examples", sa.Column("parent_id", UUID(as_uuid=True), nullable=True))
    op.create_index("ix_learning_examples_parent_id", "learning_examples", ["parent_id"])
    op.create_index("ix_learning_examples_scope_agency", "learning_examples", ["scope"])
    # A caller-chosen id whose content turned out to duplicate another item points at that item.
    op.create_table(
        "learning_item_aliases",
        sa.Column("alias_id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "item_id",
            UUID(as_uuid=True),
            sa.ForeignKey("learning_examples.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("parent_id", UUID(as_uuid=True), nullable=True),
    )
    op.create_index("ix_learning_item_aliases_item_id", "learning_item_aliases", ["item_id"])
    op.create_index("ix_learning_item_aliases_parent_id", "learning_item_aliases", ["parent_id"])
    # The durable record of a forget: writes for the client from work started before it are discarded.
    op.create_table(
        "forgotten_clients",
        sa.Column("client_id", sa.String(200), primary_key=True),
        sa.Column("forget_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("discarded_count", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("forgotten_clients")
    op.drop_table("learning_item_aliases")
    op.drop_index("ix_learning_examples_scope_agency", "learning_examples")
    op.drop_index("ix_learning_examples_parent_id", "learning_examples")
    op.drop_column("learning_examples", "parent_id")
    op.drop_constraint("ck_learning_examples_scope", "learning_examples")
    op.drop_column("learning_examples", "scope")
