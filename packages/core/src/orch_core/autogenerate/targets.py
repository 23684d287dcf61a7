"""What one database is compared with: its services' models and their settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from orch_core.autogenerate.options import NO_FILTERS, CompareOptions, Filters
from orch_core.config import DatabaseConfig, OrchConfig
from orch_core.config.autogenerate import AutogenerateConfig
from orch_core.config.hooks import Hooks, load_service_hooks
from orch_core.config.models import load_service_metadata


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
    config: OrchConfig, database: DatabaseConfig, filters: Filters | None = None
) -> ComparisonTarget:
    """Return the models of the database's services and the options to compare them with.

    A service's models come from its `metadata` key, or else from its hooks module's
    target_metadata(); the filters, unless given, from the hooks modules' include_object,
    include_name and process_revision_directives (as env.py passes them to Alembic). The
    settings are those of the first service with models; tables excluded by any of them are
    left out."""
    services = [config.services[name] for name in database.services]
    hooks = {service.name: load_service_hooks(config, service.name) for service in services}
    models = {
        service.name: _service_models(config, service.name, hooks[service.name])
        for service in services
    }
    with_models = [service for service in services if models[service.name]]
    settings = with_models[0].autogenerate if with_models else AutogenerateConfig()
    metadata = tuple(m for service in with_models for m in models[service.name])
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
        filters=filters if filters is not None else _hook_filters(list(hooks.values())),
    )
    return ComparisonTarget(metadata, settings, options)


def _service_models(config: OrchConfig, service: str, hooks: Hooks) -> tuple[sa.MetaData, ...]:
    """Return a service's models: its `metadata` key's, or its hooks' target_metadata()."""
    if config.services[service].autogenerate.metadata:
        return load_service_metadata(config, service)
    if hooks.target_metadata is None:
        return ()
    found = hooks.target_metadata()
    return (found,) if isinstance(found, sa.MetaData) else tuple(found or ())


def _hook_filters(hooks: list[Hooks]) -> Filters:
    """Return the filters the hooks modules define; several must all let an object through."""
    objects = [h.include_object for h in hooks if h.include_object is not None]
    names = [h.include_name for h in hooks if h.include_name is not None]
    directives = [h.process_revision_directives for h in hooks if h.process_revision_directives]
    if not (objects or names or directives):
        return NO_FILTERS

    def include_object(item: Any, name: str | None, type_: str, reflected: bool, to: Any) -> bool:
        return all(hook(item, name, type_, reflected, to) for hook in dict.fromkeys(objects))

    def include_name(name: str | None, type_: str, parents: Mapping[str, str | None]) -> bool:
        return all(hook(name, type_, parents) for hook in dict.fromkeys(names))

    def process(context: Any, revision: Any, found: list[Any]) -> None:
        for hook in dict.fromkeys(directives):
            hook(context, revision, found)

    return Filters(
        include_object if objects else None,
        include_name if names else None,
        process if directives else None,
    )
