"""What one database is compared with: its services' models and their settings."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from orch_core.autogenerate.options import NO_FILTERS, CompareOptions, Filters
from orch_core.autogenerate.target_metadata import load_service_metadata
from orch_core.config import DatabaseConfig, OrchConfig
from orch_core.config.autogenerate import AutogenerateConfig


@dataclass(frozen=True)
class ComparisonTarget:
    """A database's models (every service's that names them) and how to compare them."""

    metadata: tuple[sa.MetaData, ...]
    settings: AutogenerateConfig
    options: CompareOptions

    @property
    def has_models(self) -> bool:
        """Return whether any of the database's services names its models."""
        return bool(self.metadata)


def comparison_target(
    config: OrchConfig, database: DatabaseConfig, filters: Filters = NO_FILTERS
) -> ComparisonTarget:
    """Return the models of the database's services and the options to compare them with.

    The settings are those of the first of its services that names metadata; tables excluded
    by any of them are left out."""
    services = [config.services[name] for name in database.services]
    with_models = [service for service in services if service.autogenerate.metadata]
    settings = with_models[0].autogenerate if with_models else AutogenerateConfig()
    metadata = tuple(
        m for service in with_models for m in load_service_metadata(config, service.name)
    )
    excluded = frozenset(t for service in services for t in service.autogenerate.exclude_tables)
    own = {(database.version_table_schema, database.version_table)}
    if database.history_table:
        own.add((database.version_table_schema, database.history_table))
    options = CompareOptions(
        compare_type=settings.compare_type,
        compare_server_default=settings.compare_server_default,
        include_schemas=settings.include_schemas,
        exclude_tables=excluded,
        own_tables=frozenset(own),
        filters=filters,
    )
    return ComparisonTarget(metadata, settings, options)
