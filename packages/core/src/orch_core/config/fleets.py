"""Fleets: one database entry standing for many instances (tenant databases or schemas).

The loader checks a fleet's keys; its instance names are read only when a command selects the
fleet (an inline list, a file next to the config, or a query on a catalog database), so that
commands which never connect (heads, history) never read a catalog either. An instance is a
DatabaseConfig named `FLEET:NAME`, its `{name}` filled in.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from orch_core.config.model import DatabaseConfig, FleetConfig, InstanceSource
from orch_core.errors import ConfigError

# The keys a fleet accepts besides a database's.
FLEET_ONLY_KEYS: dict[str, tuple[type, ...]] = {
    "schema": (str,),
    "instances": (list,),
    "instances_file": (str,),
    "instances_query": (str,),
    "catalog_url": (str,),
}
PLACEHOLDER = "{name}"
SEPARATOR = ":"  # between the fleet's name and the instance's: `tenants:acme`
_SOURCES = ("instances", "instances_file", "instances_query")
# An instance name goes into file names, database names and schema names: keep it plain.
_INSTANCE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def check_template(template: DatabaseConfig, table: dict[str, Any], where: Path) -> DatabaseConfig:
    """Return a fleet's template, refusing one whose instances could not differ."""
    key = f"fleets.{template.name}"
    if SEPARATOR in template.name:
        raise ConfigError(f"a fleet's name may not contain {SEPARATOR!r}", where, key)
    schema = template.schema
    if PLACEHOLDER not in template.url and (schema is None or PLACEHOLDER not in schema):
        reason = f"must contain {PLACEHOLDER} (or set `schema` with {PLACEHOLDER} in it)"
        raise ConfigError(reason, where, f"{key}.url")
    if schema is None:
        return template
    if not template.url.startswith("postgresql"):
        reason = "a schema per instance needs a PostgreSQL url"
        raise ConfigError(reason, where, f"{key}.schema")
    if "version_table_schema" in table:
        reason = "contradicts `schema`: each instance's version table lives in its schema"
        raise ConfigError(reason, where, f"{key}.version_table_schema")
    return template


def instance_source(
    fleet: str, table: dict[str, Any], where: Path, catalog_url: str | None
) -> InstanceSource:
    """Return where a fleet's instance names come from; exactly one source is allowed."""
    given = [key for key in _SOURCES if key in table]
    key = f"fleets.{fleet}"
    if len(given) != 1:
        reason = f"needs exactly one of {', '.join(_SOURCES)}"
        raise ConfigError(reason, where, f"{key}.{given[1]}" if given else key)
    source_key = f"{key}.{given[0]}"
    if (given[0] == "instances_query") != (catalog_url is not None):
        reason = "goes with instances_query" if catalog_url else "needs catalog_url"
        raise ConfigError(reason, where, f"{key}.catalog_url" if catalog_url else source_key)
    if "instances" in table:
        return InstanceSource(
            where, source_key, names=_checked(table["instances"], where, source_key)
        )
    if "instances_file" in table:
        return InstanceSource(where, source_key, file=where.parent / table["instances_file"])
    return InstanceSource(
        where, source_key, query=table["instances_query"], catalog_url=catalog_url
    )


def instance_names(source: InstanceSource) -> tuple[str, ...]:
    """Return a fleet's instance names, reading its file or querying its catalog."""
    if source.names is not None:
        return source.names
    if source.file is not None:
        return _checked(_read_file(source), source.file, source.key)
    from orch_core.config.catalog import query_names  # noqa: PLC0415 - imports SQLAlchemy

    return _checked(query_names(source), source.origin, source.key)


def instances(fleet: FleetConfig) -> dict[str, DatabaseConfig]:
    """Return a fleet's instances by name (`FLEET:NAME`), in the order they were listed."""
    return {
        config.name: config
        for config in (instance(fleet, name) for name in instance_names(fleet.instances))
    }


def instance(fleet: FleetConfig, name: str) -> DatabaseConfig:
    """Return the configuration of one instance of a fleet."""
    template = fleet.template
    schema = None if template.schema is None else template.schema.replace(PLACEHOLDER, name)
    return replace(
        template,
        name=f"{fleet.name}{SEPARATOR}{name}",
        url=template.url.replace(PLACEHOLDER, name),
        schema=schema,
        version_table_schema=schema if schema is not None else template.version_table_schema,
    )


def _read_file(source: InstanceSource) -> list[Any]:
    """Return the names in an instances file: a JSON list, or one name a line (# comments)."""
    assert source.file is not None
    try:
        text = source.file.read_text(encoding="utf-8")
    except OSError as exc:
        reason = f"cannot read {source.file}: {exc.strerror}"
        raise ConfigError(reason, source.origin, source.key) from exc
    if text.lstrip().startswith("["):
        try:
            found = json.loads(text)
        except json.JSONDecodeError as exc:
            reason = f"not a JSON list: {exc.msg}"
            raise ConfigError(reason, source.file, source.key, exc.lineno, exc.colno) from exc
        if not isinstance(found, list):
            raise ConfigError("must be a JSON list of names", source.file, source.key)
        return found
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def _checked(names: list[Any] | tuple[Any, ...], where: Path, key: str) -> tuple[str, ...]:
    """Return names as a tuple, refusing a name that is no plain word or that repeats."""
    seen: set[str] = set()
    for name in names:
        if not isinstance(name, str) or not _INSTANCE_NAME.fullmatch(name):
            reason = f"{name!r} is no instance name (letters, digits, _ . -)"
            raise ConfigError(reason, where, key)
        if name in seen:
            raise ConfigError(f"{name!r} is listed twice", where, key)
        seen.add(name)
    return tuple(names)
