"""Read orch.toml (or [tool.orch] in pyproject.toml), overlay an environment, type the result."""

from __future__ import annotations

import graphlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from orch_core.config.autogenerate import (
    autogenerate_config,
)
from orch_core.config.documents import (
    Source,
    check_keys,
    find_config,
    merge,
    origin_of,
    overlay_path,
    project_table,
    read_toml,
)
from orch_core.config.fleets import PLACEHOLDER, check_template, instance_source
from orch_core.config.interpolation import interpolate, interpolate_url
from orch_core.config.model import (
    DEFAULT_CONCURRENCY,
    DEFAULT_STOP_GRACE,
    DatabaseConfig,
    FleetConfig,
    HooksReference,
    HooksSource,
    OrchConfig,
    ServiceConfig,
    TransactionMode,
)
from orch_core.dialects.sqlite import anchor_url
from orch_core.errors import ConfigError, ConfigNotFound, UndefinedVariable

ENV_VARIABLE = "ORCH_ENV"


@dataclass(frozen=True)
class _Entries:
    """What building one [databases.NAME] or [fleets.NAME] table reads of the whole project."""

    sources: list[Source]
    environ: Mapping[str, str]
    defaults: dict[str, Any]  # [orch]: the settings each entry may set again for itself
    services: dict[str, ServiceConfig]
    # False (a command that never connects): a url whose variable is not set stays as written.
    need_urls: bool


def load_config(
    path: Path | None = None,
    *,
    env: str | None = None,
    environ: Mapping[str, str] | None = None,
    start: Path | None = None,
    need_urls: bool = True,
) -> OrchConfig:
    """Load, overlay, interpolate and type a project's configuration.

    need_urls=False keeps a url whose variable is not set as it is written, for commands that
    never connect: `heads` and `history` work without the variables a url reads."""
    environ = os.environ if environ is None else environ
    env = env or environ.get(ENV_VARIABLE) or None
    if path is None:
        path = find_config(start or Path.cwd())
    elif not path.is_file():
        raise ConfigNotFound(f"config file {path} does not exist", path)
    path = path.resolve()
    sources = [Source(path, project_table(path))]
    if env:
        overlay = overlay_path(path, env)
        sources.append(Source(overlay, read_toml(overlay)))
    for source in sources:
        check_keys(source)
    merged = merge(*(source.data for source in sources))
    return _build(merged, sources, environ, need_urls=need_urls)


def _build(
    data: dict[str, Any], sources: list[Source], environ: Mapping[str, str], *, need_urls: bool
) -> OrchConfig:
    root = sources[0].path.parent
    defaults = data.get("orch", {})
    python_path = tuple(root / folder for folder in defaults.get("python_path", ()))
    services = {
        name: ServiceConfig(
            name,
            root / _text(table, sources, environ, "services", name, "scripts"),
            hooks=_hooks_reference(table, sources, python_path, "services", name),
            autogenerate=autogenerate_config(defaults, table),
        )
        for name, table in data.get("services", {}).items()
    }
    project_hooks = _hooks_reference(defaults, sources, python_path, "orch")
    entries = _Entries(sources, environ, defaults, services, need_urls)
    databases = {
        name: _database(name, table, entries) for name, table in data.get("databases", {}).items()
    }
    databases = {
        name: replace(database, hooks=_hooks_source(project_hooks, database, services))
        for name, database in databases.items()
    }
    _check_after(databases, sources)
    fleets = {name: _fleet(name, table, entries) for name, table in data.get("fleets", {}).items()}
    fleets = {
        name: replace(
            fleet,
            template=replace(
                fleet.template, hooks=_hooks_source(project_hooks, fleet.template, services)
            ),
        )
        for name, fleet in fleets.items()
    }
    _check_fleets(fleets, databases, sources)
    databases = _with_neighbour_schemas(databases, fleets)
    audit_log = defaults.get("audit_log")
    header_cache = defaults.get("header_cache", ".orch/header-cache.json")
    concurrency = defaults.get("concurrency", DEFAULT_CONCURRENCY)
    if concurrency < 1:
        raise ConfigError(
            "must be at least 1", origin_of(sources, "orch", "concurrency"), "orch.concurrency"
        )
    return OrchConfig(
        path=sources[0].path,
        services=services,
        databases=databases,
        fleets=fleets,
        concurrency=concurrency,
        audit_log=root / audit_log if audit_log else None,
        header_cache=root / header_cache if header_cache else None,
        hooks=project_hooks,
        python_path=python_path,
        file_template=defaults.get("file_template", "%(rev)s_%(slug)s"),
        truncate_slug_length=defaults.get("truncate_slug_length", 40),
        stop_grace_seconds=_stop_grace(defaults, sources),
    )


def _stop_grace(defaults: dict[str, Any], sources: list[Source]) -> float:
    """Return `[orch] stop_grace_seconds`, refusing a negative one."""
    grace = float(defaults.get("stop_grace_seconds", DEFAULT_STOP_GRACE))
    if grace < 0:
        origin = origin_of(sources, "orch", "stop_grace_seconds")
        raise ConfigError("must be 0 or more", origin, "orch.stop_grace_seconds")
    return grace


def _hooks_reference(
    table: dict[str, Any], sources: list[Source], python_path: tuple[Path, ...], *keys: str
) -> HooksReference | None:
    """Return the hooks module a table names, remembering the file and key that named it."""
    target = table.get("hooks")
    if not target:
        return None
    origin, key = origin_of(sources, *keys, "hooks"), ".".join((*keys, "hooks"))
    return HooksReference(target, origin, key, python_path)


def _hooks_source(
    project: HooksReference | None, database: DatabaseConfig, services: dict[str, ServiceConfig]
) -> HooksSource | None:
    """Return the hooks modules a database's runs use, or None when no table names one."""
    per_service = tuple(
        (name, hooks) for name in database.services if (hooks := services[name].hooks)
    )
    if project is None and not per_service:
        return None
    return HooksSource(project, per_service)


def _text(
    table: dict[str, Any], sources: list[Source], environ: Mapping[str, str], *keys: str
) -> str:
    """Return the interpolated string at the dotted key; a missing key is an error.

    A `url`'s variables in its user:password part are percent-encoded as they go in."""
    dotted = ".".join(keys)
    if keys[-1] not in table:
        raise ConfigError("is required", origin_of(sources, *keys[:-1]), dotted)
    fill = interpolate_url if keys[-1] in {"url", "catalog_url"} else interpolate
    try:
        return fill(table[keys[-1]], environ)
    except UndefinedVariable as exc:
        raise ConfigError(
            f"environment variable {exc.name} is not set and has no default (${{{exc.name}:-...}})",
            origin_of(sources, *keys),
            dotted,
        ) from exc


def _database(
    name: str, table: dict[str, Any], entries: _Entries, group: str = "databases"
) -> DatabaseConfig:
    """Return a database (or, group "fleets", a fleet's template) from its table."""
    prefix, sources, services = (group, name), entries.sources, entries.services
    url = _url(table, entries, prefix)
    if "services" not in table:
        raise ConfigError("is required", origin_of(sources, *prefix), f"{group}.{name}.services")
    for service in table["services"]:
        if service not in services:
            known = ", ".join(sorted(services)) or "none"
            raise ConfigError(
                f"unknown service {service!r} (services defined: {known})",
                origin_of(sources, *prefix, "services"),
                f"{group}.{name}.services",
            )
    setting = {**entries.defaults, **table}
    history = setting.get("history_table", "orch_history")
    return DatabaseConfig(
        name=name,
        url=url,
        services=tuple(table["services"]),
        after=tuple(table.get("after", ())),
        version_table=setting.get("version_table", "alembic_version"),
        # "" is the default schema, as no key is: a database can undo the project's schema.
        version_table_schema=setting.get("version_table_schema") or None,
        version_table_pk=setting.get("version_table_pk", True),
        history_table=None
        if history is False
        else ("orch_history" if history is True else history),
        lock_timeout=float(setting.get("lock_timeout", 60.0)),
        transaction_mode=_transaction_mode(prefix, setting, sources),
    )


def _fleet(name: str, table: dict[str, Any], entries: _Entries) -> FleetConfig:
    """Return a fleet: its instances' settings as a template, and where its names come from."""
    sources, environ = entries.sources, entries.environ
    where = origin_of(sources, "fleets", name)
    template = _database(name, table, entries, group="fleets")
    schema = _text(table, sources, environ, "fleets", name, "schema") if "schema" in table else None
    template = check_template(replace(template, schema=schema), table, where)
    catalog_url = table.get("catalog_url")
    if catalog_url is not None:
        catalog_url = _url(table, entries, ("fleets", name), "catalog_url")
    return FleetConfig(name, template, instance_source(name, table, where, catalog_url))


def _with_neighbour_schemas(
    databases: dict[str, DatabaseConfig], fleets: dict[str, FleetConfig]
) -> dict[str, DatabaseConfig]:
    """Return the databases, each told where the project's other entries keep version tables."""
    owned = [(f"fleets.{name}", _version_schema_pattern(f.template)) for name, f in fleets.items()]
    owned += [(name, _version_schema_pattern(d)) for name, d in databases.items()]
    return {
        name: replace(
            database,
            neighbour_schemas=tuple(
                sorted({p for owner, p in owned if p is not None and owner != name})
            ),
        )
        for name, database in databases.items()
    }


def _version_schema_pattern(database: DatabaseConfig) -> str | None:
    schema = database.schema or database.version_table_schema
    return None if schema is None else schema.replace(PLACEHOLDER, "*")


def _check_fleets(
    fleets: dict[str, FleetConfig], databases: dict[str, DatabaseConfig], sources: list[Source]
) -> None:
    """Refuse a fleet named like a database, or whose `after` names no database."""
    for fleet in fleets.values():
        key = f"fleets.{fleet.name}"
        if fleet.name in databases:
            reason = f"a database is also named {fleet.name!r}: names must differ"
            raise ConfigError(reason, origin_of(sources, "fleets", fleet.name), key)
        for before in fleet.template.after:
            if before not in databases:
                known = ", ".join(sorted(databases)) or "none"
                raise ConfigError(
                    f"unknown database {before!r} (databases defined: {known})",
                    origin_of(sources, "fleets", fleet.name, "after"),
                    f"{key}.after",
                )


def _transaction_mode(
    prefix: tuple[str, str], setting: dict[str, Any], sources: list[Source]
) -> TransactionMode:
    """Return the mode `transaction_mode` or Alembic's `transaction_per_migration` asks for."""
    key = f"{'.'.join(prefix)}.transaction_mode"
    where = origin_of(sources, *prefix)
    mode = setting.get("transaction_mode")
    if mode is not None and mode not in {m.value for m in TransactionMode}:
        allowed = ", ".join(m.value for m in TransactionMode)
        raise ConfigError(f"must be one of {allowed}", where, key)
    per_migration = setting.get("transaction_per_migration")
    if per_migration is None:
        return TransactionMode(mode or TransactionMode.PER_MIGRATION.value)
    alembic = TransactionMode.PER_MIGRATION if per_migration else TransactionMode.PER_RUN
    if mode is not None and TransactionMode(mode) is not alembic:
        raise ConfigError(
            f"transaction_mode = {mode!r} contradicts "
            f"transaction_per_migration = {str(per_migration).lower()}: set one of them",
            where,
            key,
        )
    return alembic


def _url(
    table: dict[str, Any], entries: _Entries, prefix: tuple[str, str], key: str = "url"
) -> str:
    """Return a database's url, interpolated, a SQLite path anchored at the project; unless
    needed, one whose variable is not set stays as written (a command that never connects
    has no use for it)."""
    try:
        url = _text(table, entries.sources, entries.environ, *prefix, key)
    except ConfigError:
        if entries.need_urls or key not in table:
            raise
        url = str(table[key])
    return anchor_url(url, entries.sources[0].path.parent)


def _check_after(databases: dict[str, DatabaseConfig], sources: list[Source]) -> None:
    """Refuse an `after` that names no database, or that makes the order a cycle."""
    order: dict[str, list[str]] = {}
    for database in databases.values():
        for before in database.after:
            if before not in databases:
                known = ", ".join(sorted(databases))
                raise ConfigError(
                    f"unknown database {before!r} (databases defined: {known})",
                    origin_of(sources, "databases", database.name, "after"),
                    f"databases.{database.name}.after",
                )
        order[database.name] = list(database.after)
    try:
        graphlib.TopologicalSorter(order).prepare()
    except graphlib.CycleError as exc:
        names = list(reversed(exc.args[1]))  # graphlib lists the cycle against `after`
        raise ConfigError(
            f"`after` makes a cycle: {' -> '.join(names)}",
            origin_of(sources, "databases", names[-1], "after"),
            f"databases.{names[-1]}.after",
        ) from None
