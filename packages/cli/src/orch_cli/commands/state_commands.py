"""Commands that read databases: current, status, verify, check."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from orch_cli import output
from orch_cli.completion import DB
from orch_cli.context import load_project
from orch_cli.errors import EXIT_FAILED, handled

if TYPE_CHECKING:
    from orch_core.project import Project
    from orch_core.runtime.verify import ScriptDrift

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
            if state["blocked"]:  # `<base>` above may be a version table configured wrong
                output.line(f"  note: {state['blocked']}")


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
    ctx: typer.Context,
    db: list[str] = DB,
    all_dbs: bool = ALL_DBS,
    as_json: bool = JSON,
    baseline: bool = typer.Option(
        False,
        "--baseline",
        help="Record the checksums of applied revisions that have none (after a review).",
    ),
) -> None:
    """List applied revisions whose script changed, vanished, is unknown, or was never checked."""
    from orch_core.fleet.orchestrator import Orchestrator
    from orch_core.runtime.verify import baseline_scripts, verify_scripts

    with handled(as_json):
        project = load_project(ctx)
        orchestrator = Orchestrator(project)
        found = []
        for database in project.select(db, all_dbs or not db):
            runner = orchestrator.runner(database)
            try:
                found += baseline_scripts(runner) if baseline else verify_scripts(runner)
            finally:
                runner.dispose()
        drifts = [d for d in found if d.problem != "unchecked"]
        unchecked = [d for d in found if d.problem == "unchecked"]
        if as_json:
            shown = {"drift": drifts, "unchecked": unchecked}
            body = {"baselined": unchecked} if baseline else shown
            output.emit_json({key: [_drift(d) for d in found] for key, found in body.items()})
        else:
            _show_verified(drifts, unchecked, baseline)
    if drifts:
        raise typer.Exit(EXIT_FAILED)


def _drift(drift: ScriptDrift) -> dict[str, str | None]:
    return {
        "database": drift.database,
        "revision": drift.revision,
        "problem": drift.problem,
        "path": str(drift.path) if drift.path else None,
    }


def _show_verified(drifts: list[ScriptDrift], unchecked: list[ScriptDrift], baseline: bool) -> None:
    for d in drifts:
        output.line(f"{d.database}: {d.revision} {d.problem} ({d.path or 'no script'})")
    if baseline:
        for d in unchecked:
            output.line(f"{d.database}: {d.revision} checksum recorded ({d.path})")
        output.line(f"recorded the checksums of {len(unchecked)} applied revision(s)")
        return
    for d in unchecked:
        output.line(f"{d.database}: {d.revision} unchecked, no checksum recorded ({d.path})")
    if unchecked:
        output.line(
            f"{len(unchecked)} applied revision(s) have no checksum (applied by Alembic, or "
            "before orch kept history): review them, then `orch verify --baseline`"
        )
    if not drifts:
        output.line(f"every {'checked' if unchecked else 'applied'} script is unchanged")


def check(ctx: typer.Context, db: list[str] = DB, all_dbs: bool = ALL_DBS) -> None:
    """Exit 1 if any database has revisions pending (0 when all are at their heads)."""
    with handled():
        states = _states(load_project(ctx), db, all_dbs)
    behind = {name: s["pending"] for name, s in states.items() if s["pending"]}
    for name, pending in behind.items():
        output.line(f"{name}: {len(pending)} revision(s) pending: {', '.join(pending)}")
    if behind:
        raise typer.Exit(EXIT_FAILED)
    output.line("every database is at its heads")


def register(app: typer.Typer) -> None:
    """Add these commands to the app."""
    for command in (current, status, verify, check):
        app.command()(command)
