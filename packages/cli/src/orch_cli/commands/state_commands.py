"""Commands that read databases: current, status, verify, check."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from orch_cli import output
from orch_cli.completion import DB
from orch_cli.context import load_project
from orch_cli.errors import EXIT_FAILED, handled

if TYPE_CHECKING:
    from orch_core.runtime.state import DatabaseState

ALL_DBS = typer.Option(False, "--all-dbs", help="Every database in the config.")
JSON = typer.Option(False, "--json", help="Print one JSON document.")


def _states(ctx: typer.Context, db: list[str], all_dbs: bool) -> list[DatabaseState]:
    from orch_core.runtime.state import read_states

    project = load_project(ctx)
    return read_states(project, project.select(db, all_dbs or not db))


def _json(states: list[DatabaseState]) -> dict[str, Any]:
    """Return the `--json` document of current and status."""
    return {
        "databases": {
            s.database: {
                "current": list(s.current),
                "heads": list(s.heads),
                "pending": list(s.pending),
                "url": s.url,
                "blocked": str(s.blocked) if s.blocked else None,
            }
            for s in states
        }
    }


def current(
    ctx: typer.Context, db: list[str] = DB, all_dbs: bool = ALL_DBS, as_json: bool = JSON
) -> None:
    """Show the revisions each database is at."""
    with handled(as_json):
        states = _states(ctx, db, all_dbs)
        if as_json:
            output.emit_json(_json(states))
            return
        for state in states:
            at = ", ".join(state.current) or "<base>"
            head = " (head)" if state.at_heads else ""
            output.line(f"{state.database}: {at}{head}")


def status(
    ctx: typer.Context, db: list[str] = DB, all_dbs: bool = ALL_DBS, as_json: bool = JSON
) -> None:
    """Show, per database, where it is, where it is going and what is pending."""
    with handled(as_json):
        states = _states(ctx, db, all_dbs)
        if as_json:
            output.emit_json(_json(states))
            return
        rows = [
            (
                s.database,
                ", ".join(s.current) or "<base>",
                ", ".join(s.heads) or "<base>",
                len(s.pending),
                s.url,
                str(s.blocked) if s.blocked else "",
            )
            for s in states
        ]
        columns = ("database", "current", "heads", "pending", "url", "note")
        output.table("orch status", columns, rows)


def verify(
    ctx: typer.Context, db: list[str] = DB, all_dbs: bool = ALL_DBS, as_json: bool = JSON
) -> None:
    """List applied revisions whose script changed, vanished, or is unknown to the graph."""
    from orch_core.fleet.orchestrator import Orchestrator
    from orch_core.runtime.runner import verify_scripts

    with handled(as_json):
        project = load_project(ctx)
        orchestrator = Orchestrator(project)
        drifts = []
        for database in project.select(db, all_dbs or not db):
            runner = orchestrator.runner(database)
            try:
                drifts += verify_scripts(runner)
            finally:
                runner.dispose()
        if as_json:
            found = [
                {
                    "database": d.database,
                    "revision": d.revision,
                    "problem": d.problem,
                    "path": str(d.path) if d.path else None,
                }
                for d in drifts
            ]
            output.emit_json({"drift": found})
        else:
            for d in drifts:
                output.line(f"{d.database}: {d.revision} {d.problem} ({d.path or 'no script'})")
            if not drifts:
                output.line("every applied script is unchanged")
    if drifts:
        raise typer.Exit(EXIT_FAILED)


def check(ctx: typer.Context, db: list[str] = DB, all_dbs: bool = ALL_DBS) -> None:
    """Exit 1 if any database has revisions pending (0 when all are at their heads)."""
    with handled():
        states = _states(ctx, db, all_dbs)
    behind = {s.database: s.pending for s in states if s.pending}
    for name, pending in behind.items():
        output.line(f"{name}: {len(pending)} revision(s) pending: {', '.join(pending)}")
    if behind:
        raise typer.Exit(EXIT_FAILED)
    output.line("every database is at its heads")


def register(app: typer.Typer) -> None:
    """Add these commands to the app."""
    for command in (current, status, verify, check):
        app.command()(command)
