"""Parse a revision script's source, one thread at a time for every reader in the process."""

from __future__ import annotations

import ast
import threading

# CPython 3.11 keeps the ast module's recursion depth per interpreter, not per thread: two of a
# fleet's threads parsing at once failed with "AST constructor recursion depth mismatch". One
# lock for every reader of scripts (the version probe, the replay of declarative steps), since
# a lock each would not keep them from parsing at the same time.
_PARSING = threading.Lock()


def parse_source(source: bytes, filename: str) -> ast.Module:
    """Return the module's syntax tree (SyntaxError, ValueError as ast.parse raises them)."""
    with _PARSING:
        return ast.parse(source, filename=filename)
