"""Title words' statistics for search's title ranking (the title as its own field, issue 20).

`learning_title_lexeme_stats` holds, for each stemmed word of the items' titles, the share of items whose
title holds it; search weighs a query word found in a title by its rarity among titles (a section's name,
"Persona Cards", is rare there though its words are everywhere in reports). A new small table: nothing
existing is locked or rewritten; it is filled with the other statistics (LearningRepository.
refresh_search_statistics), so a search before the first refresh treats every title word as rare.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learning_title_lexeme_stats",
        sa.Column("lexeme", sa.Text, primary_key=True),
        sa.Column("title_share", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("learning_title_lexeme_stats")
