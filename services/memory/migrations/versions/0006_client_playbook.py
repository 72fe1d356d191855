"""The client playbook: each entry's current state in one row, every version appended (PlaybookService).

Two new tables, so nothing existing is locked or rewritten. A version row is never changed once written;
deleting an entry (only a forget does) deletes its versions with it.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "playbook_entries",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("client_id", sa.String(200), nullable=False, server_default=""),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("section_id", sa.String(200), nullable=False, server_default=""),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("pinned", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("state", sa.String(16), nullable=False, server_default="active"),
        sa.Column("removed_by", sa.String(16), nullable=False, server_default=""),
        sa.Column("origin", sa.String(32), nullable=False, server_default=""),
        sa.Column("source_history_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("source_report_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("source_report_version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("source_section_id", sa.String(200), nullable=False, server_default=""),
        sa.Column("source_item_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("author", sa.Text, nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index(
        "ix_playbook_entries_listing",
        "playbook_entries",
        ["client_id", sa.text("pinned DESC"), sa.text("create_time DESC"), sa.text("id DESC")],
    )
    op.create_table(
        "playbook_entry_versions",
        sa.Column(
            "entry_id",
            UUID(as_uuid=True),
            sa.ForeignKey("playbook_entries.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("pinned", sa.Boolean, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("removed_by", sa.String(16), nullable=False, server_default=""),
        sa.Column("author", sa.Text, nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("entry_id", "version", name="pk_playbook_entry_versions"),
    )


def downgrade() -> None:
    op.drop_table("playbook_entry_versions")
    op.drop_table("playbook_entries")
