"""Run revision scripts as modules with `op` bound to one run's operations.

Scripts written for orch say `from orch_core import op`; scripts written for Alembic say
`from alembic import op` and `from alembic import context`. Both get this run's objects through
an `__import__` that only the script's own module sees, so two databases can migrate at once in
threads of one process, and Alembic need not be installed.

A script may set `transactional = False` at module level to run outside a transaction (for
example CREATE INDEX CONCURRENTLY on PostgreSQL).
"""

from __future__ import annotations

import builtins
import hashlib
import importlib
import os
import threading
import traceback
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from orch_core.context import MigrationContext
from orch_core.errors import ScriptError
from orch_core.operations import Operations

# Names whose `op` and `context` a script gets from this run rather than from the real module.
_BOUND_MODULES = frozenset({"alembic", "alembic.op", "alembic.context", "orch_core"})


@dataclass(frozen=True)
class CompiledScript:
    """A revision script compiled once, with the hash of the bytes it was compiled from."""

    path: Path
    code: types.CodeType
    sha256: str


class ScriptContext:
    """What Alembic's `context` module offers a revision script, for one run."""

    def __init__(self, migration_context: MigrationContext, x_arguments: Sequence[str]) -> None:
        self._migration_context = migration_context
        self._x_arguments = tuple(x_arguments)

    def get_x_argument(self, as_dictionary: bool = False) -> list[str] | dict[str, str]:
        """Return the -x arguments given on the command line, as a list or a dict."""
        if not as_dictionary:
            return list(self._x_arguments)
        pairs = (arg.partition("=") for arg in self._x_arguments)
        return {key: value for key, _, value in pairs}

    def is_offline_mode(self) -> bool:
        """Return whether SQL is being written out instead of executed."""
        return self._migration_context.as_sql

    def get_bind(self) -> sa.Connection:
        """Return the connection the migration runs on."""
        if self._migration_context.connection is None:
            raise RuntimeError("offline mode has no connection")
        return self._migration_context.connection

    def get_context(self) -> MigrationContext:
        """Return the migration context."""
        return self._migration_context


class _BoundModule(types.ModuleType):
    """`alembic` or `orch_core` as a script sees it: `op` and `context` of this run."""

    def __init__(self, name: str, op: Operations, context: ScriptContext) -> None:
        super().__init__(name)
        self.op = op
        self.context = context

    def __getattr__(self, attribute: str) -> Any:
        try:
            return getattr(importlib.import_module(self.__name__), attribute)
        except ImportError as exc:
            raise AttributeError(f"{self.__name__}.{attribute} is not available") from exc


def _script_import(op: Operations, context: ScriptContext) -> Callable[..., Any]:
    real_import = builtins.__import__
    bound = {name: _BoundModule(name.split(".")[0], op, context) for name in _BOUND_MODULES}

    def script_import(
        name: str,
        globals: Mapping[str, object] | None = None,
        locals: Mapping[str, object] | None = None,
        fromlist: Sequence[str] = (),
        level: int = 0,
    ) -> Any:
        if level == 0 and name in bound:
            return bound[name]
        return real_import(name, globals, locals, fromlist, level)

    return script_import


class ScriptLoader:
    """Compile each script once (shared by every database of a run) and load it per run."""

    def __init__(self) -> None:
        self._compiled: dict[tuple[str, int, int], CompiledScript] = {}
        self._lock = threading.Lock()

    def compile(self, filename: str | Path) -> CompiledScript:
        """Return the script compiled, from cache while its size and mtime are unchanged."""
        stat = os.stat(filename)  # noqa: PTH116 - a Path per step per script costs more than the step
        key = (str(filename), stat.st_size, stat.st_mtime_ns)
        with self._lock:
            cached = self._compiled.get(key)
        if cached is not None:
            return cached
        path = Path(filename)
        source = path.read_bytes()
        try:
            code = compile(source, str(path), "exec", dont_inherit=True)
        except SyntaxError as exc:
            raise ScriptError(path, exc.lineno, f"does not compile: {exc.msg}") from exc
        compiled = CompiledScript(path, code, hashlib.sha256(source).hexdigest())
        with self._lock:
            self._compiled[key] = compiled
        return compiled

    def load(
        self,
        filename: str | Path,
        migration_context: MigrationContext,
        x_arguments: Sequence[str] = (),
    ) -> RevisionModule:
        """Execute the script as a fresh module whose `op` runs in migration_context."""
        compiled = self.compile(filename)
        path = compiled.path
        op = Operations(migration_context)
        context = ScriptContext(migration_context, x_arguments)
        script_builtins = dict(vars(builtins))
        script_builtins["__import__"] = _script_import(op, context)
        module = types.ModuleType(f"orch_revision_{compiled.path.stem}")
        module.__file__ = str(path)
        module.__dict__["__builtins__"] = script_builtins
        try:
            exec(compiled.code, module.__dict__)
        except Exception as exc:
            raise ScriptError(path, _line_in(exc, path), f"failed to load: {exc!r}") from exc
        return RevisionModule(module, compiled)


@dataclass(frozen=True)
class RevisionModule:
    """A loaded revision script."""

    module: types.ModuleType
    script: CompiledScript

    @property
    def transactional(self) -> bool:
        """Return whether the script's steps run inside a transaction (the default)."""
        return bool(getattr(self.module, "transactional", True))

    def function(self, direction: str) -> Callable[[], object]:
        """Return upgrade() or downgrade(); a script without it is an error naming the file."""
        name = "upgrade" if direction == "up" else "downgrade"
        function = getattr(self.module, name, None)
        if not callable(function):
            raise ScriptError(self.script.path, None, f"has no {name}() function")
        return function  # type: ignore[no-any-return]


def _line_in(exc: BaseException, path: Path) -> int | None:
    """Return the line of the script where exc was raised, if the traceback passes through it."""
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(path)]
    return lines[-1] if lines else None
