"""Read the literal `context.configure(...)` keywords of an env.py, without running it."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class EnvSettings:
    """What env.py's `context.configure` calls set, as far as reading the source tells."""

    literals: tuple[tuple[str, object], ...] = ()  # keyword -> literal value, in order
    others: tuple[tuple[str, str], ...] = ()  # keyword -> the source of its non-literal value
    environment: tuple[str, ...] = ()  # environment variables env.py reads
    found: bool = True  # whether the file exists


def read_env_py(path: Path) -> EnvSettings:
    """Return the keywords of every `context.configure(...)` call in env.py."""
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except FileNotFoundError:
        return EnvSettings(found=False)
    except (OSError, SyntaxError, ValueError):
        return EnvSettings(others=(("*", f"{path.name} could not be parsed"),))
    literals: dict[str, object] = {}
    others: dict[str, str] = {}
    for call in _configure_calls(tree):
        for keyword in call.keywords:
            name = keyword.arg or "**" + ast.unparse(keyword.value)
            try:
                value = ast.literal_eval(keyword.value)
            except ValueError:
                others[name] = ast.unparse(keyword.value)
                continue
            if name in literals and literals[name] != value:
                others[name] = f"{literals.pop(name)!r} in one call, {value!r} in another"
            elif name not in others:
                literals[name] = value
    return EnvSettings(tuple(literals.items()), tuple(others.items()), _environment(tree))


def _configure_calls(tree: ast.AST) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "configure"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "context"
    ]


def _environment(tree: ast.AST) -> tuple[str, ...]:
    """Return the names in `os.environ["X"]`, `os.environ.get("X")` and `os.getenv("X")`."""
    names: list[str] = []
    for node in ast.walk(tree):
        key: ast.expr | None = None
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            key = node.slice
        elif isinstance(node, ast.Call) and ast.unparse(node.func) in {
            "os.environ.get",
            "os.getenv",
        }:
            key = node.args[0] if node.args else None
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value not in names:
            names.append(key.value)
    return tuple(names)
