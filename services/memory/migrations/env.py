"""Alembic environment: migrations run on the connection the memory service hands over (see database.py)."""

from __future__ import annotations

from alembic import context

from services.memory.adapters.orm import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through services.memory.adapters.database.migrate()")

context.configure(connection=connection, target_metadata=Base.metadata, transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()
