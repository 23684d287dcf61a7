"""Load a project for the API: its configuration, env overlay and overrides, and its graph."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from orch_core.config import DatabaseConfig, OrchConfig
from orch_core.errors import ConfigError
from orch_core.project import Project


@dataclass(frozen=True)
class Overrides:
    """What a script changes in the loaded configuration: databases' URLs, the concurrency."""

    urls: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    concurrency: int | None = None


def load(
    config_path: Path | str | None = None,
    *,
    env: str | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Overrides | None = None,
    need_urls: bool = True,
) -> Project:
    """Read a project's configuration (found from the working directory if no path) and graph.

    env names the overlay (envs/<env>.toml), as `--env` does; environ replaces os.environ for
    `${VAR}` interpolation. need_urls=False lets a url whose variable is not set stay as
    written (for graph-only work, or when overrides give every database's url)."""
    path = Path(config_path) if config_path is not None else None
    project = Project.load(path, env=env, environ=environ, need_urls=need_urls)
    if overrides is None:
        return project
    return Project(_overridden(project, overrides), project.graph)


def _overridden(project: Project, overrides: Overrides) -> OrchConfig:
    """Return the project's configuration with the overrides applied; unknown names refused."""
    config = project.config
    databases = dict(config.databases)
    for name, url in overrides.urls.items():
        databases[name] = replace(project.database(name), url=url)
    concurrency = config.concurrency
    if overrides.concurrency is not None:
        if overrides.concurrency < 1:
            raise ConfigError(
                f"must be at least 1, not {overrides.concurrency}", config.path, "concurrency"
            )
        concurrency = overrides.concurrency
    return replace(config, databases=databases, concurrency=concurrency)


def databases_named(project: Project, names: Sequence[str] | None) -> list[DatabaseConfig]:
    """Return the named databases in the order given, or every database for None.

    An unknown name is a ConfigError listing the databases defined."""
    if names is None:
        return project.select([], True)  # every database and every fleet instance
    return [project.database(name) for name in names]
