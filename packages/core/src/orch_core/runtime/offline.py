"""SQL text output: compile statements with literal values and the dialect's terminator."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Dialect as SADialect


def sa_dialect_for(name: str) -> SADialect:
    """Return a SQLAlchemy dialect instance for a dialect name, without connecting."""
    return sa.engine.make_url(f"{name}://").get_dialect()()


def render_statement(statement: sa.Executable, sa_dialect: SADialect, terminator: str) -> str:
    """Return one statement as SQL text, values rendered as literals by SQLAlchemy.

    DDL carries no bound values; it is compiled without `literal_binds`, which some compile
    hooks registered by other libraries (Alembic's, for one) refuse.
    """
    assert isinstance(statement, sa.ClauseElement)
    is_ddl = isinstance(statement, sa.schema.ExecutableDDLElement)
    options = {} if is_ddl else {"literal_binds": True}
    compiled = statement.compile(dialect=sa_dialect, compile_kwargs=options)
    return f"{str(compiled).strip()}{terminator}\n\n"
