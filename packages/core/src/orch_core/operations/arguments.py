"""Translate Alembic-style keyword arguments into operation values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from orch_core.dialects.base import ColumnChange
from orch_core.errors import UnsupportedOperation
from orch_core.operations import ops

_UNSET: Any = object()


def refuse_keywords(operation: str, table: str | None, kw: Mapping[str, Any]) -> None:
    """Raise UnsupportedOperation naming keyword arguments orch cannot honour, if any."""
    if kw:
        names = ", ".join(sorted(kw))
        reason = f"orch cannot honour the keyword argument(s) {names}; remove them"
        raise UnsupportedOperation(operation, table, None, reason)


def alter_column_op(
    table_name: str,
    column_name: str,
    *,
    nullable: bool | None = None,
    comment: Any = _UNSET,
    server_default: Any = _UNSET,
    new_column_name: str | None = None,
    type_: Any = None,
    existing_type: Any = None,
    existing_server_default: Any = None,
    existing_nullable: bool | None = None,
    existing_comment: str | None = None,
    schema: str | None = None,
    postgresql_using: str | None = None,
    autoincrement: bool | None = None,
    existing_autoincrement: bool | None = None,
    **kw: Any,
) -> ops.AlterColumnOp:
    """Return the AlterColumnOp for alter_column's arguments (False means 'leave as is')."""
    refuse_keywords("alter_column", table_name, kw)
    changes: set[ColumnChange] = set()
    if new_column_name is not None:
        changes.add(ColumnChange.RENAME)
    if type_ is not None:
        changes.add(ColumnChange.TYPE)
    if nullable is not None:
        changes.add(ColumnChange.NULLABLE)
    if server_default is not _UNSET and server_default is not False:
        changes.add(ColumnChange.SERVER_DEFAULT)
    if comment is not _UNSET and comment is not False:
        changes.add(ColumnChange.COMMENT)
    return ops.AlterColumnOp(
        table_name=table_name,
        column_name=column_name,
        changes=frozenset(changes),
        schema=schema,
        new_name=new_column_name,
        type_=sa.types.to_instance(type_) if type_ is not None else None,
        nullable=nullable,
        server_default=_default_or_none(server_default),
        comment=None if comment is _UNSET or comment is False else comment,
        using=postgresql_using,
        autoincrement=autoincrement if autoincrement is not None else existing_autoincrement,
        existing_type=sa.types.to_instance(existing_type) if existing_type is not None else None,
        existing_nullable=existing_nullable,
        existing_server_default=_default_or_none(existing_server_default),
        existing_comment=existing_comment,
    )


def _default_or_none(value: Any) -> Any:
    """Return a server default as given, or None for Alembic's 'not given' (unset or False).

    Compared by identity: a SQL expression (`sa.text("now()")`) has no truth value."""
    return None if value is _UNSET or value is False or value is None else value


def execute_op(
    sqltext: str | sa.Executable, execution_options: Mapping[str, Any] | None
) -> ops.ExecuteOp:
    """Return the ExecuteOp for execute's arguments: a SQL string or any executable."""
    statement = sa.text(sqltext) if isinstance(sqltext, str) else sqltext
    if execution_options and isinstance(statement, sa.sql.base.Executable):
        statement = statement.execution_options(**execution_options)
    return ops.ExecuteOp(statement)


def inline_literal(value: str | int | float | None, type_: Any = None) -> sa.BindParameter[Any]:
    """Return a value rendered inline as a literal, online and offline alike."""
    return sa.literal(value, type_).render_literal_execute()
