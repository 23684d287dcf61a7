"""SQL text output: compile statements with literal values and the dialect's terminator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Dialect as SADialect

from orch_core.errors import UnsupportedOperation


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


def writing_connection(
    sa_dialect: SADialect, emit: Callable[[sa.Executable], None]
) -> sa.Connection:
    """Return what offline `op.get_bind()` gives, as Alembic's does: a mock connection whose
    execute() (and `metadata.create_all(bind)`) writes the statement to the SQL output.

    It is typed as a Connection, as Alembic types it; it returns no results."""

    def execute(statement: sa.Executable | str, parameters: Any = None, *_: Any) -> None:
        if parameters:
            reason = "offline SQL takes no bound parameters: use op.inline_literal"
            raise UnsupportedOperation("execute", None, None, reason)
        emit(sa.text(statement) if isinstance(statement, str) else statement)

    return cast("sa.Connection", sa.create_mock_engine(f"{sa_dialect.name}://", execute))
