"""What orch needs to know about a database: its capabilities, stated as data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlalchemy.engine import Dialect as SADialect

# Statements a dialect needs before CREATE TABLE (PostgreSQL: CREATE TYPE for enums).
BeforeCreate = Callable[["sa.Table", "SADialect"], "list[Any]"]
# Completes a reflected table with what SQLAlchemy's reflection misses on this database.
AfterReflect = Callable[["sa.Connection", "sa.Table"], None]

CommentStyle = Literal["inline", "separate", "none"]
AlterStyle = Literal["standard", "modify"]

# Column changes an ALTER TABLE can make: rename, type, nullable, server_default, comment.
ALL_COLUMN_CHANGES = frozenset({"rename", "type", "nullable", "server_default", "comment"})


@dataclass(frozen=True)
class Dialect:
    """A database's capabilities and the few choices orch makes differently for it."""

    name: str
    transactional_ddl: bool
    statement_terminator: str = ";"
    # "inline": comments ride in CREATE TABLE; "separate": COMMENT ON statements; "none": ignored.
    comments: CommentStyle = "separate"
    # "modify": type/nullability changes restate the whole column (MySQL's MODIFY/CHANGE).
    alter_style: AlterStyle = "standard"
    native_column_changes: frozenset[str] = ALL_COLUMN_CHANGES
    native_drop_column: bool = True
    # Whether ADD/DROP CONSTRAINT works in place; when False those need batch's copy-and-move.
    native_constraint_changes: bool = True
    batch_by_default: bool = False
    before_create_table: BeforeCreate | None = None
    after_reflect: AfterReflect | None = None

    def needs_recreate(self, kind: str, changes: frozenset[str] = frozenset()) -> bool:
        """Return whether an operation of this kind must go through copy-and-move."""
        if kind == "alter_column":
            return not changes <= self.native_column_changes
        if kind == "drop_column":
            return not self.native_drop_column
        if kind in {"create_constraint", "drop_constraint"}:
            return not self.native_constraint_changes
        return False
