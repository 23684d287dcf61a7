"""The TOML documents a project's configuration is read from: orch.toml, or [tool.orch] in
pyproject.toml, and an environment's overlay (envs/NAME.toml); each key checked against the
tables that accept it, the documents merged, and which file set a key last."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orch_core.config.keys import (
    DATABASE_KEYS,
    FLEET_KEYS,
    ORCH_KEYS,
    SERVICE_KEYS,
    TOP_KEYS,
    check_table,
)
from orch_core.errors import ConfigError, ConfigNotFound

CONFIG_NAME = "orch.toml"

_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True)
class Source:
    """One TOML document and the file it came from."""

    path: Path
    data: dict[str, Any]


def find_config(start: Path) -> Path:
    """Return the orch.toml, or the pyproject.toml with [tool.orch], nearest above start."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and "orch" in read_toml(pyproject).get("tool", {}):
            return pyproject
    raise ConfigNotFound(f"no {CONFIG_NAME} found in {start} or any folder above it", None)


def project_table(path: Path) -> dict[str, Any]:
    data = read_toml(path)
    if path.name != "pyproject.toml":
        return data
    table = data.get("tool", {}).get("orch")
    if not isinstance(table, dict):
        raise ConfigError("has no [tool.orch] table", path)
    return table


def overlay_path(config: Path, env: str) -> Path:
    overlay = config.parent / "envs" / f"{env}.toml"
    if not overlay.is_file():
        raise ConfigError(f"environment {env!r} has no overlay file {overlay}", config, "env")
    return overlay


def read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot be read: {exc.strerror}", path) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, line, column = _syntax_position(str(exc))
        raise ConfigError(f"TOML syntax error: {message}", path, None, line, column) from exc


def _syntax_position(text: str) -> tuple[str, int | None, int | None]:
    """Split tomllib's message into the reason and its line and column."""
    found = _POSITION.search(text)
    if found is None:
        return text, None, None
    return text[: found.start()].strip(), int(found.group(1)), int(found.group(2))


def check_keys(source: Source) -> None:
    """Refuse a key no table accepts, naming the file and the dotted key."""
    for key, value in source.data.items():
        if key not in TOP_KEYS:
            raise ConfigError(
                f"unknown key (expected one of {', '.join(TOP_KEYS)})", source.path, key
            )
        if not isinstance(value, dict):
            raise ConfigError("must be a table", source.path, key)
    check_table(source.path, "orch", source.data.get("orch", {}), ORCH_KEYS)
    groups = (("services", SERVICE_KEYS), ("databases", DATABASE_KEYS), ("fleets", FLEET_KEYS))
    for group, allowed in groups:
        for name, table in source.data.get(group, {}).items():
            if not isinstance(table, dict):
                raise ConfigError("must be a table", source.path, f"{group}.{name}")
            check_table(source.path, f"{group}.{name}", table, allowed)


def merge(base: dict[str, Any], *overlays: dict[str, Any]) -> dict[str, Any]:
    """Return base with each overlay laid over it key by key, tables merged recursively."""
    merged = dict(base)
    for overlay in overlays:
        for key, value in overlay.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = merge(merged[key], value)
            else:
                merged[key] = value
    return merged


def origin_of(sources: list[Source], *keys: str) -> Path:
    """Return the file that set the dotted key last (an overlay wins over the base)."""
    for source in reversed(sources):
        node: Any = source.data
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            return source.path
    return sources[0].path
