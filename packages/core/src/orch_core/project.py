"""A project as commands see it: its configuration and its revision graph, each read once.

Nothing here imports SQLAlchemy, so commands that only read the graph stay fast.
"""

from __future__ import annotations

import gc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from orch_core.config import DatabaseConfig, OrchConfig
from orch_core.config.loader import load_config
from orch_core.errors import ConfigError
from orch_graph.graph import RevisionGraph
from orch_graph.scanner import scan_revisions
from orch_graph.view import DatabaseView


@dataclass(frozen=True)
class Project:
    """The configuration and the whole revision graph of one repository."""

    config: OrchConfig
    graph: RevisionGraph
    # Each database's view, built on first use and shared by databases with the same services.
    _views: dict[tuple[str, ...], DatabaseView] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def load(
        cls,
        config_path: Path | None = None,
        *,
        env: str | None = None,
        environ: Mapping[str, str] | None = None,
        need_urls: bool = True,
    ) -> Project:
        """Read the configuration and scan every service's scripts (header cache on disk).

        need_urls=False: a url whose variable is not set is no error (the command never
        connects)."""
        config = load_config(config_path, env=env, environ=environ, need_urls=need_urls)
        folders = {name: service.scripts for name, service in config.services.items()}
        # Tens of thousands of small immutable objects and no reference cycles: the cyclic
        # collector would only walk them again and again (a tenth of a warm `heads`).
        collecting = gc.isenabled()
        gc.disable()
        try:
            revisions = scan_revisions(folders, config.header_cache)
            graph = RevisionGraph(revisions)
        finally:
            if collecting:
                gc.enable()
        return cls(config, graph)

    def database(self, name: str) -> DatabaseConfig:
        """Return a database's configuration; an unknown name is an error listing the known."""
        try:
            return self.config.databases[name]
        except KeyError:
            known = ", ".join(sorted(self.config.databases)) or "none"
            raise ConfigError(
                f"unknown database {name!r} (databases defined: {known})", self.config.path, "--db"
            ) from None

    def select(self, names: Sequence[str], all_databases: bool) -> list[DatabaseConfig]:
        """Return the databases a command addresses: the named ones, or all of them."""
        if all_databases or not names:
            if not all_databases and len(self.config.databases) > 1:
                raise ConfigError(
                    "several databases are configured: name them with --db or use --all-dbs",
                    self.config.path,
                    "--db",
                )
            return list(self.config.databases.values())
        return [self.database(name) for name in names]

    def view(self, database: DatabaseConfig) -> DatabaseView:
        """Return the part of the graph that this database migrates (its plans live there)."""
        key = tuple(sorted(database.services))
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = DatabaseView.build(self.graph, key)
        return view
