"""A tenant's PostgreSQL schema as the search_path of every connection to it.

As in Alembic's multi-tenant recipe: a script's unqualified names (`op.create_table("users")`)
then land in the tenant's schema, and the same scripts serve every tenant.

A tenant with an engine of its own sets it once per new connection. Tenants that share an
engine (shared_engines.py) each set it on the connection they check out, before its first
transaction, and the pool resets the session when it comes back (DISCARD ALL but for prepared
statements, as PgBouncer resets between clients), so that no tenant finds another's
search_path, settings or locks.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from orch_core.runtime.driver_statements import driver_error

# Where a pooled connection records the schema its session's search_path is set to.
_SCHEMA_KEY = "orch.tenant_schema"
# The execution option by which a tenant's view of a shared engine names its schema.
SCHEMA_OPTION = "orch_tenant_schema"
# DISCARD ALL but its DEALLOCATE ALL, whose dropping of prepared statements psycopg 3 does not
# always notice (it then runs one that is gone): the search_path and every setting a script
# changed (a role, timeouts), cursors, LISTENs, session locks, temporary tables, cached plans.
# The prepared statements kept are the driver's own, replanned for the next search_path.
_RESET_SESSION = (
    "CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; UNLISTEN *; "
    "SELECT pg_advisory_unlock_all(); DISCARD PLANS; DISCARD TEMP; DISCARD SEQUENCES"
)


def attach_search_path(engine: sa.Engine, schema: str) -> None:
    """Make schema the search_path of each new connection of engine."""
    quoted = engine.dialect.identifier_preparer.quote_schema(schema)

    @sa.event.listens_for(engine, "connect", insert=True)
    def _set_search_path(dbapi_connection: Any, _record: Any) -> None:
        _outside_transaction(dbapi_connection, f"SET SESSION search_path TO {quoted}")


def attach_tenant_views(shared: sa.Engine) -> None:
    """Make the schema a view of the shared engine names (`shared.execution_options(
    **{SCHEMA_OPTION: schema})`) the search_path of each connection checked out through it,
    from its first transaction on; also after a reconnection, which opens a new session.

    Registered once, on the shared engine: SQLAlchemy's listeners may not be added while other
    threads run its events, so the views add none."""
    preparer = shared.dialect.identifier_preparer

    @sa.event.listens_for(shared, "begin")
    def _set_search_path(connection: sa.Connection) -> None:
        # Before the driver's own transaction begins (it begins with the first statement).
        schema = connection.get_execution_options().get(SCHEMA_OPTION)
        info = connection.connection.info
        if schema is None or info.get(_SCHEMA_KEY) == schema:
            return
        statement = f"SET SESSION search_path TO {preparer.quote_schema(schema)}"
        try:
            _outside_transaction(connection.connection.dbapi_connection, statement)
        except connection.dialect.loaded_dbapi.Error as exc:
            # Reported as SQLAlchemy reports a statement's failure; a session the server
            # closed is not used again.
            raise driver_error(connection, statement, None, exc) from exc
        info[_SCHEMA_KEY] = schema


def reset_tenant_sessions(shared: sa.Engine) -> None:
    """Reset each session a tenant used before the shared engine's pool takes it back; a
    session that cannot be reset is closed instead (SQLAlchemy invalidates it)."""

    @sa.event.listens_for(shared.pool, "reset")
    def _discard(dbapi_connection: Any, record: Any, _state: Any) -> None:
        if record.info.pop(_SCHEMA_KEY, None) is None:
            return  # no tenant set this session up
        dbapi_connection.rollback()  # whatever the tenant left open (a no-op otherwise)
        _outside_transaction(dbapi_connection, _RESET_SESSION)


def _outside_transaction(dbapi_connection: Any, statement: str) -> None:
    """Run statement on the driver connection in autocommit: a later rollback keeps it."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(statement)  # orch's own text, identifiers quoted
    finally:
        cursor.close()
        dbapi_connection.autocommit = autocommit
