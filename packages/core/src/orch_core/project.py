"""A project as commands see it: its configuration and its revision graph, each read once.

Nothing here imports SQLAlchemy, so commands that only read the graph stay fast.
"""

from __future__ import annotations

import gc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from orch_core.config import DatabaseConfig, OrchConfig
from orch_core.config.fleets import SEPARATOR, instances
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
    # Each fleet's instances, read (from a file or a catalog) when a command first selects it.
    _fleets: dict[str, dict[str, DatabaseConfig]] = field(
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
        """Return a database's or a fleet instance's configuration; an unknown name is an
        error listing the known."""
        found = self.config.databases.get(name)
        fleet_name = name.partition(SEPARATOR)[0]
        if found is None and fleet_name in self.config.fleets:
            found = self.fleet(fleet_name).get(name)
        if found is None:
            raise ConfigError(
                f"unknown database {name!r} ({self._known()})", self.config.path, "--db"
            )
        return found

    def fleet(self, name: str) -> dict[str, DatabaseConfig]:
        """Return a fleet's instances by name, read on first use."""
        found = self._fleets.get(name)
        if found is None:
            found = self._fleets[name] = instances(self.config.fleets[name])
        return found

    def select(self, names: Sequence[str], all_databases: bool) -> list[DatabaseConfig]:
        """Return the databases a command addresses: the named ones, or all of them.

        A name is a database, a fleet (all its instances), an instance (`tenants:acme`) or a
        glob over them (`tenants:acme*`, fnmatch's rules)."""
        if all_databases or not names:
            if not all_databases and (len(self.config.databases) > 1 or self.config.fleets):
                raise ConfigError(
                    "several databases are configured: name them with --db or use --all-dbs",
                    self.config.path,
                    "--db",
                )
            everything = list(self.config.databases.values())
            return everything + [d for f in self.config.fleets for d in self.fleet(f).values()]
        chosen: dict[str, DatabaseConfig] = {}
        for name in names:
            chosen.update((d.name, d) for d in self._matching(name))
        return list(chosen.values())

    def _matching(self, name: str) -> list[DatabaseConfig]:
        """Return the databases one --db value names; a glob that matches none is an error.

        A glob without `:` matches databases and fleets (a whole fleet); with one, the instances
        of the fleets its first part matches."""
        if name in self.config.fleets:
            return list(self.fleet(name).values())
        if not any(char in name for char in "*?["):
            return [self.database(name)]
        found = [d for d in self.config.databases.values() if fnmatchcase(d.name, name)]
        fleet_part, separator, _ = name.partition(SEPARATOR)
        for fleet in self.config.fleets:
            if fnmatchcase(fleet, name):
                found += self.fleet(fleet).values()
            elif separator and fnmatchcase(fleet, fleet_part):
                found += [d for d in self.fleet(fleet).values() if fnmatchcase(d.name, name)]
        if not found:
            raise ConfigError(
                f"no database matches {name!r} ({self._known()})", self.config.path, "--db"
            )
        return found

    def _known(self) -> str:
        """Return the configured databases and fleets, for an error."""
        names = sorted(self.config.databases) + [
            f"{f}{SEPARATOR}*" for f in sorted(self.config.fleets)
        ]
        return f"databases defined: {', '.join(names) or 'none'}"

    def view(self, database: DatabaseConfig) -> DatabaseView:
        """Return the part of the graph that this database migrates (its plans live there)."""
        key = tuple(sorted(database.services))
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = DatabaseView.build(self.graph, key)
        return view
