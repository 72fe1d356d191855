"""Client ids keep letters of every script: re-file generator-made items and report versions by their name.

Until now a client id kept only a-z and 0-9, so names in other scripts all became "unknown-client" (and
their clients shared learning) and accents were dropped ("Café" → "caf"). Rows the generator made carry the
client's name (items in metadata.client_name, report versions in client_name), so they are re-filed under
the new rule; items uploaded by hand under an id keep it. The rule is copied here as it was at this
revision (later changes to services/common/client_ids.py must not change what this migration did).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_NOT_ID = re.compile(r"[\W_]+")


def _fold(char: str) -> str:
    base = unicodedata.normalize("NFKD", char)[:1]
    return base if base.isascii() and base.isalpha() else char


def _client_key(name: str) -> str:
    stripped = name.strip()
    if not stripped:
        return "unknown-client"
    key = _NOT_ID.sub("-", "".join(map(_fold, stripped)).lower()).strip("-")
    return key or "client-" + hashlib.sha256(stripped.encode("utf-8")).hexdigest()[:12]


def upgrade() -> None:
    conn = op.get_bind()
    items = conn.execute(
        sa.text(
            "SELECT DISTINCT client_id, metadata->>'client_name' AS name FROM learning_examples "
            "WHERE source = 'generator' AND COALESCE(metadata->>'client_name', '') <> ''"
        )
    ).all()
    for old, name in items:
        new = _client_key(name)
        if new != old:
            # Skip a row whose content the new client already holds (the unique content index).
            conn.execute(
                sa.text(
                    "UPDATE learning_examples l SET client_id = :new WHERE client_id = :old "
                    "AND source = 'generator' AND metadata->>'client_name' = :name AND NOT EXISTS ("
                    "SELECT 1 FROM learning_examples d WHERE d.kind = l.kind AND d.client_id = :new "
                    "AND d.content_hash = l.content_hash)"
                ),
                {"new": new, "old": old, "name": name},
            )
    versions = conn.execute(sa.text("SELECT DISTINCT client_id, client_name FROM report_versions")).all()
    for old, name in versions:
        new = _client_key(name or "")
        if name and new != old:
            conn.execute(
                sa.text(
                    "UPDATE report_versions SET client_id = :new WHERE client_id = :old AND client_name = :name"
                ),
                {"new": new, "old": old, "name": name},
            )


def downgrade() -> None:
    """Nothing to undo safely: the old rule merged clients, so their rows cannot be told apart again."""
