"""Call a project's hooks (config/hooks.py) where a run reaches them: connections and steps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from orch_core.config.hooks import Hooks, VersionStep
from orch_core.errors import ConfigError
from orch_core.runtime.context import MigrationContext
from orch_graph.plan import Step
from orch_graph.revision import Revision


def attach_connection_hooks(engine: sa.Engine, hooks: Hooks, database: str) -> None:
    """Have each new driver connection take the hooks' arguments, password and set-up."""
    if hooks.connect_args is not None or hooks.password is not None:

        @sa.event.listens_for(engine, "do_connect")
        def _arguments(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
            # At each connection, not once: a token fetched now is valid now.
            if hooks.connect_args is not None:
                cparams.update(_connect_arguments(hooks.connect_args(database), hooks.source))
            if hooks.password is not None:
                cparams["password"] = hooks.password(database)

    on_connect = hooks.on_connect
    if on_connect is not None:

        @sa.event.listens_for(engine, "connect")
        def _set_up(dbapi_connection: Any, _record: Any) -> None:
            on_connect(database, dbapi_connection)


def _connect_arguments(arguments: object, source: str) -> Mapping[str, object]:
    if not isinstance(arguments, Mapping):
        kind = type(arguments).__name__
        reason = f"connect_args() in {source} must return a mapping, not {kind}"
        raise ConfigError(reason, None, "hooks")
    return arguments


def version_step(database: str, step: Step, revision: Revision) -> VersionStep:
    """Return a step as hooks see it: the revision and the ones below it."""
    return VersionStep(
        database, step.revision, step.direction, (step.revision,), revision.down_revisions
    )


def before_step(hooks: Hooks, connection: sa.Connection, step: VersionStep) -> None:
    """Call the hooks' before_step, if they define one."""
    if hooks.before_step is not None:
        hooks.before_step(connection, step)


def version_applied(
    hooks: Hooks, context: MigrationContext, step: VersionStep, heads: tuple[str, ...] | None
) -> None:
    """Call on_version_apply with Alembic's keywords, if the hooks define it."""
    if hooks.on_version_apply is not None:
        hooks.on_version_apply(ctx=context, step=step, heads=set(heads or ()), run_args={})


def after_step(hooks: Hooks, connection: sa.Connection, step: VersionStep) -> None:
    """Call the hooks' after_step, if they define one."""
    if hooks.after_step is not None:
        hooks.after_step(connection, step)
