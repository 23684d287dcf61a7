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
import importlib.util
import marshal
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

    With a cache folder, compiled code is also kept on disk, keyed by path, size and mtime and
    by Python's bytecode magic number: the next run skips compiling, even where Python itself
    may not write bytecode (PYTHONDONTWRITEBYTECODE, read-only checkouts).
    """

    def __init__(self, cache_dir: Path | None = None) -> None:
        self._compiled: dict[tuple[str, int, int], CompiledScript] = {}
        self._lock = threading.Lock()
        self._cache_dir = cache_dir

    def compile(self, filename: str | Path) -> CompiledScript:
        """Return the script compiled, from cache while its size and mtime are unchanged."""
        stat = os.stat(filename)  # noqa: PTH116 - a Path per step per script costs more than the step
        key = (str(filename), stat.st_size, stat.st_mtime_ns)
        with self._lock:
            cached = self._compiled.get(key)
        if cached is None:
            cached = self._from_disk(key) or self._compile(key)
            with self._lock:
                self._compiled[key] = cached
        return cached

    def _compile(self, key: tuple[str, int, int]) -> CompiledScript:
        path = Path(key[0])
        source = path.read_bytes()
        try:
            code = compile(source, str(path), "exec", dont_inherit=True)
        except SyntaxError as exc:
            raise ScriptError(path, exc.lineno, f"does not compile: {exc.msg}") from exc
        compiled = CompiledScript(path, code, hashlib.sha256(source).hexdigest())
        self._to_disk(key, compiled)
        return compiled

    def _cache_file(self, filename: str) -> Path | None:
        if self._cache_dir is None:
            return None
        return self._cache_dir / f"{hashlib.sha1(filename.encode()).hexdigest()}.code"

    def _from_disk(self, key: tuple[str, int, int]) -> CompiledScript | None:
        """Return the compiled script kept on disk, if it is for exactly this file and Python."""
        cache_file = self._cache_file(key[0])
        if cache_file is None:
            return None
        try:
            magic, size, mtime, sha256, code = marshal.loads(cache_file.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return None
        fresh = (magic, size, mtime) == (importlib.util.MAGIC_NUMBER, key[1], key[2])
        if not fresh or not isinstance(code, types.CodeType) or not isinstance(sha256, str):
            return None
        return CompiledScript(Path(key[0]), code, sha256)

    def _to_disk(self, key: tuple[str, int, int], compiled: CompiledScript) -> None:
        cache_file = self._cache_file(key[0])
        if cache_file is None:
            return
        record = (importlib.util.MAGIC_NUMBER, key[1], key[2], compiled.sha256, compiled.code)
        temporary = cache_file.with_name(f"{cache_file.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(marshal.dumps(record))
            temporary.replace(cache_file)
        except OSError:
            return  # a cache that cannot be written is simply not kept

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
