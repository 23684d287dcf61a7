"""A declarative step's SQL, rendered once per process and sent again to the fleet's others.

Building a step's SQLAlchemy constructs and compiling them is about a third of what migrating a
small tenant costs, and a fleet runs the same scripts on many databases of one kind. Most
scripts (all that autogenerate writes) only declare: `op` calls whose arguments are literals and
SQLAlchemy constructs. Such a step sends the same SQL to every database of the same kind, so the
statements the first database's driver received are kept and sent to the next databases on the
step's connection: counted, resumable, cancellable, errors named by their op, as the script's own
(straight to the driver's cursor where only orch watches the connection: cursor_replay.py).

A step is replayed only when all of this holds; otherwise its script runs as usual:
- its function is declarative (`Declaration.read`, from the script's own source): a body of
  `op.<ddl>(...)` calls (or `pass`) whose arguments are literals, `op.f(...)` and SQLAlchemy's
  classes, functions and modules, nothing else: no variables, no other names, no control flow;
- the names it uses are, in the loaded module, the run's `op` and SQLAlchemy's own objects;
- the script on disk is the one compiled (same sha256), and its function is the one read;
- the database's SQLAlchemy dialect is of the same class, server version and settings;
- the same target metadata (naming convention) names what the ops create;
- the first run sent exactly one statement per statement orch rendered (nothing read);
- no listener but orch's sees a statement before it is sent, where it is recorded or replayed
  (one may rewrite it: the recorded text would carry its rewrite).
"""

from __future__ import annotations

import ast
import hashlib
import threading
import types
import weakref
from collections.abc import Hashable
from dataclasses import dataclass

from sqlalchemy.engine import Dialect as SADialect
from sqlalchemy.util import memoized_property

from orch_core.operations import Operations
from orch_core.runtime.context import MigrationContext, Sent
from orch_core.runtime.parsing import parse_source
from orch_core.runtime.scripts import RevisionModule, function_name
from orch_graph.plan import Direction

# The op methods whose statements follow from their arguments alone.
DECLARATIVE_OPS = frozenset(
    {
        "create_table",
        "drop_table",
        "rename_table",
        "create_table_comment",
        "drop_table_comment",
        "add_column",
        "drop_column",
        "alter_column",
        "create_index",
        "drop_index",
        "create_primary_key",
        "create_unique_constraint",
        "create_foreign_key",
        "create_check_constraint",
        "create_exclude_constraint",
        "drop_constraint",
        "execute",
    }
)
# What an argument may take from `op`: a name marked final.
_OP_HELPERS = frozenset({"f"})


@dataclass(frozen=True)
class Declaration:
    """A script function found declarative in its source: where it starts, the names it calls
    operations on (`op`) and the other names it uses (SQLAlchemy's, once loaded)."""

    line: int
    receivers: frozenset[str]
    names: frozenset[str]

    @classmethod
    def read(cls, source: bytes, filename: str, name: str) -> Declaration | None:
        """Return the declaration of the script's function `name`, or None if it is not one."""
        try:
            tree = parse_source(source, filename)
        except (SyntaxError, ValueError):
            return None
        found = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
        if len(found) != 1 or not _plain_signature(found[0]):
            return None
        function = found[0]
        body = function.body
        if body and _is_docstring(body[0]):
            body = body[1:]
        receivers: set[str] = set()
        names: set[str] = set()
        for statement in body:
            if isinstance(statement, ast.Pass):
                continue
            if not isinstance(statement, ast.Expr):
                return None
            if not _op_call(statement.value, receivers, names):
                return None
        return cls(function.lineno, frozenset(receivers), frozenset(names))

    def holds_in(self, module: types.ModuleType, function: object, filename: str) -> bool:
        """Return whether the loaded module's function is this one and its names are the
        run's `op` and SQLAlchemy's own objects."""
        code = getattr(function, "__code__", None)
        if code is None or code.co_filename != filename or code.co_firstlineno != self.line:
            return False
        namespace = module.__dict__
        return all(isinstance(namespace.get(name), Operations) for name in self.receivers) and all(
            _sqlalchemy_object(namespace.get(name)) for name in self.names
        )


def _plain_signature(function: ast.FunctionDef) -> bool:
    arguments = function.args
    return not (
        function.decorator_list
        or arguments.posonlyargs
        or arguments.args
        or arguments.vararg
        or arguments.kwonlyargs
        or arguments.kwarg
    )


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _op_call(node: ast.expr, receivers: set[str], names: set[str]) -> bool:
    """Return whether node is `op.<declarative op>(<literal arguments>)` (op: any name)."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    receiver = node.func.value
    if not isinstance(receiver, ast.Name) or node.func.attr not in DECLARATIVE_OPS:
        return False
    if node.func.attr == "execute" and (node.keywords or len(node.args) != 1):
        return False  # execution_options change how it runs; keep it plain
    receivers.add(receiver.id)
    return _arguments(node, receivers, names)


def _arguments(call: ast.Call, receivers: set[str], names: set[str]) -> bool:
    if any(keyword.arg is None for keyword in call.keywords):
        return False  # **kw
    values = [*call.args, *(keyword.value for keyword in call.keywords)]
    return all(_literal(value, receivers, names) for value in values)


def _literal(node: ast.expr, receivers: set[str], names: set[str]) -> bool:
    """Return whether an argument is made of literals, `op.f(...)` and SQLAlchemy objects
    (reached from names, checked in the loaded module)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        return isinstance(node.operand, ast.Constant)
    if isinstance(node, ast.Tuple | ast.List):
        return all(_literal(item, receivers, names) for item in node.elts)
    if isinstance(node, ast.Dict):
        keys = node.keys
        return all(k is not None and _literal(k, receivers, names) for k in keys) and all(
            _literal(v, receivers, names) for v in node.values
        )
    if isinstance(node, ast.Call):
        return _callee(node.func, receivers, names) and _arguments(node, receivers, names)
    return _reference(node, names)


def _callee(node: ast.expr, receivers: set[str], names: set[str]) -> bool:
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.attr in _OP_HELPERS
    ):
        receivers.add(node.value.id)  # op.f: checked to be the run's op
        return True
    return _reference(node, names)


def _reference(node: ast.expr, names: set[str]) -> bool:
    """Return whether node is a name or a chain of attributes from one (sa.types.String)."""
    while isinstance(node, ast.Attribute):
        node = node.value
    if isinstance(node, ast.Name):
        names.add(node.id)
        return True
    return False


def _sqlalchemy_object(value: object) -> bool:
    """Return whether a module global is SQLAlchemy's own module, class or function (or its
    `func` namespace): what an argument of a declarative function may be built from."""
    if isinstance(value, types.ModuleType):
        return _from_sqlalchemy(value.__name__)
    if isinstance(value, type | types.FunctionType | types.BuiltinFunctionType):
        return _from_sqlalchemy(getattr(value, "__module__", None) or "")
    return type(value).__name__ == "_FunctionGenerator" and _from_sqlalchemy(type(value).__module__)


def _from_sqlalchemy(module: str) -> bool:
    return module == "sqlalchemy" or module.startswith("sqlalchemy.")


def dialect_key(dialect: SADialect) -> Hashable:
    """Return what a compiled statement may depend on in a dialect: its class, the server's
    version and every setting the first connection found (quoting, identifier lengths,
    supported features); not the connection's default schema, which DDL never reads, nor the
    values SQLAlchemy memoizes from the others as it uses them."""
    kind = type(dialect)
    settings = tuple(
        sorted(
            (name, value)
            for name, value in vars(dialect).items()
            if isinstance(value, bool | int | float | str | tuple | type(None))
            and name != "default_schema_name"
            and not isinstance(getattr(kind, name, None), memoized_property)
        )
    )
    return (kind, settings)


def _convention_key(context: MigrationContext) -> Hashable | None:
    """Return the naming convention the step's ops name things by, as a key (all the target
    metadata changes in what they render); None if it cannot be one."""
    metadata = context.target_metadata
    if metadata is None:
        return ()
    try:
        return frozenset(dict(metadata.naming_convention).items())
    except TypeError:  # an unhashable part: run the script
        return None


class StepReplays:
    """The declarative steps of one run (one process), rendered once and replayed."""

    def __init__(self) -> None:
        self._declarations: dict[tuple[str, str, str], Declaration | None] = {}
        self._renderings: dict[Hashable, tuple[Sent, ...]] = {}
        self._dialects: weakref.WeakKeyDictionary[SADialect, Hashable] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self.replayed = 0  # steps replayed so far (what a test or a benchmark can check)

    def run(self, module: RevisionModule, direction: Direction, context: MigrationContext) -> None:
        """Run the step's function, or replay what it rendered on a database of this kind."""
        function = module.function(direction)
        script = module.script
        declaration = self._declaration(script.filename, script.sha256, direction)
        convention = _convention_key(context)
        if (
            declaration is None
            or convention is None
            or not declaration.holds_in(module.module, function, script.filename)
            or not context.sends_as_rendered()  # another listener sees (or rewrites) them
        ):
            function()
            return
        key = (script.filename, script.sha256, direction, self._dialect_key(context), convention)
        with self._lock:
            rendering = self._renderings.get(key)
        if rendering is not None:
            context.replay(rendering)
            with self._lock:
                self.replayed += 1
            return
        sent = context.recording(function)
        if sent is not None:
            with self._lock:
                self._renderings.setdefault(key, sent)

    def _declaration(self, filename: str, sha256: str, direction: Direction) -> Declaration | None:
        key = (filename, sha256, direction)
        with self._lock:
            if key in self._declarations:
                return self._declarations[key]
        declaration = _read_declaration(filename, sha256, function_name(direction))
        with self._lock:
            self._declarations[key] = declaration
        return declaration

    def _dialect_key(self, context: MigrationContext) -> Hashable:
        dialect = context.sa_dialect
        with self._lock:
            key = self._dialects.get(dialect)
            if key is None:
                key = self._dialects[dialect] = dialect_key(dialect)
        return key


def _read_declaration(filename: str, sha256: str, name: str) -> Declaration | None:
    """Read the function from the script's source, if the file is still the one compiled."""
    try:
        with open(filename, "rb") as script:  # noqa: PTH123
            source = script.read()
    except OSError:
        return None
    if hashlib.sha256(source).hexdigest() != sha256:
        return None
    return Declaration.read(source, filename, name)
