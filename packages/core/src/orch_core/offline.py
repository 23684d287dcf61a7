"""SQL text output: compile statements with literal values and the dialect's terminator."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Dialect as SADialect


def sa_dialect_for(name: str) -> SADialect:
    """Return a SQLAlchemy dialect instance for a dialect name, without connecting."""
    return sa.engine.make_url(f"{name}://").get_dialect()()


def render_statement(statement: sa.Executable, sa_dialect: SADialect, terminator: str) -> str:
    """Return one statement as SQL text, values rendered as literals by SQLAlchemy."""
    assert isinstance(statement, sa.ClauseElement)
    compiled = statement.compile(dialect=sa_dialect, compile_kwargs={"literal_binds": True})
    return f"{str(compiled).strip()}{terminator}\n\n"
