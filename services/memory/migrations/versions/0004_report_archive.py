"""The report archive: every version of every report, per client (ReportArchiveService).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_versions",
        sa.Column("history_id", UUID(as_uuid=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("report_id", UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("client_id", sa.String(200), nullable=False),
        sa.Column("client_name", sa.Text, nullable=False, server_default=""),
        sa.Column("brand_name", sa.Text, nullable=False, server_default=""),
        sa.Column("package_key", sa.String(200), nullable=False, server_default=""),
        sa.Column("package_label", sa.Text, nullable=False, server_default=""),
        sa.Column("stage", sa.String(16), nullable=False, server_default=""),
        sa.Column("origin", sa.String(32), nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("markdown", sa.Text, nullable=False),
        sa.Column("sections", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("brief", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("history_id", "version", name="pk_report_versions"),
    )
    op.create_index("ix_report_versions_client_id", "report_versions", ["client_id"])
    op.create_index("ix_report_versions_create_time", "report_versions", [sa.text("create_time DESC")])


def downgrade() -> None:
    op.drop_table("report_versions")
