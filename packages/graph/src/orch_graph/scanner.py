"""Read revision headers from script files without importing them.

Real projects' scripts often import their application; reading the header as literals keeps
`heads` and `history` working (and fast) whatever the scripts import. Only a script whose
header value is not a literal is executed to read it. Parsed headers are cached in one file
(see cache_file), keyed by path, size and modification time; a cache that is corrupt, of
another version or stale for a file is ignored for it, never trusted.
"""

from __future__ import annotations

import ast
import operator
import os
import re
import runpy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from orch_graph.cache_file import read_cache, write_cache
from orch_graph.errors import ScriptHeaderError
from orch_graph.revision import Revision
from orch_graph.simpleheader import read_simple_header

# 4: files without a revision are errors, no longer cached as None.
CACHE_VERSION = 4
_CACHE_MAGIC = f"orch-headers-{CACHE_VERSION}:".encode()
_FIELDS = ("revision", "down_revision", "branch_labels", "depends_on")
_BODY_START = re.compile(r"^(?:def |async def |class |@)", re.MULTILINE)


def scan_revisions(folders: Mapping[str, Path], cache_path: Path | None = None) -> list[Revision]:
    """Return the revisions of every script below each service's folder, in a stable order."""
    cache = _load_cache(cache_path)
    fresh: dict[str, tuple[int, int, Header]] = {}
    revisions = []
    reparsed = False
    for service, folder in folders.items():
        for filename, size, mtime in _scripts(str(folder)):
            entry = cache.get(filename)
            if entry is None or entry[0] != size or entry[1] != mtime:
                entry = (size, mtime, _header_tuple(read_header(filename)))
                reparsed = True
            fresh[filename] = entry
            revision, down, labels, depends, message = entry[2]
            revisions.append(Revision(revision, down, labels, depends, message, filename, service))
    # Every fresh entry came from the cache unless reparsed: equal sizes mean nothing changed.
    if cache_path is not None and (reparsed or len(fresh) != len(cache)):
        _save_cache(cache_path, fresh)
    return revisions


# A header as the cache keeps it: revision, down revisions, labels, depends_on, message.
Header = tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...], str]


def _header_tuple(header: dict[str, Any]) -> Header:
    return (
        header["revision"],
        tuple(header["down_revision"]),
        tuple(header["branch_labels"]),
        tuple(header["depends_on"]),
        header["message"],
    )


def _scripts(folder: str) -> list[tuple[str, int, int]]:
    """Return every .py file below folder (by name, nested folders after files) with stat.

    One list, built in a tight loop: at 10,000 scripts this walk is most of a warm `heads`.
    """
    found: list[tuple[str, int, int]] = []
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            # Listed through a descriptor of the folder, each file's stat looks up one name
            # instead of walking its whole path again.
            descriptor = os.open(current, os.O_RDONLY | os.O_DIRECTORY)
        except (FileNotFoundError, NotADirectoryError):
            continue
        try:
            entries = sorted(os.scandir(descriptor), key=_by_name)
            prefix = current if current.endswith(os.sep) else current + os.sep
            subfolders = []
            for entry in entries:
                name = entry.name
                if entry.is_dir():
                    if name != "__pycache__":
                        subfolders.append(prefix + name)
                elif name.endswith(".py") and name != "__init__.py":
                    stat = entry.stat()
                    found.append((prefix + name, stat.st_size, stat.st_mtime_ns))
        finally:
            os.close(descriptor)
        stack.extend(reversed(subfolders))
    return found


_by_name = operator.attrgetter("name")


def read_header(filename: str | Path) -> dict[str, Any]:
    """Return a script's header fields; a file that declares no revision is an error.

    Every .py file in a scripts folder is a revision script (Alembic refuses the others too):
    one whose header cannot be found is reported, never skipped.
    """
    values, docstring = _values_and_docstring(filename)
    if "revision" not in values:
        raise ScriptHeaderError(
            Path(filename), None, "declares no revision: a scripts folder holds revision scripts"
        )
    return {
        "revision": _text(values["revision"], "revision", filename),
        "down_revision": _ids(values.get("down_revision"), "down_revision", filename),
        "branch_labels": _ids(values.get("branch_labels"), "branch_labels", filename),
        "depends_on": _ids(values.get("depends_on"), "depends_on", filename),
        "message": docstring.strip().splitlines()[0] if docstring.strip() else "",
    }


def read_docstring(filename: str | Path) -> str:
    """Return a script's docstring, stripped: what `history --verbose` shows of it in full."""
    return _values_and_docstring(filename)[1].strip()


def _values_and_docstring(filename: str | Path) -> tuple[dict[str, Any], str]:
    try:
        # A Path per script costs more than reading it; errors build one when needed.
        with open(filename, encoding="utf-8") as script:  # noqa: PTH123
            source = script.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptHeaderError(Path(filename), None, f"cannot be read: {exc}") from exc
    prologue = _prologue(source)
    found = read_simple_header(prologue) or _ast_header(source, prologue, filename)
    if not {"revision", "down_revision"} <= found[0].keys() and len(prologue) < len(source):
        # Part of the header comes after a function or class: read the whole module.
        found = _ast_header(source, source, filename)
    return found


def _ast_header(source: str, prologue: str, path: str | Path) -> tuple[dict[str, Any], str]:
    """Return the header's field values and docstring, read with ast."""
    module = _parse_prologue(source, prologue, path)
    values: dict[str, Any] = {}
    for node in module.body:
        name, value = _assignment(node)
        if name in _FIELDS and value is not None:
            values[name] = _literal(value, name, node.lineno, path)
    return values, ast.get_docstring(module) or ""


def _prologue(source: str) -> str:
    """Return the part of the script before its first function or class."""
    body = _BODY_START.search(source)
    return source if body is None else source[: body.start()]


def _parse_prologue(source: str, prologue: str, path: str | Path) -> ast.Module:
    """Parse the prologue; the whole file if the prologue alone does not compile."""
    try:
        return ast.parse(prologue, filename=str(path))
    except SyntaxError:
        pass
    try:
        return ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        raise ScriptHeaderError(Path(path), exc.lineno, f"does not compile: {exc.msg}") from exc


def _assignment(node: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        return (target.id if isinstance(target, ast.Name) else None), node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.value
    return None, None


def _literal(value: ast.expr, name: str, line: int, path: str | Path) -> Any:
    """Return the literal value, or import the script to learn it."""
    try:
        return ast.literal_eval(value)
    except ValueError:
        pass
    try:
        namespace = runpy.run_path(str(path), run_name=f"orch_header_{Path(path).stem}")
    except Exception as exc:
        raise ScriptHeaderError(
            Path(path), line, f"{name} is not a literal, and importing the script failed: {exc!r}"
        ) from exc
    return namespace.get(name)


def _text(value: Any, name: str, path: str | Path) -> str:
    if not isinstance(value, str) or not value:
        raise ScriptHeaderError(
            Path(path), None, f"{name} must be a non-empty string, not {value!r}"
        )
    return value


def _ids(value: Any, name: str, path: str | Path) -> list[str]:
    """Return None, a string, or a tuple/list of strings as a list of strings."""
    if value is None or value == ():
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ScriptHeaderError(
        Path(path), None, f"{name} must be None, a string or strings: {value!r}"
    )


def _load_cache(cache_path: Path | None) -> dict[str, tuple[int, int, Header]]:
    """Return the cached headers; a cache unreadable, of another version or corrupt: none."""
    entries = read_cache(cache_path, _CACHE_MAGIC)
    return entries if isinstance(entries, dict) else {}


def _save_cache(cache_path: Path, entries: dict[str, tuple[int, int, Header]]) -> None:
    """Write the cache atomically; a cache that cannot be written is simply not kept."""
    write_cache(cache_path, _CACHE_MAGIC, entries)
