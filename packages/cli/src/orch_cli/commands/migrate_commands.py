"""Commands that move databases: upgrade, downgrade, stamp."""

from __future__ import annotations

import gc
import signal
from collections import Counter
from typing import TYPE_CHECKING

import typer

from orch_cli import output
from orch_cli.completion import DB, target_names
from orch_cli.context import load_project, options
from orch_cli.errors import EXIT_FAILED, INTERRUPTED, describe, handled, report

if TYPE_CHECKING:
    from orch_core.config import DatabaseConfig
    from orch_core.fleet.orchestrator import Orchestrator, RunSummary
    from orch_core.project import Project
    from orch_graph.plan import Direction, Plan

ALL_DBS = typer.Option(False, "--all-dbs", help="Every database in the config.")
DRY_RUN = typer.Option(False, "--dry-run", help="Print the plans; touch nothing.")
SQL = typer.Option(False, "--sql", help="Print the SQL instead of running it.")
JSON = typer.Option(False, "--json", help="One JSON document: the plans, or the run's result.")
KEEP_GOING = typer.Option(
    False, "--keep-going", help="After a failure, run what does not depend on it."
)
X_ARG = typer.Option([], "-x", help="Extra argument for scripts (context.get_x_argument).")


def upgrade(
    ctx: typer.Context,
    target: str = typer.Argument(
        "heads",
        help="Where to go: heads, users@head, a revision, +1.",
        autocompletion=target_names,
    ),
    db: list[str] = DB,
    all_dbs: bool = ALL_DBS,
    dry_run: bool = DRY_RUN,
    sql: bool = SQL,
    as_json: bool = JSON,
    keep_going: bool = KEEP_GOING,
    x_arg: list[str] = X_ARG,
) -> None:
    """Upgrade databases to a target (default: heads)."""
    _move(ctx, "up", target, db, all_dbs, dry_run, sql, as_json, keep_going, x_arg)


def downgrade(
    ctx: typer.Context,
    target: str = typer.Argument(
        ..., help="Where to go: base, a revision, users@-1, -1.", autocompletion=target_names
    ),
    db: list[str] = DB,
    all_dbs: bool = ALL_DBS,
    dry_run: bool = DRY_RUN,
    sql: bool = SQL,
    as_json: bool = JSON,
    keep_going: bool = KEEP_GOING,
    x_arg: list[str] = X_ARG,
) -> None:
    """Downgrade databases to a target."""
    _move(ctx, "down", target, db, all_dbs, dry_run, sql, as_json, keep_going, x_arg)


def _move(
    ctx: typer.Context,
    direction: Direction,
    target: str,
    db: list[str],
    all_dbs: bool,
    dry_run: bool,
    sql: bool,
    as_json: bool,
    keep_going: bool,
    x_arg: list[str],
) -> None:
    with handled(as_json):
        project = load_project(ctx)
        databases = project.select(db, all_dbs)
        orchestrator = _orchestrator(ctx, project, x_arg)
        if sql:
            _print_sql(orchestrator, databases, direction, target)
            return
        if dry_run:
            _print_plans(orchestrator.plan(databases, direction, target), as_json)
            return
        summary = _run_with_progress(orchestrator, databases, direction, target, keep_going)
    if as_json:
        output.emit_json(_summary_document(summary))
    else:
        _print_summary(summary)
    if summary.stopped_by:
        if not as_json:
            report(INTERRUPTED, as_json=False)
        raise typer.Exit(128 + signal.Signals[summary.stopped_by].value)  # 130, 143
    if not summary.ok:
        error = summary.first_error
        if error is not None and not as_json:
            report(describe(error), as_json=False)
        raise typer.Exit(describe(error).exit_code if error else EXIT_FAILED)


def _orchestrator(ctx: typer.Context, project: Project, x_arg: list[str]) -> Orchestrator:
    from orch_core.audit.trail import configure_logging
    from orch_core.fleet.orchestrator import Orchestrator

    given = options(ctx)
    configure_logging(given.log_format, given.verbosity, project.config.audit_log)
    # Modules, the graph and the config live as long as the run: out of the collector's sight,
    # each garbage collection during a long run walks only what the steps create.
    gc.freeze()
    return Orchestrator(project, x_arguments=x_arg)


def _print_sql(
    orchestrator: Orchestrator, databases: list[DatabaseConfig], direction: Direction, target: str
) -> None:
    from orch_graph.errors import BadTarget
    from orch_graph.target import parse_range
    from orch_graph.targets import resolve

    # FROM:TO as Alembic reads it: FROM revisions, partial ids, labels, `heads` (`base` none).
    span = parse_range(target) if ":" in target else None
    if span is not None and span.upper is None:
        raise BadTarget(target, "--sql FROM:TO needs where to go (TO)")
    end = target if span is None or span.upper is None else span.upper.text
    for name, local in orchestrator.targets(databases, end, direction).items():
        config = orchestrator.project.config.databases[name]
        runner = orchestrator.runner(config)
        view = orchestrator.project.view(config)
        current = None if span is None else resolve(view, span.lower, ())
        plan = runner.plan(direction, local, current)
        lines = [f"-- orch: database {name} ({runner.url})"]
        runner.render_sql(plan, lines.append)
        output.lines([*lines, ""])  # one write per database, not one per statement
        runner.dispose()


# A step's direction as --dry-run prints it (and DESIGN.md fixes for its JSON).
_DIRECTION_WORDS = {"up": "upgrade", "down": "downgrade"}


def _print_plans(plans: dict[str, Plan], as_json: bool) -> None:
    if as_json:
        document = {
            name: {
                "current": list(plan.current),
                "heads_after": list(plan.heads_after),
                "steps": [
                    {"revision": s.revision, "direction": _DIRECTION_WORDS[s.direction]}
                    for s in plan.steps
                ],
            }
            for name, plan in plans.items()
        }
        output.emit_json({"databases": document})
        return
    for name, plan in plans.items():
        current = ", ".join(plan.current) or "<base>"
        output.line(f"{name}: at {current}, {len(plan.steps)} step(s)")
        for step in plan.steps:
            output.line(f"  {_DIRECTION_WORDS[step.direction]} {step.revision}")


def _run_with_progress(
    orchestrator: Orchestrator,
    databases: list[DatabaseConfig],
    direction: Direction,
    target: str,
    keep_going: bool,
) -> RunSummary:
    from orch_cli.progress_display import live_progress

    with live_progress(len(databases)) as progress:
        return orchestrator.run(
            databases, direction, target, keep_going=keep_going, progress=progress
        )


def _summary_document(summary: RunSummary) -> dict[str, object]:
    """Return a run as DESIGN.md's JSON: each database's outcome, rows, steps and error."""
    databases: dict[str, object] = {}
    for name, outcome in summary.databases.items():
        error = None
        if outcome.error is not None:
            described = describe(outcome.error)
            error = {"code": described.code, "message": described.message, "hint": described.hint}
        databases[name] = {
            "outcome": outcome.outcome.value,
            "before": list(outcome.before),
            "after": list(outcome.after),
            "steps": [
                {
                    "revision": step.revision,
                    "direction": _DIRECTION_WORDS[step.direction],
                    "outcome": step.outcome,
                    "duration_ms": step.duration_ms,
                }
                for step in outcome.steps
            ],
            "duration_ms": outcome.duration_ms,
            "error": error,
            "note": outcome.reason,
        }
    counts = Counter(outcome.outcome.value for outcome in summary.databases.values())
    return {
        "run_id": summary.run_id,
        "direction": f"{summary.direction}grade",
        "target": summary.target,
        "stopped_by": summary.stopped_by,
        "counts": dict(sorted(counts.items())),
        "databases": databases,
    }


def _print_summary(summary: RunSummary) -> None:
    rows = []
    for name, outcome in summary.databases.items():
        heads = ", ".join(outcome.after) or "<base>"
        note = outcome.reason or (str(outcome.error).splitlines()[0] if outcome.error else "")
        rows.append(
            (
                name,
                outcome.outcome.value,
                len(outcome.steps),
                heads,
                f"{outcome.duration_ms} ms",
                note,
            )
        )
    if not rows:
        output.line("no database is concerned by this target")
        return
    output.table(
        f"orch {summary.direction}grade {summary.target} (run {summary.run_id})",
        ("database", "outcome", "steps", "now at", "time", "note"),
        rows,
    )


def stamp(
    ctx: typer.Context,
    revisions: list[str] = typer.Argument(
        ...,
        help="The revisions to record (several: each in the database that carries it), or base.",
        autocompletion=target_names,
        metavar="REVISION...",
    ),
    db: list[str] = DB,
    all_dbs: bool = ALL_DBS,
    purge: bool = typer.Option(False, "--purge", help="Ignore the version rows that are there."),
    as_json: bool = typer.Option(False, "--json", help="One JSON document: rows before, after."),
) -> None:
    """Record revisions in the version table without running any script."""
    stamped: dict[str, object] = {}
    with handled(as_json):
        project = load_project(ctx)
        orchestrator = _orchestrator(ctx, project, [])
        databases = project.select(db, all_dbs)
        target = " ".join(revisions)  # the graph's target parser reads several, space-separated
        for name, local in orchestrator.targets(databases, target, "stamp").items():
            runner = orchestrator.runner(project.config.databases[name])
            try:
                result = runner.stamp(local, purge=purge)
            finally:
                runner.dispose()
            stamped[name] = {"before": list(result.before), "after": list(result.after)}
            if not as_json:
                output.line(f"{name}: stamped {', '.join(result.after) or '<base>'}")
    if as_json:
        output.emit_json({"databases": stamped})


def register(app: typer.Typer) -> None:
    """Add these commands to the app."""
    # `orch downgrade -1`, as people type it with Alembic: a relative target is not an option.
    relative_targets = {"ignore_unknown_options": True}
    app.command(context_settings=relative_targets)(upgrade)
    app.command(context_settings=relative_targets)(downgrade)
    app.command(context_settings=relative_targets)(stamp)
