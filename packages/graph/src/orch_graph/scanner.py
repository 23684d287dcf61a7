"""Read revision headers from script files without importing them.

Real projects' scripts often import their application; reading the header as literals keeps
`heads` and `history` working (and fast) whatever the scripts import. Only a script whose
header value is not a literal is executed to read it. Parsed headers are cached in one file,
keyed by path, size and modification time; a cache that is corrupt, of another version or
stale for a file is ignored for it, never trusted.
"""

from __future__ import annotations

import ast
import json
import os
import runpy
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from orch_graph.errors import ScriptHeaderError
from orch_graph.revision import Revision

CACHE_VERSION = 1
_FIELDS = ("revision", "down_revision", "branch_labels", "depends_on")
_BODY_STARTS = ("def ", "async def ", "class ", "@")


def scan_revisions(folders: Mapping[str, Path], cache_path: Path | None = None) -> list[Revision]:
    """Return the revisions of every script below each service's folder, in a stable order."""
    cache = _load_cache(cache_path)
    fresh: dict[str, list[Any]] = {}
    revisions = []
    for service, folder in folders.items():
        for path, size, mtime in _scripts(folder):
            key = str(path)
            entry = cache.get(key)
            if entry is None or entry[0] != size or entry[1] != mtime:
                header = read_header(path)
                entry = [size, mtime, header]
            fresh[key] = entry
            header = entry[2]
            if header is not None:
                revisions.append(_revision(header, path, service))
    if cache_path is not None and fresh != cache:
        _save_cache(cache_path, fresh)
    return revisions


def _scripts(folder: Path) -> Iterator[tuple[Path, int, int]]:
    """Yield every .py file below folder (sorted, nested folders too) with size and mtime."""
    if not folder.is_dir():
        return
    stack = [folder]
    while stack:
        current = stack.pop()
        subfolders = []
        for entry in sorted(os.scandir(current), key=lambda e: e.name):
            if entry.is_dir():
                if entry.name != "__pycache__":
                    subfolders.append(Path(entry.path))
            elif entry.name.endswith(".py") and entry.name != "__init__.py":
                stat = entry.stat()
                yield Path(entry.path), stat.st_size, stat.st_mtime_ns
        stack.extend(reversed(subfolders))


def _revision(header: dict[str, Any], path: Path, service: str) -> Revision:
    return Revision(
        revision=header["revision"],
        down_revisions=tuple(header["down_revision"]),
        branch_labels=tuple(header["branch_labels"]),
        depends_on=tuple(header["depends_on"]),
        message=header["message"],
        path=path,
        service=service,
    )


def read_header(path: Path) -> dict[str, Any] | None:
    """Return a script's header fields, or None if the file declares no revision."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptHeaderError(path, None, f"cannot be read: {exc}") from exc
    module = _parse_prologue(source, path)
    values: dict[str, Any] = {}
    for node in module.body:
        name, value = _assignment(node)
        if name in _FIELDS and value is not None:
            values[name] = _literal(value, name, node.lineno, path)
    if "revision" not in values:
        return None
    docstring = ast.get_docstring(module) or ""
    return {
        "revision": _text(values["revision"], "revision", path),
        "down_revision": _ids(values.get("down_revision"), "down_revision", path),
        "branch_labels": _ids(values.get("branch_labels"), "branch_labels", path),
        "depends_on": _ids(values.get("depends_on"), "depends_on", path),
        "message": docstring.strip().splitlines()[0] if docstring.strip() else "",
    }


def _parse_prologue(source: str, path: Path) -> ast.Module:
    """Parse the part of the script before its first function; the whole file if need be."""
    cut = len(source)
    offset = 0
    for line in source.splitlines(keepends=True):
        if line.startswith(_BODY_STARTS):
            cut = offset
            break
        offset += len(line)
    try:
        return ast.parse(source[:cut], filename=str(path))
    except SyntaxError:
        pass
    try:
        return ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        raise ScriptHeaderError(path, exc.lineno, f"does not compile: {exc.msg}") from exc


def _assignment(node: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        return (target.id if isinstance(target, ast.Name) else None), node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.value
    return None, None


def _literal(value: ast.expr, name: str, line: int, path: Path) -> Any:
    """Return the literal value, or import the script to learn it."""
    try:
        return ast.literal_eval(value)
    except ValueError:
        pass
    try:
        namespace = runpy.run_path(str(path), run_name=f"orch_header_{path.stem}")
    except Exception as exc:
        raise ScriptHeaderError(
            path, line, f"{name} is not a literal, and importing the script failed: {exc!r}"
        ) from exc
    return namespace.get(name)


def _text(value: Any, name: str, path: Path) -> str:
    if not isinstance(value, str) or not value:
        raise ScriptHeaderError(path, None, f"{name} must be a non-empty string, not {value!r}")
    return value


def _ids(value: Any, name: str, path: Path) -> list[str]:
    """Return None, a string, or a tuple/list of strings as a list of strings."""
    if value is None or value == ():
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ScriptHeaderError(path, None, f"{name} must be None, a string or strings: {value!r}")


def _load_cache(cache_path: Path | None) -> dict[str, list[Any]]:
    if cache_path is None:
        return {}
    try:
        data = json.loads(cache_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return {}
    entries = data.get("entries")
    if not isinstance(entries, dict):
        return {}
    return {k: v for k, v in entries.items() if _valid_entry(v)}


def _valid_entry(entry: Any) -> bool:
    if not (isinstance(entry, list) and len(entry) == 3):
        return False
    size, mtime, header = entry
    if not (isinstance(size, int) and isinstance(mtime, int)):
        return False
    if header is None:
        return True
    return (
        isinstance(header, dict)
        and isinstance(header.get("revision"), str)
        and all(
            isinstance(header.get(k), list)
            for k in ("down_revision", "branch_labels", "depends_on")
        )
    )


def _save_cache(cache_path: Path, entries: dict[str, list[Any]]) -> None:
    """Write the cache atomically; a cache that cannot be written is simply not kept."""
    try:
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = cache_path.with_name(f"{cache_path.name}.{os.getpid()}.tmp")
        temporary.write_text(
            json.dumps({"version": CACHE_VERSION, "entries": entries}), encoding="utf-8"
        )
        temporary.replace(cache_path)
    except OSError:
        return
