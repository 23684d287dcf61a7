"""Typed configuration: the services, the databases and the defaults of one orch project.

Loading (TOML files, `[tool.orch]` in pyproject.toml, env overlays, `${VAR}` interpolation)
produces these values; everything else in orch reads them and never a raw dict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from orch_core.config.autogenerate import AutogenerateConfig


@dataclass(frozen=True)
class HooksReference:
    """Where a hooks module is named: the module or file, the config file and its key."""

    target: str  # a dotted module name, or a path to a .py file relative to `origin`
    origin: Path  # the config file that named it
    key: str  # the dotted key that named it, for errors
    python_path: tuple[Path, ...] = ()  # [orch] python_path: where its own imports are found


@dataclass(frozen=True)
class HooksSource:
    """The hooks modules one database's runs use: the project's and each service's."""

    project: HooksReference | None = None
    services: tuple[tuple[str, HooksReference], ...] = ()


class TransactionMode(StrEnum):
    """How a database's steps are grouped into transactions."""

    PER_MIGRATION = "per-migration"
    PER_RUN = "per-run"


@dataclass(frozen=True)
class ServiceConfig:
    """A branch of the revision graph: its label and the folder of its scripts."""

    name: str
    scripts: Path
    hooks: HooksReference | None = None
    autogenerate: AutogenerateConfig = field(default_factory=AutogenerateConfig)


@dataclass(frozen=True)
class DatabaseConfig:
    """One named database, the services it carries and how to migrate it."""

    name: str
    url: str
    services: tuple[str, ...]
    after: tuple[str, ...] = ()
    version_table: str = "alembic_version"
    version_table_schema: str | None = None
    history_table: str | None = "orch_history"
    lock_timeout: float = 60.0
    transaction_mode: TransactionMode = TransactionMode.PER_MIGRATION
    version_table_pk: bool = True
    hooks: HooksSource | None = None
    # A tenant's PostgreSQL schema: its scripts run with it as search_path, created if missing.
    schema: str | None = None
    # Schemas (fnmatch patterns) where the project's other entries keep their version tables:
    # a fleet's tenant schemas (`tenant_*`), another database's version_table_schema. Finding a
    # version table there says nothing about this database (version_probe.py).
    neighbour_schemas: tuple[str, ...] = ()


@dataclass(frozen=True)
class InstanceSource:
    """Where a fleet's instance names come from: an inline list, a file, or a catalog query.

    Exactly one of names, file and query is set; query goes with catalog_url."""

    origin: Path  # the config file that declared the fleet
    key: str  # the dotted key of the source, for errors (`fleets.tenants.instances_file`)
    names: tuple[str, ...] | None = None
    file: Path | None = None
    query: str | None = None
    catalog_url: str | None = None


@dataclass(frozen=True)
class FleetConfig:
    """A database entry standing for many instances: `template` with `{name}` filled in."""

    name: str
    # An instance's settings, its url and schema still holding `{name}`; `name` is the fleet's.
    template: DatabaseConfig
    instances: InstanceSource


# Databases migrating at once. Migrating is mostly waiting (commits, the network): eight
# keep two CPUs busy where four leave them idle a third of the time (bench/README.md).
DEFAULT_CONCURRENCY = 8
# Seconds a step under way may still take after SIGTERM or Ctrl-C before its statement is
# cancelled.
DEFAULT_STOP_GRACE = 30.0


@dataclass(frozen=True)
class OrchConfig:
    """A whole project: where it was read from, its services and databases, its defaults."""

    path: Path
    services: dict[str, ServiceConfig]
    databases: dict[str, DatabaseConfig]
    fleets: dict[str, FleetConfig] = field(default_factory=dict)
    concurrency: int = DEFAULT_CONCURRENCY
    audit_log: Path | None = None
    header_cache: Path | None = None
    hooks: HooksReference | None = None
    python_path: tuple[Path, ...] = ()  # where a service's `metadata` modules are imported from
    file_template: str = "%(rev)s_%(slug)s"  # new revision files' names, as in alembic.ini
    truncate_slug_length: int = 40
    stop_grace_seconds: float = DEFAULT_STOP_GRACE
