"""Compare one table's indexes, unique constraints and foreign keys with the database's.

A model's index or unique constraint matches the reflected one of its name, or, when the model
leaves it unnamed, one with its columns. A unique index and a UNIQUE constraint are different
objects on PostgreSQL and SQLite (one is dropped and the other made, as Alembic proposes), and
one object on MySQL and MariaDB, which keep a UNIQUE constraint as a unique index. A reflected
constraint without a name (SQLite's inline UNIQUE) that nothing matches is left alone: it can
be neither told apart nor dropped by name. An index MySQL made for a foreign key is the
database's, not a change.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from orch_core.autogenerate.changes import Change, ChangeKind, Constraint
from orch_core.autogenerate.options import CompareOptions

_UniqueLike = sa.Index | sa.UniqueConstraint


@dataclass(frozen=True)
class _Shape:
    """What makes two indexes or uniques the same: columns, uniqueness, index or constraint."""

    columns: tuple[str, ...]
    unique: bool

    @classmethod
    def of(cls, item: _UniqueLike) -> _Shape:
        """Return the shape of an index or unique constraint."""
        unique = isinstance(item, sa.UniqueConstraint) or bool(item.unique)
        return cls(tuple(_column_names(item)), unique)


def constraint_name(item: Constraint) -> str | None:
    """Return the name of an index or constraint; None when unnamed (or named at DDL time)."""
    name = item.name
    return str(name) if isinstance(name, str) else None


def _column_names(item: _UniqueLike) -> list[str]:
    if isinstance(item, sa.Index):
        return [getattr(expression, "name", str(expression)) for expression in item.expressions]
    return [column.name for column in item.columns]


def _is_expression_index(item: _UniqueLike) -> bool:
    return isinstance(item, sa.Index) and any(
        not isinstance(expression, sa.Column | str) for expression in item.expressions
    )


def compare_indexes_and_uniques(
    model: sa.Table, db: sa.Table, dialect: sa.Dialect, options: CompareOptions
) -> Iterator[Change]:
    """Yield the index and unique-constraint changes of one table, removals first."""
    wanted = _model_uniques(model, options)
    found = _db_uniques(db, model, dialect, options)
    matched_db: set[int] = set()
    added: list[_UniqueLike] = []
    for item in wanted:
        partner = _partner(item, found, matched_db, dialect)
        if partner is None:
            added.append(item)
            continue
        matched_db.add(id(partner))
        if _Shape.of(item) != _Shape.of(partner):  # changed: dropped and made again
            yield _unique_change(partner, db, removed=True)
            added.append(item)
    for item in found:
        if id(item) not in matched_db and constraint_name(item) is not None:
            yield _unique_change(item, db, removed=True)
    for item in added:
        yield _unique_change(item, model, removed=False)


def _model_uniques(model: sa.Table, options: CompareOptions) -> list[_UniqueLike]:
    items: list[_UniqueLike] = [c for c in model.constraints if isinstance(c, sa.UniqueConstraint)]
    items += sorted(model.indexes, key=lambda index: str(index.name))
    return [
        item
        for item in items
        if not _is_expression_index(item)
        and options.keeps_object(item, constraint_name(item), _object_type(item), False, None)
    ]


def _db_uniques(
    db: sa.Table, model: sa.Table, dialect: sa.Dialect, options: CompareOptions
) -> list[_UniqueLike]:
    items: list[_UniqueLike] = [c for c in db.constraints if isinstance(c, sa.UniqueConstraint)]
    items += sorted(db.indexes, key=lambda index: str(index.name))
    model_names = {constraint_name(index) for index in model.indexes}
    fk_shapes = {(constraint_name(fk), tuple(fk.column_keys)) for fk in db.foreign_key_constraints}
    kept = []
    for item in items:
        if _is_expression_index(item):
            continue
        if (
            dialect.name == "mysql"
            and _is_fk_index(item, fk_shapes)
            and constraint_name(item) not in model_names
        ):
            continue
        parents = {"table_name": db.name, "schema_name": db.schema}
        if not options.keeps_name(constraint_name(item), _object_type(item), parents):
            continue
        if options.keeps_object(item, constraint_name(item), _object_type(item), True, None):
            kept.append(item)
    return kept


def own_indexes(table: sa.Table, dialect: sa.Dialect) -> list[sa.Index]:
    """Return a reflected table's indexes, less those MySQL made for its foreign keys."""
    fk_shapes = {
        (constraint_name(fk), tuple(fk.column_keys)) for fk in table.foreign_key_constraints
    }
    return [
        index
        for index in sorted(table.indexes, key=lambda index: str(index.name))
        if dialect.name != "mysql" or not _is_fk_index(index, fk_shapes)
    ]


def _is_fk_index(item: _UniqueLike, fk_shapes: set[tuple[str | None, tuple[str, ...]]]) -> bool:
    """Return whether MySQL made this index for a foreign key (its name or columns are the FK's)."""
    if not isinstance(item, sa.Index) or item.unique:
        return False
    columns = tuple(_column_names(item))
    return any(item.name == name or columns == fk_columns for name, fk_columns in fk_shapes)


def _partner(
    item: _UniqueLike, found: Sequence[_UniqueLike], taken: set[int], dialect: sa.Dialect
) -> _UniqueLike | None:
    """Return the reflected index or unique the model's item stands for, if any."""
    name = constraint_name(item)
    any_kind = dialect.name == "mysql"
    free = [
        candidate
        for candidate in found
        if id(candidate) not in taken and (any_kind or type(candidate) is type(item))
    ]
    if name is not None:
        return next((c for c in free if constraint_name(c) == name), None)
    shape = _Shape.of(item)
    return next((c for c in free if _Shape.of(c) == shape), None)


def _object_type(item: Constraint) -> str:
    if isinstance(item, sa.Index):
        return "index"
    if isinstance(item, sa.UniqueConstraint):
        return "unique_constraint"
    return "foreign_key_constraint"


def _unique_change(item: _UniqueLike, table: sa.Table, *, removed: bool) -> Change:
    if isinstance(item, sa.Index):
        kind = ChangeKind.REMOVE_INDEX if removed else ChangeKind.ADD_INDEX
    else:
        kind = ChangeKind.REMOVE_UNIQUE if removed else ChangeKind.ADD_UNIQUE
    return Change(kind, table.name, table.schema, name=constraint_name(item), constraint=item)


@dataclass(frozen=True)
class _ForeignKeyShape:
    """What makes two foreign keys the same: columns, target and referential actions."""

    columns: tuple[str, ...]
    target_schema: str | None
    target_table: str
    target_columns: tuple[str, ...]
    ondelete: str | None
    onupdate: str | None


def _action(value: str | None, dialect: sa.Dialect) -> str | None:
    """Return a referential action as the database means it (NO ACTION is the default)."""
    action = value.upper() if value else None
    defaults = {None, "NO ACTION", "RESTRICT"} if dialect.name == "mysql" else {None, "NO ACTION"}
    return None if action in defaults else action


def _fk_shape(
    fk: sa.ForeignKeyConstraint, default_schema: str | None, dialect: sa.Dialect
) -> _ForeignKeyShape:
    first = fk.elements[0]
    parts = first.target_fullname.split(".")
    target_schema = ".".join(parts[:-2]) or None
    if target_schema == default_schema:
        target_schema = None
    return _ForeignKeyShape(
        tuple(fk.column_keys),
        target_schema,
        parts[-2],
        tuple(element.target_fullname.split(".")[-1] for element in fk.elements),
        _action(fk.ondelete, dialect),
        _action(fk.onupdate, dialect),
    )


def compare_foreign_keys(
    model: sa.Table,
    db: sa.Table,
    dialect: sa.Dialect,
    default_schema: str | None,
    options: CompareOptions,
) -> Iterator[Change]:
    """Yield the foreign-key changes of one table: by what they do, not by their names."""
    wanted = {
        _fk_shape(fk, default_schema, dialect): fk
        for fk in model.foreign_key_constraints
        if options.keeps_object(fk, constraint_name(fk), "foreign_key_constraint", False, None)
    }
    found = {
        _fk_shape(fk, default_schema, dialect): fk
        for fk in db.foreign_key_constraints
        if options.keeps_object(fk, constraint_name(fk), "foreign_key_constraint", True, None)
    }
    for shape, fk in found.items():
        if shape not in wanted:
            name = constraint_name(fk)
            yield Change(ChangeKind.REMOVE_FK, db.name, db.schema, name=name, constraint=fk)
    for shape, fk in wanted.items():
        if shape not in found:
            name = constraint_name(fk)
            yield Change(ChangeKind.ADD_FK, model.name, model.schema, name=name, constraint=fk)
