"""Read orch.toml (or [tool.orch] in pyproject.toml), overlay an environment, type the result."""

from __future__ import annotations

import graphlib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orch_core.config.autogenerate import (
    AUTOGENERATE_KEYS,
    SCRIPT_NAMING_KEYS,
    SERVICE_ONLY_KEYS,
    autogenerate_config,
)
from orch_core.config.interpolation import UndefinedVariable, interpolate
from orch_core.config.model import (
    DEFAULT_CONCURRENCY,
    DatabaseConfig,
    OrchConfig,
    ServiceConfig,
    TransactionMode,
)
from orch_core.errors import ConfigError, ConfigNotFound

CONFIG_NAME = "orch.toml"
ENV_VARIABLE = "ORCH_ENV"

# The keys each table accepts, with the Python types a value may have.
_ORCH_KEYS: dict[str, tuple[type, ...]] = {
    "audit_log": (str,),
    "concurrency": (int,),
    "header_cache": (str,),
    "version_table": (str,),
    "version_table_schema": (str,),
    "history_table": (str, bool),
    "lock_timeout": (int, float),
    "transaction_mode": (str,),
    "python_path": (list,),
    **AUTOGENERATE_KEYS,
    **SCRIPT_NAMING_KEYS,
}
_SERVICE_KEYS: dict[str, tuple[type, ...]] = {
    "scripts": (str,),
    **SERVICE_ONLY_KEYS,
    **AUTOGENERATE_KEYS,
}
_DATABASE_KEYS: dict[str, tuple[type, ...]] = {
    "url": (str,),
    "services": (list,),
    "after": (list,),
    "version_table": (str,),
    "version_table_schema": (str,),
    "history_table": (str, bool),
    "lock_timeout": (int, float),
    "transaction_mode": (str,),
}
_TOP_KEYS = ("orch", "services", "databases")
_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True)
class _Source:
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
        if pyproject.is_file() and "orch" in _read_toml(pyproject).get("tool", {}):
            return pyproject
    raise ConfigNotFound(f"no {CONFIG_NAME} found in {start} or any folder above it", None)


def load_config(
    path: Path | None = None,
    *,
    env: str | None = None,
    environ: Mapping[str, str] | None = None,
    start: Path | None = None,
) -> OrchConfig:
    """Load, overlay, interpolate and type a project's configuration."""
    environ = os.environ if environ is None else environ
    env = env or environ.get(ENV_VARIABLE) or None
    if path is None:
        path = find_config(start or Path.cwd())
    elif not path.is_file():
        raise ConfigNotFound(f"config file {path} does not exist", path)
    path = path.resolve()
    sources = [_Source(path, _project_table(path))]
    if env:
        overlay = _overlay_path(path, env)
        sources.append(_Source(overlay, _read_toml(overlay)))
    for source in sources:
        _check_keys(source)
    merged = _merge(*(source.data for source in sources))
    return _build(merged, sources, environ)


def _project_table(path: Path) -> dict[str, Any]:
    data = _read_toml(path)
    if path.name != "pyproject.toml":
        return data
    table = data.get("tool", {}).get("orch")
    if not isinstance(table, dict):
        raise ConfigError("has no [tool.orch] table", path)
    return table


def _overlay_path(config: Path, env: str) -> Path:
    overlay = config.parent / "envs" / f"{env}.toml"
    if not overlay.is_file():
        raise ConfigError(f"environment {env!r} has no overlay file {overlay}", config, "env")
    return overlay


def _read_toml(path: Path) -> dict[str, Any]:
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


def _check_keys(source: _Source) -> None:
    """Refuse a key no table accepts, naming the file and the dotted key."""
    for key, value in source.data.items():
        if key not in _TOP_KEYS:
            raise ConfigError(
                f"unknown key (expected one of {', '.join(_TOP_KEYS)})", source.path, key
            )
        if not isinstance(value, dict):
            raise ConfigError("must be a table", source.path, key)
    _check_table(source, "orch", source.data.get("orch", {}), _ORCH_KEYS)
    for group, allowed in (("services", _SERVICE_KEYS), ("databases", _DATABASE_KEYS)):
        for name, table in source.data.get(group, {}).items():
            if not isinstance(table, dict):
                raise ConfigError("must be a table", source.path, f"{group}.{name}")
            _check_table(source, f"{group}.{name}", table, allowed)


def _check_table(
    source: _Source, prefix: str, table: dict[str, Any], allowed: dict[str, tuple[type, ...]]
) -> None:
    for key, value in table.items():
        dotted = f"{prefix}.{key}"
        if key not in allowed:
            raise ConfigError(
                f"unknown key (expected one of {', '.join(allowed)})", source.path, dotted
            )
        types = allowed[key]
        wrong_bool = isinstance(value, bool) and bool not in types
        if not isinstance(value, types) or wrong_bool:
            expected = " or ".join(_type_name(t) for t in types)
            raise ConfigError(
                f"must be {expected}, not {_type_name(type(value))}", source.path, dotted
            )
        if isinstance(value, list) and not all(isinstance(item, str) for item in value):
            raise ConfigError("must be a list of strings", source.path, dotted)


def _type_name(kind: type) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "a boolean"}
    return names.get(
        kind, f"a {'list' if kind is list else 'table' if kind is dict else kind.__name__}"
    )


def _merge(base: dict[str, Any], *overlays: dict[str, Any]) -> dict[str, Any]:
    """Return base with each overlay laid over it key by key, tables merged recursively."""
    merged = dict(base)
    for overlay in overlays:
        for key, value in overlay.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = _merge(merged[key], value)
            else:
                merged[key] = value
    return merged


def _origin(sources: list[_Source], *keys: str) -> Path:
    """Return the file that set the dotted key last (an overlay wins over the base)."""
    for source in reversed(sources):
        node: Any = source.data
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            return source.path
    return sources[0].path


def _build(data: dict[str, Any], sources: list[_Source], environ: Mapping[str, str]) -> OrchConfig:
    root = sources[0].path.parent
    defaults = data.get("orch", {})
    services = {
        name: ServiceConfig(
            name,
            root / _text(table, sources, environ, "services", name, "scripts"),
            autogenerate_config(defaults, table),
        )
        for name, table in data.get("services", {}).items()
    }
    databases = {
        name: _database(name, table, defaults, services, sources, environ)
        for name, table in data.get("databases", {}).items()
    }
    _check_after(databases, sources)
    audit_log = defaults.get("audit_log")
    header_cache = defaults.get("header_cache", ".orch/header-cache.json")
    concurrency = defaults.get("concurrency", DEFAULT_CONCURRENCY)
    if concurrency < 1:
        raise ConfigError(
            "must be at least 1", _origin(sources, "orch", "concurrency"), "orch.concurrency"
        )
    return OrchConfig(
        path=sources[0].path,
        services=services,
        databases=databases,
        concurrency=concurrency,
        audit_log=root / audit_log if audit_log else None,
        header_cache=root / header_cache if header_cache else None,
        python_path=tuple(root / folder for folder in defaults.get("python_path", ())),
        file_template=defaults.get("file_template", "%(rev)s_%(slug)s"),
        truncate_slug_length=defaults.get("truncate_slug_length", 40),
    )


def _text(
    table: dict[str, Any], sources: list[_Source], environ: Mapping[str, str], *keys: str
) -> str:
    """Return the interpolated string at the dotted key; a missing key is an error."""
    dotted = ".".join(keys)
    if keys[-1] not in table:
        raise ConfigError("is required", _origin(sources, *keys[:-1]), dotted)
    try:
        return interpolate(table[keys[-1]], environ)
    except UndefinedVariable as exc:
        raise ConfigError(
            f"environment variable {exc.name} is not set and has no default (${{{exc.name}:-...}})",
            _origin(sources, *keys),
            dotted,
        ) from exc


def _database(  # noqa: PLR0917 - private builder over the parts of one table
    name: str,
    table: dict[str, Any],
    defaults: dict[str, Any],
    services: dict[str, ServiceConfig],
    sources: list[_Source],
    environ: Mapping[str, str],
) -> DatabaseConfig:
    prefix = ("databases", name)
    url = _anchor_sqlite(_text(table, sources, environ, *prefix, "url"), sources[0].path.parent)
    if "services" not in table:
        raise ConfigError("is required", _origin(sources, *prefix), f"databases.{name}.services")
    for service in table["services"]:
        if service not in services:
            known = ", ".join(sorted(services)) or "none"
            raise ConfigError(
                f"unknown service {service!r} (services defined: {known})",
                _origin(sources, *prefix, "services"),
                f"databases.{name}.services",
            )
    setting = {**defaults, **table}
    history = setting.get("history_table", "orch_history")
    mode = setting.get("transaction_mode", TransactionMode.PER_MIGRATION.value)
    if mode not in {m.value for m in TransactionMode}:
        allowed = ", ".join(m.value for m in TransactionMode)
        key = f"databases.{name}.transaction_mode"
        raise ConfigError(f"must be one of {allowed}", _origin(sources, *prefix), key)
    return DatabaseConfig(
        name=name,
        url=url,
        services=tuple(table["services"]),
        after=tuple(table.get("after", ())),
        version_table=setting.get("version_table", "alembic_version"),
        version_table_schema=setting.get("version_table_schema"),
        history_table=None
        if history is False
        else ("orch_history" if history is True else history),
        lock_timeout=float(setting.get("lock_timeout", 60.0)),
        transaction_mode=TransactionMode(mode),
    )


def _anchor_sqlite(url: str, root: Path) -> str:
    """Return url with a relative SQLite file path made relative to the config's folder."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) and not url.startswith("sqlite+pysqlite:///"):
        return url
    scheme, _, rest = url.partition(":///")
    path, query = rest.split("?", 1) if "?" in rest else (rest, None)
    if not path or path == ":memory:" or Path(path).is_absolute():
        return url
    anchored = f"{scheme}:///{root / path}"
    return f"{anchored}?{query}" if query else anchored


def _check_after(databases: dict[str, DatabaseConfig], sources: list[_Source]) -> None:
    """Refuse an `after` that names no database, or that makes the order a cycle."""
    order: dict[str, list[str]] = {}
    for database in databases.values():
        for before in database.after:
            if before not in databases:
                known = ", ".join(sorted(databases))
                raise ConfigError(
                    f"unknown database {before!r} (databases defined: {known})",
                    _origin(sources, "databases", database.name, "after"),
                    f"databases.{database.name}.after",
                )
        order[database.name] = list(database.after)
    try:
        graphlib.TopologicalSorter(order).prepare()
    except graphlib.CycleError as exc:
        names = list(reversed(exc.args[1]))  # graphlib lists the cycle against `after`
        raise ConfigError(
            f"`after` makes a cycle: {' -> '.join(names)}",
            _origin(sources, "databases", names[-1], "after"),
            f"databases.{names[-1]}.after",
        ) from None
