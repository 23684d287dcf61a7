"""The hooks module: what a project's env.py did, as optional functions orch calls.

`[orch] hooks = "myproject.migration_hooks"` (a module) or `hooks = "migrations/hooks.py"` (a
file, relative to the config) names the project's module; `[services.NAME] hooks = ...` a
service's, whose functions win over the project's for that service's revisions. Every function
is optional; docs/configuration.md lists them with their signatures:

- `target_metadata() -> MetaData | Sequence[MetaData]`: the models autogenerate compares.
- `include_object(object, name, type_, reflected, compare_to) -> bool`,
  `include_name(name, type_, parent_names) -> bool`,
  `process_revision_directives(context, revision, directives) -> None`: as in Alembic.
- `on_version_apply(ctx, step, heads, run_args) -> None`: after each step's version rows
  moved, inside its transaction, with Alembic's arguments (`step` is a `VersionStep`).
- `connect_args(database) -> Mapping[str, object]`: extra arguments for the driver's connect.
- `password(database) -> str`: called at each new connection (an IAM token, a vault lookup).
- `on_connect(database, dbapi_connection) -> None`: set up each new driver connection
  (`SET search_path`, a tenant's schema, session settings).
- `before_step(connection, step)`, `after_step(connection, step)`: around each step, inside
  its transaction (`step` is a `VersionStep`).

Engine and connection functions belong to the project's module: a database's connections are
shared by its services, so a service's module may not define them.

Loading imports the module; nothing reads it until a command needs a function from it.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from orch_core.config.model import HooksReference, HooksSource, OrchConfig
from orch_core.config.python_path import add_python_path
from orch_core.errors import ConfigError

if TYPE_CHECKING:
    from sqlalchemy import Connection

# The functions a hooks module may define; per database (connections), the rest per service.
CONNECTION_HOOKS = ("connect_args", "password", "on_connect")
SERVICE_HOOKS = (
    "target_metadata",
    "include_object",
    "include_name",
    "process_revision_directives",
    "on_version_apply",
    "before_step",
    "after_step",
)


@dataclass(frozen=True)
class VersionStep:
    """One step as hooks see it, with the attributes of Alembic's `MigrationInfo`."""

    database: str
    revision: str
    direction: str  # "up", "down" or "stamp"
    up_revision_ids: tuple[str, ...]
    down_revision_ids: tuple[str, ...]

    @property
    def is_upgrade(self) -> bool:
        """Return whether the step moves towards the heads (a stamp counts as one)."""
        return self.direction != "down"

    @property
    def is_stamp(self) -> bool:
        """Return whether the step only rewrote the version rows."""
        return self.direction == "stamp"

    @property
    def is_migration(self) -> bool:
        """Return whether the step ran a script."""
        return not self.is_stamp

    @property
    def up_revision_id(self) -> str | None:
        """Return the revision at the upper end of the step (the only one, if one)."""
        return self.up_revision_ids[0] if len(self.up_revision_ids) == 1 else None

    @property
    def source_revision_ids(self) -> tuple[str, ...]:
        """Return the revisions the step moved from."""
        return self.down_revision_ids if self.is_upgrade else self.up_revision_ids

    @property
    def destination_revision_ids(self) -> tuple[str, ...]:
        """Return the revisions the step moved to."""
        return self.up_revision_ids if self.is_upgrade else self.down_revision_ids


Hook = Callable[..., Any]


@dataclass(frozen=True)
class Hooks:
    """The functions one hooks module defines; None for each it does not."""

    source: str = ""
    target_metadata: Callable[[], Any] | None = None  # MetaData or a sequence of them
    include_object: Callable[[Any, str | None, str, bool, Any], bool] | None = None
    include_name: Callable[[str | None, str, Mapping[str, str | None]], bool] | None = None
    process_revision_directives: Callable[[Any, Any, list[Any]], None] | None = None
    on_version_apply: Callable[..., None] | None = None  # called with Alembic's keywords
    before_step: Callable[[Connection, VersionStep], None] | None = None
    after_step: Callable[[Connection, VersionStep], None] | None = None
    connect_args: Callable[[str], Mapping[str, object]] | None = None
    password: Callable[[str], str] | None = None
    on_connect: Callable[[str, Any], None] | None = None

    def over(self, fallback: Hooks) -> Hooks:
        """Return these hooks with fallback's functions where these define none."""
        chosen = {
            f.name: getattr(self, f.name) or getattr(fallback, f.name)
            for f in fields(self)
            if f.name != "source"
        }
        return replace(self, **chosen)


NO_HOOKS = Hooks()


@dataclass(frozen=True)
class DatabaseHooks:
    """The hooks one database's runs call: its connections' and each service's."""

    project: Hooks = NO_HOOKS
    services: tuple[tuple[str, Hooks], ...] = ()

    def for_service(self, service: str | None) -> Hooks:
        """Return the hooks for a revision of this service (the project's where it has none)."""
        own = dict(self.services).get(service or "")
        return self.project if own is None else own.over(self.project)


def load_database_hooks(source: HooksSource | None) -> DatabaseHooks:
    """Import the hooks modules a database names (project's, services') and type them."""
    if source is None:
        return DatabaseHooks()
    project = load_hooks(source.project) if source.project else NO_HOOKS
    services = []
    for name, reference in source.services:
        hooks = load_hooks(reference)
        for hook in CONNECTION_HOOKS:
            if getattr(hooks, hook) is not None:
                raise ConfigError(
                    f"{hooks.source} defines {hook}(), which only the project's hooks module "
                    "([orch] hooks) may define: a database's connections serve all its services",
                    reference.origin,
                    reference.key,
                )
        services.append((name, hooks))
    return DatabaseHooks(project, tuple(services))


def load_service_hooks(config: OrchConfig, service: str) -> Hooks:
    """Return a service's hooks (target_metadata, include_object, ...) over the project's.

    For autogenerate and check, which work per service rather than per database."""
    own = config.services[service].hooks
    project = load_hooks(config.hooks) if config.hooks else NO_HOOKS
    return load_hooks(own).over(project) if own else project


def load_hooks(reference: HooksReference) -> Hooks:
    """Import the module a `hooks` key names and return the hook functions it defines."""
    module = _import(reference)
    found: dict[str, Hook] = {}
    for name in (*SERVICE_HOOKS, *CONNECTION_HOOKS):
        value = getattr(module, name, None)
        if value is None:
            continue
        if not callable(value):
            raise ConfigError(
                f"{name} in {reference.target} must be a function, not {type(value).__name__}",
                reference.origin,
                reference.key,
            )
        found[name] = value
    return Hooks(source=reference.target, **found)


def _import(reference: HooksReference) -> ModuleType:
    """Import the hooks module by name, or from its file; any failure names the key."""
    path = _file(reference)
    add_python_path(reference.python_path)
    try:
        if path is None:
            with _config_folder_on_path(reference.origin.parent):
                return importlib.import_module(reference.target)
        return _import_file(path)
    except ModuleNotFoundError as exc:
        if path is None and exc.name and reference.target.startswith(exc.name):
            reason = f"no module named {reference.target!r} (nor a file of that name)"
            raise ConfigError(reason, reference.origin, reference.key) from exc
        raise _failed(reference, exc) from exc
    except Exception as exc:
        raise _failed(reference, exc) from exc


def _failed(reference: HooksReference, exc: Exception) -> ConfigError:
    return ConfigError(
        f"importing the hooks module {reference.target} failed: {type(exc).__name__}: {exc}",
        reference.origin,
        reference.key,
    )


def _file(reference: HooksReference) -> Path | None:
    """Return the hooks file a key names, or None when it names a module."""
    target = reference.target
    if not target.endswith(".py") and "/" not in target:
        return None
    path = (reference.origin.parent / target).resolve()
    if not path.is_file():
        raise ConfigError(f"hooks file {path} does not exist", reference.origin, reference.key)
    return path


def _import_file(path: Path) -> ModuleType:
    """Import a hooks file once per process, under a name made from its path."""
    name = "orch_hooks_" + hashlib.sha256(str(path).encode()).hexdigest()[:16]
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None  # a .py file always has both
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


@contextmanager
def _config_folder_on_path(folder: Path) -> Iterator[None]:
    """Let a module next to the config be imported by name, as Alembic's prepend_sys_path."""
    entry = str(folder)
    added = entry not in sys.path
    if added:
        sys.path.insert(0, entry)
    try:
        yield
    finally:
        if added:
            sys.path.remove(entry)
