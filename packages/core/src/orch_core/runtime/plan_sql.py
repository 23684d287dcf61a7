"""`--sql`: the SQL a database's plan would run, written instead of run, version rows included.

Each script runs against an offline context that writes what its operations render; nothing
connects to the database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import sqlalchemy as sa

from orch_core.errors import MigrationFailed, OrchError
from orch_core.runtime.context import MigrationContext
from orch_core.runtime.engines import checked_url
from orch_graph.plan import Plan, Step

if TYPE_CHECKING:
    from orch_core.runtime.runner import DatabaseRunner


def render_plan_sql(runner: DatabaseRunner, plan: Plan, write: Callable[[str], None]) -> None:
    """Write the SQL that applying plan to the runner's database would run."""
    scripts = runner.compile_all(plan)
    name = checked_url(runner.config).get_backend_name()
    context = MigrationContext.offline(name, write)
    recorder = runner.recorder
    version_sql = recorder.version_sql(context.sa_dialect, context.dialect.statement_terminator)
    if not plan.current:
        context.emit(sa.schema.CreateTable(recorder.version))
    for step, script in zip(plan.steps, scripts, strict=True):
        service = runner.planner.get(step.revision).service
        step_context = context.for_revision(step.revision, runner.target_metadata(service))
        write(f"\n-- {'Running' if step.direction == 'up' else 'Reverting'} {step.revision}")
        module = runner.loader.load(script, step_context, runner.x_arguments)
        with step_context.transaction(module.transactional):
            _render_step(runner.config.name, module.function(step.direction), step)
            for text in version_sql.statements(step.deletes, step.inserts, step.updates):
                write(text)


def _render_step(database: str, function: Callable[[], object], step: Step) -> None:
    """Run a step's function offline; a script that fails there is the step's failure."""
    try:
        function()
    except OrchError:
        raise
    except Exception as exc:
        # e.g. a script reading op.get_bind()'s engine: --sql connects to no database.
        reason = f"while writing its SQL (no database is connected): {type(exc).__name__}: {exc}"
        raise MigrationFailed(database, step.revision, step.direction, reason) from exc
