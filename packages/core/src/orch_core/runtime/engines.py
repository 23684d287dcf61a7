"""SQLAlchemy engines as orch needs them: each database's own set-up comes from its dialect."""

from __future__ import annotations

import sqlalchemy as sa

from orch_core.dialects import REGISTRY, Dialect


def _dialect(url: sa.URL) -> Dialect | None:
    # Only databases with a module of their own set anything up; the rest (and a URL no
    # driver answers to) go to SQLAlchemy as they are, which reports what is wrong.
    return REGISTRY.get(url.get_backend_name())


def is_missing(url: str) -> bool:
    """Return whether connecting to url would create the database (a SQLite file not there).

    A command that only reads (current, status, verify, --dry-run, --sql) sees such a database
    as empty instead, and leaves nothing behind."""
    parsed = sa.make_url(url)
    dialect = _dialect(parsed)
    return dialect is not None and dialect.is_missing is not None and dialect.is_missing(parsed)


def create_engine(url: str) -> sa.Engine:
    """Return an engine for url, made as its dialect asks (SQLite: transactional DDL)."""
    parsed = sa.make_url(url)
    dialect = _dialect(parsed)
    if dialect is not None and dialect.create_engine is not None:
        return dialect.create_engine(parsed)
    return sa.create_engine(parsed)
