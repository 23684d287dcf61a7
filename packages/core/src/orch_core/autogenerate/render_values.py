"""Render SQLAlchemy values as the Python source Alembic writes: types, columns, constraints.

`sa.String(length=200)`, `postgresql.JSONB(astext_type=sa.Text())`, a user type as
`myapp.types.Money()` (or under `user_module_prefix`), names from a naming convention as
`op.f('ix_users_email')`, server defaults as `sa.text(...)`. Every module a rendered value
needs is noted, so the script imports it.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import conv

_SQLALCHEMY_TYPE_MODULES = (
    "sqlalchemy.sql.sqltypes",
    "sqlalchemy.sql.type_api",
    "sqlalchemy.types",
)


@dataclass
class SourceWriter:
    """What rendering needs to know, and the imports the rendered source collects."""

    dialect: sa.Dialect
    user_module_prefix: str | None = None
    imports: set[str] = field(default_factory=set)

    def type_(self, type_: sa.types.TypeEngine[Any]) -> str:
        """Return the source that builds this type."""
        cls = type(type_)
        module = cls.__module__
        if module.startswith(_SQLALCHEMY_TYPE_MODULES):
            prefix = "sa."
        elif module.startswith("sqlalchemy.dialects."):
            dialect = module.split(".")[2]
            self.imports.add(f"from sqlalchemy.dialects import {dialect}")
            prefix = f"{dialect}."
        elif self.user_module_prefix is not None:
            prefix = self.user_module_prefix
        else:
            self.imports.add(f"import {module}")
            prefix = f"{module}."
        return f"{prefix}{cls.__name__}({', '.join(self._type_arguments(type_))})"

    def _type_arguments(self, type_: sa.types.TypeEngine[Any]) -> list[str]:
        """Return the arguments that differ from the constructor's defaults, as Alembic does."""
        if isinstance(type_, sa.Enum):
            return self._enum_arguments(type_)
        arguments = []
        parameters = list(inspect.signature(type(type_).__init__).parameters.values())[1:]
        for parameter in parameters:
            if parameter.kind in {parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD}:
                continue
            if not hasattr(type_, parameter.name):
                continue
            value = getattr(type_, parameter.name)
            if parameter.default is not parameter.empty and _same(value, parameter.default):
                continue
            arguments.append(f"{parameter.name}={self.value(value)}")
        return arguments

    def _enum_arguments(self, type_: sa.Enum) -> list[str]:
        arguments = [repr(value) for value in type_.enums]
        if type_.name:
            arguments.append(f"name={type_.name!r}")
        if not type_.native_enum:
            arguments.append("native_enum=False")
        if type_.create_constraint:
            arguments.append("create_constraint=True")
        return arguments

    def value(self, value: object) -> str:
        """Return a type argument's source: a literal, or a nested type."""
        if isinstance(value, sa.types.TypeEngine):
            return self.type_(value)
        if isinstance(value, type) and issubclass(value, sa.types.TypeEngine):
            return self.type_(value())
        return repr(value)

    def server_default(self, default: object) -> str | None:
        """Return a column's server default as source, or None when it has none."""
        if not isinstance(default, sa.DefaultClause):
            return None
        argument = default.arg
        if isinstance(argument, str):
            return repr(argument)
        if isinstance(argument, sa.TextClause):
            return f"sa.text({argument.text!r})"
        compiled = argument.compile(dialect=self.dialect, compile_kwargs={"literal_binds": True})
        return f"sa.text({str(compiled)!r})"

    def column(self, column: sa.Column[Any], *, reflected: bool = False) -> str:
        """Return `sa.Column(...)` for a column of the models or of the database."""
        parts = [repr(column.name), self.type_(column.type)]
        generated = self._generated(column)
        if generated is not None:
            parts.append(generated)
        if reflected and column.autoincrement is False and column.primary_key:
            parts.append("autoincrement=False")
        parts.append(f"nullable={column.nullable}")
        default = self.server_default(column.server_default)
        if default is not None and not (reflected and _is_serial_default(column)):
            parts.append(f"server_default={default}")
        if column.comment:
            parts.append(f"comment={column.comment!r}")
        return f"sa.Column({', '.join(parts)})"

    def _generated(self, column: sa.Column[Any]) -> str | None:
        """Return `sa.Computed(...)` or `sa.Identity(...)` for a generated column."""
        if isinstance(column.computed, sa.Computed):
            persisted = column.computed.persisted
            extra = "" if persisted is None else f", persisted={persisted}"
            return f"sa.Computed({self.expression(column.computed.sqltext)!r}{extra})"
        if isinstance(column.identity, sa.Identity):
            identity = column.identity
            options = [f"always={identity.always}"]
            for key in ("start", "increment", "minvalue", "maxvalue", "cycle"):
                value = getattr(identity, key, None)
                if value is not None:
                    options.append(f"{key}={value!r}")
            return f"sa.Identity({', '.join(options)})"
        return None

    def expression(self, clause: object) -> str:
        """Return a SQL expression as this dialect writes it, values inlined."""
        if isinstance(clause, str):
            return clause
        compile_kwargs = {"literal_binds": True, "include_table": False}
        return str(clause.compile(dialect=self.dialect, compile_kwargs=compile_kwargs))  # type: ignore[attr-defined]

    def index_element(self, element: object) -> str:
        """Return an index's column as its name, or an expression as `sa.text(...)`."""
        if isinstance(element, sa.Column):
            return repr(element.name)
        return f"sa.text({self.expression(element)!r})"

    def table_constraint(self, constraint: sa.Constraint, owner: str = "op") -> str | None:
        """Return a constraint as create_table takes it (None for one it leaves to columns)."""
        name = constraint_name_source(constraint.name, owner)
        named = [] if name == "None" else [f"name={name}"]
        if isinstance(constraint, sa.PrimaryKeyConstraint):
            if not constraint.columns:
                return None
            columns = [repr(c.name) for c in constraint.columns]
            return f"sa.PrimaryKeyConstraint({', '.join(columns + named)})"
        if isinstance(constraint, sa.UniqueConstraint):
            columns = [repr(c.name) for c in constraint.columns]
            return f"sa.UniqueConstraint({', '.join(columns + named)})"
        if isinstance(constraint, sa.ForeignKeyConstraint):
            local = [element.parent.name for element in constraint.elements]
            remote = [element.target_fullname for element in constraint.elements]
            arguments = [repr(local), repr(remote), *named, *foreign_key_actions(constraint)]
            return f"sa.ForeignKeyConstraint({', '.join(arguments)})"
        if isinstance(constraint, sa.CheckConstraint):
            text = str(
                constraint.sqltext.compile(
                    dialect=self.dialect, compile_kwargs={"literal_binds": True}
                )
            )
            return f"sa.CheckConstraint({text!r}{''.join(', ' + n for n in named)})"
        return None


def foreign_key_actions(constraint: sa.ForeignKeyConstraint) -> list[str]:
    """Return the ondelete/onupdate/deferrable keywords a foreign key sets."""
    actions = []
    for keyword in ("onupdate", "ondelete", "deferrable", "initially"):
        value = getattr(constraint, keyword)
        if value is not None:
            actions.append(f"{keyword}={value!r}")
    return actions


def constraint_name_source(name: object, owner: str = "op") -> str:
    """Return a name as source: `op.f('...')` when a naming convention made it, else literal."""
    if isinstance(name, conv):
        return f"{owner}.f({str(name)!r})"
    if isinstance(name, str):
        return repr(name)
    return "None"


def _is_serial_default(column: sa.Column[Any]) -> bool:
    """Return whether a reflected default is PostgreSQL's SERIAL sequence, which create_table
    makes again for an integer primary key (naming the sequence would fail: it is dropped)."""
    default = column.server_default
    text = getattr(getattr(default, "arg", None), "text", "")
    return column.primary_key and str(text).startswith("nextval(")


def _same(value: object, default: object) -> bool:
    try:
        return bool(value == default)
    except Exception:  # a value whose == is a SQL expression
        return False
