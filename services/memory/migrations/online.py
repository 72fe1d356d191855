"""Helpers for migrations that run while the service serves (`python -m services.memory migrate`, before
new code starts and beside old code that keeps serving). database.migrate() already gives every migration
transaction SET LOCAL lock_timeout: a statement that would wait for a lock gives up (and the migration is
tried again) rather than hold every write on the table up behind it.

The rules:
- Expand, then contract. A migration only adds what new code needs (a nullable column, or one with a
  constant default: no table rewrite; a new table; an index built concurrently) and old code keeps working
  on the result; what old code still uses is removed by a later migration, once no old code runs.
- Inside a transaction only what is quick under its lock: metadata changes, constraints added NOT VALID
  (VALIDATE takes a weaker lock, in a migration of its own).
- Indexes: create_index_concurrently (outside a transaction; writes go on during the build).
- Filling a new column: backfill (batches, each its own short transaction), outside the DDL's transaction.
- Never a stored generated column, a type change or a volatile default on a large table: each rewrites
  the table under an exclusive lock.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text


def create_index_concurrently(
    name: str, table: str, columns: str, *, using: str = "btree", where: str = "", unique: bool = False
) -> None:
    """CREATE INDEX CONCURRENTLY, committed apart from the migration's transaction. A build that failed
    half-way (leaving an invalid index behind) is dropped and built again; a valid index is kept."""
    with op.get_context().autocommit_block():
        bind = op.get_bind()
        invalid = bind.execute(
            text("SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(:name)"), {"name": name}
        ).scalar()
        if invalid:
            bind.execute(text(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"'))
        bind.execute(
            text(
                f'CREATE {"UNIQUE " if unique else ""}INDEX CONCURRENTLY IF NOT EXISTS "{name}" '
                f'ON "{table}" USING {using} ({columns}){f" WHERE {where}" if where else ""}'
            )
        )


def backfill(table: str, assignments: str, pending: str, *, key: str = "id", batch: int = 1000) -> int:
    """UPDATE `table` SET `assignments` on the rows matching `pending`, `batch` rows per transaction, in one
    pass over the primary key `key` (each batch a key range, found by the key's index), then once more over
    what was written meanwhile by code that does not fill the column yet; returns the rows updated.
    Rows written after that stay unfilled until the code that fills them runs everywhere: a later
    (contract) migration fills and enforces the rest."""
    total = 0
    with op.get_context().autocommit_block():
        bind = op.get_bind()
        last: object = None
        while True:
            params: dict[str, object] = {"skip": batch - 1}
            after = ""
            if last is not None:
                after, params["last"] = f'"{key}" > :last', last
            upper = bind.execute(
                text(
                    f'SELECT "{key}" FROM "{table}" {"WHERE " + after if after else ""} '
                    f'ORDER BY "{key}" OFFSET :skip LIMIT 1'
                ),
                params,
            ).scalar()
            bounds = [after] if after else []
            if upper is not None:
                bounds.append(f'"{key}" <= :upper')
                params["upper"] = upper
            where = " AND ".join([*bounds, f"({pending})"])
            total += bind.execute(text(f'UPDATE "{table}" SET {assignments} WHERE {where}'), params).rowcount
            if upper is None:
                break
            last = upper
        while True:  # what was written during the pass
            done = bind.execute(
                text(
                    f'UPDATE "{table}" SET {assignments} WHERE "{key}" IN '
                    f'(SELECT "{key}" FROM "{table}" WHERE {pending} LIMIT :batch)'
                ),
                {"batch": batch},
            ).rowcount
            total += done
            if done < batch:
                return total
