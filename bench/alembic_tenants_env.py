"""Alembic's multi-tenant loop in one process: one env.py that migrates every tenant.

bench/fleet_scale.py copies this file as the env.py of an Alembic environment whose ini names
`tenants_file` (one name a line) and `tenant_url` ({name} in it). With `tenant_schema` ({name}
in it) the tenants are schemas of one PostgreSQL database, as in Alembic's cookbook recipe:
per tenant a connection whose search_path is the schema, the dialect's default schema set to
it, and `version_table_schema` the schema. The scripts are read once for all tenants, which
makes this the fastest Alembic loop in one process.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import context


def _migrate(connection: sa.Connection, schema: str | None) -> None:
    context.configure(
        connection=connection, transaction_per_migration=True, version_table_schema=schema
    )
    with context.begin_transaction():
        context.run_migrations()


def _databases(url: str, names: list[str]) -> None:
    for name in names:
        engine = sa.create_engine(url.replace("{name}", name), poolclass=sa.pool.NullPool)
        with engine.connect() as connection:
            _migrate(connection, None)
        engine.dispose()


def _schemas(url: str, schema: str, names: list[str]) -> None:
    engine = sa.create_engine(url)  # one pool: each tenant checks out the same connection
    for name in names:
        tenant = schema.replace("{name}", name)
        with engine.connect() as connection:
            quoted = connection.dialect.identifier_preparer.quote_schema(tenant)
            connection.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {quoted}"))
            connection.execute(sa.text(f"SET search_path TO {quoted}"))
            connection.commit()
            connection.dialect.default_schema_name = tenant
            _migrate(connection, tenant)
    engine.dispose()


def run() -> None:
    """Migrate every tenant the ini names, one after another."""
    config = context.config
    names = Path(config.get_main_option("tenants_file") or "").read_text().split()
    url = config.get_main_option("tenant_url") or ""
    schema = config.get_main_option("tenant_schema")
    if schema:
        _schemas(url, schema, names)
    else:
        _databases(url, names)


run()
