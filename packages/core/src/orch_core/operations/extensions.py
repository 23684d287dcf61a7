"""Alembic's op extension API on orch's `op`: register_operation and implementation_for.

Alembic's API is class-level by design (a plugin registers once, at import), so the registry
here is too: it maps operation classes to functions and holds no per-run state. Operations
that plugins register on Alembic's own classes (alembic_postgresql_enum's
`op.sync_enum_values`) are found there when the plugin has imported Alembic.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from orch_core.errors import UnsupportedOperation

_T = TypeVar("_T")
_C = TypeVar("_C", bound=Callable[..., Any])

# Alembic's own operations (alembic.operations.ops, alembic.ddl.*) need Alembic's DDL layer;
# only plugins' operations are borrowed from Alembic's classes.
_ALEMBIC_PACKAGE = "alembic."


class Extensible:
    """What Operations and BatchOperations share: operations added by plugins."""

    # One registry for both classes, as in Alembic: an implementation serves op and batch_op.
    _implementations: ClassVar[dict[type, Callable[..., Any]]] = {}
    _alembic_class_name: ClassVar[str] = "Operations"

    @classmethod
    def register_operation(
        cls, name: str, sourcename: str | None = None
    ) -> Callable[[type[_T]], type[_T]]:
        """Add `op.<name>(...)`, which calls the class's classmethod `sourcename` (or `name`)
        with the op object first, as Alembic's decorator of that name does."""

        def register(op_cls: type[_T]) -> type[_T]:
            source = getattr(op_cls, sourcename or name)

            def method(self: Extensible, *args: Any, **kw: Any) -> Any:
                return source(self, *args, **kw)

            method.__name__ = name
            method.__doc__ = source.__doc__
            setattr(cls, name, method)
            return op_cls

        return register

    @classmethod
    def implementation_for(cls, op_cls: type, replace: bool = False) -> Callable[[_C], _C]:
        """Register fn(operations, operation) as what invoke() does with op_cls objects."""

        def decorate(fn: _C) -> _C:
            if op_cls in Extensible._implementations and not replace:
                raise ValueError(f"{op_cls.__name__} already has an implementation")
            Extensible._implementations[op_cls] = fn
            return fn

        return decorate

    def invoke_registered(self, operation: object) -> Any:
        """Run a plugin's operation object through its registered implementation."""
        for kind in type(operation).__mro__:
            found = Extensible._implementations.get(kind)
            if found is not None:
                return found(self, operation)
        alembic_dispatch = _alembic_class("Operations")
        if alembic_dispatch is not None:
            try:
                found = alembic_dispatch._to_impl.dispatch(operation)
            except ValueError:
                found = None
            if found is not None:
                return found(self, operation)
        name = type(operation).__name__
        raise UnsupportedOperation(name, None, None, "no implementation is registered for it")

    def __getattr__(self, name: str) -> Any:
        """Return an operation a plugin registered on Alembic's class of the same role."""
        alembic_class = _alembic_class(self._alembic_class_name)
        method = getattr(alembic_class, name, None) if not name.startswith("_") else None
        op_cls = getattr(method, "__globals__", {}).get("op_cls")
        if method is None or op_cls is None or op_cls.__module__.startswith(_ALEMBIC_PACKAGE):
            raise AttributeError(f"{type(self).__name__!r} has no operation {name!r}")
        return types.MethodType(method, self)


def _alembic_class(name: str) -> Any:
    """Return alembic.operations.base.<name> if a plugin has imported Alembic, else None."""
    module = sys.modules.get("alembic.operations.base")
    return getattr(module, name, None) if module is not None else None
