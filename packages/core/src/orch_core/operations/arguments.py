"""Translate Alembic-style keyword arguments into operation values."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from orch_core.dialects.base import ColumnChange
from orch_core.operations import ops

_UNSET: Any = object()


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
) -> ops.AlterColumnOp:
    """Return the AlterColumnOp for alter_column's arguments (False means 'leave as is')."""
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
        server_default=None if server_default in (_UNSET, False) else server_default,
        comment=None if comment in (_UNSET, False) else comment,
        using=postgresql_using,
        existing_type=sa.types.to_instance(existing_type) if existing_type is not None else None,
        existing_nullable=existing_nullable,
        existing_server_default=existing_server_default or None,
        existing_comment=existing_comment,
    )
