"""Commands that move databases: upgrade, downgrade, stamp."""

from __future__ import annotations

import gc
import signal
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, TextIO, cast

import typer

from orch_cli import output
from orch_cli.command import OrchCommand
from orch_cli.completion import DB, target_names
from orch_cli.context import load_project, options, start_logging
from orch_cli.errors import EXIT_FAILED, INTERRUPTED, describe, handled, report
from orch_cli.progress_display import Terminal, live_progress, terminal
from orch_cli.run_summary import DIRECTION_WORDS, print_summary, summary_document
from orch_cli.sharding import SHARD, SHARDS, sharded
from orch_core import api

if TYPE_CHECKING:
    from orch_cli.documents import PlansDocument, SqlDocument, StampDocument, StampEntry
    from orch_core.fleet.orchestrator import RunSummary
    from orch_core.project import Project
    from orch_graph.plan import Direction, Plan

ALL_DBS = typer.Option(False, "--all-dbs", help="Every database in the config.")
DRY_RUN = typer.Option(False, "--dry-run", help="Print the plans; touch nothing.")
SQL = typer.Option(False, "--sql", help="Print the SQL instead of running it.")
JSON = typer.Option(
    False, "--json", help="One JSON document: the run's result, the plans or the SQL."
)
KEEP_GOING = typer.Option(
    False, "--keep-going", help="After a failure, run what does not depend on it."
)
X_ARG = typer.Option([], "-x", help="Extra argument for scripts (context.get_x_argument).")
CANARY = typer.Option(
    0, "--canary", min=0, help="Migrate the first N databases first; stop if one fails."
)
WITH_DEPS = typer.Option(
    False,
    "--with-deps",
    help="Also upgrade the databases whose revisions the named ones depend on.",
)
MAX_FAILURES = typer.Option(
    None, "--max-failures", min=1, help="Start no database after K have failed."
)
RESUME = typer.Option(
    False,
    "--resume",
    help="Run the rest of a step an earlier run left half done, skipping the statements "
    "that completed (none half done: run as usual).",
)


@dataclass(frozen=True)
class RunChoices:
    """How a run goes on after a failure, and whether canaries go first."""

    keep_going: bool = False
    canary: int = 0
    max_failures: int | None = None
    with_deps: bool = False
    resume: bool = False


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
    canary: int = CANARY,
    max_failures: int | None = MAX_FAILURES,
    with_deps: bool = WITH_DEPS,
    resume: bool = RESUME,
    x_arg: list[str] = X_ARG,
    shard: str | None = SHARD,
    shards: int | None = SHARDS,
) -> None:
    """Upgrade databases to a target (default: heads)."""
    choices = RunChoices(keep_going, canary, max_failures, with_deps, resume)
    _move(ctx, "up", target, db, all_dbs, dry_run, sql, as_json, choices, x_arg, (shard, shards))


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
    canary: int = CANARY,
    max_failures: int | None = MAX_FAILURES,
    resume: bool = RESUME,
    x_arg: list[str] = X_ARG,
    shard: str | None = SHARD,
    shards: int | None = SHARDS,
) -> None:
    """Downgrade databases to a target."""
    choices = RunChoices(keep_going, canary, max_failures, resume=resume)
    _move(ctx, "down", target, db, all_dbs, dry_run, sql, as_json, choices, x_arg, (shard, shards))


def _move(
    ctx: typer.Context,
    direction: Direction,
    target: str,
    db: list[str],
    all_dbs: bool,
    dry_run: bool,
    sql: bool,
    as_json: bool,
    choices: RunChoices,
    x_arg: list[str],
    shard: tuple[str | None, int | None],
) -> None:
    with handled(as_json):
        project = load_project(ctx)
        selected = sharded(project, project.select(db, all_dbs), direction, target, shard)
        databases = [database.name for database in selected]
        shown_on = terminal()
        _prepare_run(ctx, project, shown_on)
        if sql:
            _print_sql(project, databases, direction, target, x_arg, as_json)
            return
        if dry_run:
            plans = api.plan(project, target, direction=direction, databases=databases)
            _print_plans(plans, as_json)
            return
        summary = _run_with_progress(
            project, databases, direction, target, choices, x_arg, shown_on
        )
    if as_json:
        output.emit_json(summary_document(summary))
    else:
        print_summary(summary, options(ctx).verbosity)
    if summary.stopped_by:
        if not as_json:
            report(INTERRUPTED, as_json=False)
        raise typer.Exit(128 + signal.Signals[summary.stopped_by].value)  # 130, 143
    if not summary.ok:
        error = summary.first_error
        if error is not None and not as_json:
            report(describe(error), as_json=False)
        raise typer.Exit(describe(error).exit_code if error else EXIT_FAILED)


def _prepare_run(ctx: typer.Context, project: Project, shown_on: Terminal | None = None) -> None:
    """Configure logging from the global options, to stderr (above the status line, if
    shown); keep what lives all run from the collector."""
    # A Terminal writes as a text stream does: write and flush are all the logger uses.
    start_logging(ctx, project, cast("TextIO", shown_on) if shown_on is not None else None)
    # Modules, the graph and the config live as long as the run: out of the collector's sight,
    # each garbage collection during a long run walks only what the steps create.
    gc.freeze()


def _print_sql(
    project: Project,
    databases: list[str],
    direction: Direction,
    target: str,
    x_arg: list[str],
    as_json: bool,
) -> None:
    found = api.sql(project, target, direction=direction, databases=databases, x_arguments=x_arg)
    if as_json:
        document: SqlDocument = {
            "databases": {
                each.database: {"url": each.url, "lines": list(each.lines)} for each in found
            }
        }
        output.emit_json(document)
        return
    for each in found:  # one write per database, not one per statement
        output.lines([f"-- orch: database {each.database} ({each.url})", *each.lines, ""])


def _print_plans(plans: dict[str, Plan], as_json: bool) -> None:
    if as_json:
        document: PlansDocument = {
            "databases": {
                name: {
                    "current": list(plan.current),
                    "heads_after": list(plan.heads_after),
                    "steps": [
                        {"revision": s.revision, "direction": DIRECTION_WORDS[s.direction]}
                        for s in plan.steps
                    ],
                }
                for name, plan in plans.items()
            }
        }
        output.emit_json(document)
        return
    for name, plan in plans.items():
        current = ", ".join(plan.current) or "<base>"
        output.line(f"{name}: at {current}, {len(plan.steps)} step(s)")
        for step in plan.steps:
            output.line(f"  {DIRECTION_WORDS[step.direction]} {step.revision}")


def _run_with_progress(
    project: Project,
    databases: list[str],
    direction: Direction,
    target: str,
    choices: RunChoices,
    x_arg: list[str],
    shown_on: Terminal | None,
) -> RunSummary:
    move = partial(api.upgrade, with_deps=choices.with_deps) if direction == "up" else api.downgrade
    with live_progress(len(databases), shown_on) as progress:
        return move(
            project,
            target,
            databases=databases,
            keep_going=choices.keep_going,
            canary=choices.canary,
            max_failures=choices.max_failures,
            x_arguments=x_arg,
            progress=progress,
            resume=choices.resume,
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
    stamped: dict[str, StampEntry] = {}
    with handled(as_json):
        project = load_project(ctx)
        _prepare_run(ctx, project)
        databases = [database.name for database in project.select(db, all_dbs)]
        target = " ".join(revisions)  # the graph's target parser reads several, space-separated
        for name, result in api.stamp(project, target, databases=databases, purge=purge).items():
            stamped[name] = {"before": list(result.before), "after": list(result.after)}
            if not as_json:
                output.line(f"{name}: stamped {', '.join(result.after) or '<base>'}")
    if as_json:
        document: StampDocument = {"databases": stamped}
        output.emit_json(document)


def register(app: typer.Typer) -> None:
    """Add these commands to the app."""
    # `orch downgrade -1`, as people type it with Alembic: a relative target is not an option.
    relative_targets = {"ignore_unknown_options": True}
    app.command(cls=OrchCommand, context_settings=relative_targets)(upgrade)
    app.command(cls=OrchCommand, context_settings=relative_targets)(downgrade)
    app.command(cls=OrchCommand, context_settings=relative_targets)(stamp)
