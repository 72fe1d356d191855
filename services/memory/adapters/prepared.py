"""The hot read path: a statement run as a server-side prepared statement on a pooled driver connection.

The search statement is long (two rankings, their fusion, the keyword evidence): parsing and analysing it
took about a third of its time in Postgres. Prepared once per pooled connection, each search sends only
`EXECUTE name (params)`. The caller says whether one generic plan fits every execution (then planning is
skipped too: another 0.45 ms) or each needs a custom plan, planned for its values (a filter's selectivity
decides between the vector index and the others; deciding blind once took 30 ms instead of 2), and which
settings the statement needs (the HNSW search breadth): they are SET LOCAL in the same message.

It runs on the pool's driver connection in autocommit (no BEGIN and ROLLBACK round trips) and decodes rows
as plain tuples: SQLAlchemy's statement context and row objects cost as much as Postgres's own work here.
Driver errors come out as SQLAlchemy's (DBAPIError and subclasses), like every other statement's, so the
service maps them the same way; a connection that broke is invalidated so the pool replaces it.

Behind a transaction pooler (PgBouncer in transaction mode), a statement prepared on one server connection
is unknown on the next. The first such error turns preparing off for the process (logged once), and the
statement runs unprepared from then on.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from typing import Any

import psycopg2
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from services.common.observability import metrics, tracing

log = logging.getLogger(__name__)

_NAMED = re.compile(r"%\((\w+)\)s")
_INFO_KEY = "aicmo_prepared"
# invalid_sql_statement_name (unknown prepared statement), duplicate_prepared_statement.
_POOLER_ERRORS = ("26000", "42P05")


class PreparedReads:
    """Runs read-only statements (pyformat parameters) prepared per pooled connection, in autocommit."""

    def __init__(self, engine: Engine, prefix: str, *, enabled: bool = True) -> None:
        self.engine = engine
        self.prefix = prefix
        self.enabled = enabled
        self._by_sql: dict[str, tuple[str, str, tuple[str, ...]]] = {}

    def _statement(self, sql: str) -> tuple[str, str, tuple[str, ...]]:
        """(name, SQL with $n placeholders, parameter names in $n order) for a pyformat statement."""
        known = self._by_sql.get(sql)
        if known is None:
            names: list[str] = []

            def positional(match: re.Match[str]) -> str:
                if match.group(1) not in names:
                    names.append(match.group(1))
                return f"${names.index(match.group(1)) + 1}"

            body = _NAMED.sub(positional, sql)
            known = self._by_sql[sql] = (f"{self.prefix}_{len(self._by_sql) + 1}", body, tuple(names))
        return known

    def rows(
        self,
        sql: str,
        params: Mapping[str, Any],
        *,
        generic_plan: bool = False,
        session: Mapping[str, str] | None = None,
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """(column names, rows) of `sql` with `params`. `generic_plan`: one plan serves every execution;
        `session`: settings the statement needs (e.g. hnsw.ef_search), for it alone."""
        started = time.perf_counter()
        pooled = self.engine.raw_connection()  # checked out (and pinged) like any other statement's
        try:
            driver: Any = pooled.dbapi_connection
            was_autocommit = driver.autocommit
            driver.autocommit = True
            try:
                with tracing.sql_span("SELECT", self.prefix):
                    settings = dict(session or {})
                    settings["plan_cache_mode"] = (
                        "force_generic_plan" if generic_plan else "force_custom_plan"
                    )
                    # SET LOCAL in the statement's own message: one round trip, and the settings end with
                    # it (nothing lingers on the connection, nor on a pooler's shared server connection).
                    prefix = "".join(f"SET LOCAL {name} = {value}; " for name, value in settings.items())
                    return self._run(pooled.info, driver, prefix, sql, params)
            except psycopg2.Error as exc:
                if isinstance(exc, psycopg2.OperationalError | psycopg2.InterfaceError) or driver.closed:
                    pooled.invalidate(exc)
                raise DBAPIError.instance(sql, dict(params), exc, psycopg2.Error) from exc
            finally:
                if not driver.closed:
                    driver.autocommit = was_autocommit
        finally:
            pooled.close()  # back to the pool
            metrics.SQL_SECONDS.labels("select").observe(time.perf_counter() - started)

    def _run(
        self, info: dict[Any, Any], driver: Any, prefix: str, sql: str, params: Mapping[str, Any]
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        with driver.cursor() as cur:
            if self.enabled:
                name, body, names = self._statement(sql)
                prepared: set[str] = info.setdefault(_INFO_KEY, set())
                try:
                    if name not in prepared:
                        cur.execute(f"PREPARE {name} AS {body}")
                        prepared.add(name)
                    arguments = ", ".join(["%s"] * len(names))
                    cur.execute(f"{prefix}EXECUTE {name} ({arguments})", [params[n] for n in names])
                    return [c[0] for c in cur.description], cur.fetchall()
                except psycopg2.Error as exc:
                    if exc.pgcode not in _POOLER_ERRORS:
                        raise
                    prepared.discard(name)
                    self.enabled = False
                    log.warning(
                        "prepared statements do not survive between statements on this database (a "
                        "transaction pooler?); %s statements run unprepared from now on",
                        self.prefix,
                    )
            cur.execute(prefix + sql, dict(params))
            return [c[0] for c in cur.description], cur.fetchall()
