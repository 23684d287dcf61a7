"""Commands that read databases: current, status, verify, check."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from orch_cli import output
from orch_cli.completion import DB
from orch_cli.context import load_project
from orch_cli.errors import EXIT_FAILED, handled

if TYPE_CHECKING:
    from orch_core.autogenerate.drift import DatabaseCheck
    from orch_core.project import Project

ALL_DBS = typer.Option(False, "--all-dbs", help="Every database in the config.")
JSON = typer.Option(False, "--json", help="Print one JSON document.")


def _states(project: Project, db: list[str], all_dbs: bool) -> dict[str, dict[str, Any]]:
    """Return, per database, where it is, where `upgrade heads` takes it, and what is pending."""
    from orch_core.fleet.orchestrator import Orchestrator

    orchestrator = Orchestrator(project)
    states = {}
    for database in project.select(db, all_dbs or not db):
        runner = orchestrator.runner(database)
        try:
            heads, blocked = runner.state()
            plan = runner.plan("up", "heads", heads)
        finally:
            runner.dispose()
        states[database.name] = {
            "current": list(plan.current),
            "heads": list(plan.heads_after),
            "pending": [step.revision for step in plan.steps],
            "url": runner.url,
            # Why the next upgrade will refuse to start, if it will: a step left half done.
            "blocked": str(blocked) if blocked else None,
        }
    return states


def current(
    ctx: typer.Context, db: list[str] = DB, all_dbs: bool = ALL_DBS, as_json: bool = JSON
) -> None:
    """Show the revisions each database is at."""
    with handled(as_json):
        states = _states(load_project(ctx), db, all_dbs)
        if as_json:
            output.emit_json({"databases": states})
            return
        for name, state in states.items():
            at = ", ".join(state["current"]) or "<base>"
            head = " (head)" if not state["pending"] else ""
            output.line(f"{name}: {at}{head}")


def status(
    ctx: typer.Context, db: list[str] = DB, all_dbs: bool = ALL_DBS, as_json: bool = JSON
) -> None:
    """Show, per database, where it is, where it is going and what is pending."""
    with handled(as_json):
        states = _states(load_project(ctx), db, all_dbs)
        if as_json:
            output.emit_json({"databases": states})
            return
        rows = [
            (
                name,
                ", ".join(s["current"]) or "<base>",
                ", ".join(s["heads"]) or "<base>",
                len(s["pending"]),
                s["url"],
                s["blocked"] or "",
            )
            for name, s in states.items()
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


def check(
    ctx: typer.Context, db: list[str] = DB, all_dbs: bool = ALL_DBS, as_json: bool = JSON
) -> None:
    """Exit 1 if any database has revisions pending or differs from its services' models."""
    from orch_core.autogenerate.drift import check_databases

    with handled(as_json):
        project = load_project(ctx)
        checks = check_databases(project, project.select(db, all_dbs or not db))
    if as_json:
        output.emit_json({"databases": {c.database: _check_document(c) for c in checks}})
    else:
        output.lines(_check_lines(checks))
    if any(c.failed for c in checks):
        raise typer.Exit(EXIT_FAILED)


def _check_document(found: DatabaseCheck) -> dict[str, Any]:
    return {
        "pending": list(found.pending),
        "drift": [{"database": found.database, **c.report()} for c in found.drift],
        "compared": found.compared,
        "url": found.url,
        "error": found.error,
    }


def _check_lines(checks: list[DatabaseCheck]) -> list[str]:
    lines = []
    for found in checks:
        if found.error:
            lines.append(f"{found.database}: {found.error} ({found.url})")
        if found.pending:
            pending = ", ".join(found.pending)
            lines.append(f"{found.database}: {len(found.pending)} revision(s) pending: {pending}")
        if found.drift:
            lines.append(f"{found.database}: {len(found.drift)} difference(s) from the models:")
            lines += [f"  {change.describe()}" for change in found.drift]
    if not any(c.failed for c in checks):
        models = " and matches its models" if any(c.compared for c in checks) else ""
        lines.append(f"every database is at its heads{models}")
    return lines


def register(app: typer.Typer) -> None:
    """Add these commands to the app."""
    for command in (current, status, verify, check):
        app.command()(command)
