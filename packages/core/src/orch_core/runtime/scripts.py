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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa

from orch_core.errors import ScriptError
from orch_core.operations import Operations
from orch_core.runtime.code_cache import CodeCache
from orch_core.runtime.context import MigrationContext
from orch_graph.plan import Direction

# Names whose `op` and `context` a script gets from this run rather than from the real module.
_BOUND_MODULES = frozenset({"alembic", "alembic.op", "alembic.context", "orch_core"})


@dataclass(frozen=True)
class CompiledScript:
    """A revision script compiled once, with the hash of the bytes it was compiled from."""

    filename: str
    code: types.CodeType
    sha256: str

    @property
    def path(self) -> Path:
        """Return the script's path."""
        return Path(self.filename)


# The function of a script that moves a database each way.
_FUNCTIONS: Mapping[Direction, str] = MappingProxyType({"up": "upgrade", "down": "downgrade"})


def function_name(direction: Direction) -> str:
    """Return the name of the script function that moves a database this way."""
    return _FUNCTIONS[direction]


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
        """Return the connection the migration runs on (offline, one that writes SQL)."""
        return self._migration_context.bind

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
    bound: dict[str, _BoundModule] = {}  # made on first import: a module object costs ~10 us

    def script_import(
        name: str,
        globals: Mapping[str, object] | None = None,
        locals: Mapping[str, object] | None = None,
        fromlist: Sequence[str] = (),
        level: int = 0,
    ) -> Any:
        if level == 0 and name in _BOUND_MODULES:
            root = name.split(".", maxsplit=1)[0]
            module = bound.get(root)
            if module is None:
                module = bound[root] = _BoundModule(root, op, context)
            return module
        return real_import(name, globals, locals, fromlist, level)

    return script_import


class ScriptLoader:
    """Compile each script once (shared by every database of a run) and load it per run.

    With a cache file, compiled code is also kept on disk (see CodeCache): the next run skips
    compiling, even where Python itself may not write bytecode (PYTHONDONTWRITEBYTECODE,
    read-only checkouts).
    """

    def __init__(self, cache_file: Path | None = None) -> None:
        self._compiled: dict[tuple[str, int, int], CompiledScript] = {}
        self._lock = threading.Lock()
        self._cache = CodeCache(cache_file)

    def compile(self, filename: str | Path) -> CompiledScript:
        """Return the script compiled, from cache while its size and mtime are unchanged."""
        return self.compile_all([filename])[0]

    def compile_all(self, filenames: Iterable[str | Path]) -> list[CompiledScript]:
        """Return these scripts compiled; what had to be compiled is saved once, at the end.

        The first script that does not compile raises ScriptError naming it."""
        try:
            return [self._compiled_now(str(filename)) for filename in filenames]
        finally:
            self._cache.save()

    def _compiled_now(self, filename: str) -> CompiledScript:
        stat = os.stat(filename)  # noqa: PTH116 - a Path per step per script costs more than the step
        key = (filename, stat.st_size, stat.st_mtime_ns)
        with self._lock:
            compiled = self._compiled.get(key)
        if compiled is None:
            kept = self._cache.get(*key)
            compiled = CompiledScript(filename, kept[1], kept[0]) if kept else self._compile(key)
            with self._lock:
                self._compiled[key] = compiled
        return compiled

    def _compile(self, key: tuple[str, int, int]) -> CompiledScript:
        filename = key[0]
        with open(filename, "rb") as script:  # noqa: PTH123
            source = script.read()
        try:
            code = compile(source, filename, "exec", dont_inherit=True)
        except SyntaxError as exc:
            raise ScriptError(Path(filename), exc.lineno, f"does not compile: {exc.msg}") from exc
        compiled = CompiledScript(filename, code, hashlib.sha256(source).hexdigest())
        self._cache.put(*key, compiled.sha256, code)
        return compiled

    def load(
        self,
        script: str | Path | CompiledScript,
        migration_context: MigrationContext,
        x_arguments: Sequence[str] = (),
    ) -> RevisionModule:
        """Execute the script (a file, or one compile_all returned) as a fresh module whose
        `op` runs in migration_context."""
        compiled = script if isinstance(script, CompiledScript) else self._compiled_now(str(script))
        filename = compiled.filename
        op = Operations(migration_context)
        context = ScriptContext(migration_context, x_arguments)
        script_builtins = dict(vars(builtins))
        script_builtins["__import__"] = _script_import(op, context)
        stem = os.path.splitext(os.path.basename(filename))[0]  # noqa: PTH119, PTH122
        module = types.ModuleType(f"orch_revision_{stem}")
        module.__file__ = filename
        module.__dict__["__builtins__"] = script_builtins
        try:
            exec(compiled.code, module.__dict__)
        except Exception as exc:
            path = compiled.path
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

    def function(self, direction: Direction) -> Callable[[], object]:
        """Return upgrade() or downgrade(); a script without it is an error naming the file."""
        name = function_name(direction)
        function = getattr(self.module, name, None)
        if not callable(function):
            raise ScriptError(self.script.path, None, f"has no {name}() function")
        return function  # type: ignore[no-any-return]


def _line_in(exc: BaseException, path: Path) -> int | None:
    """Return the line of the script where exc was raised, if the traceback passes through it."""
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(path)]
    return lines[-1] if lines else None
