"""Commands that read databases: current, status, verify, check."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

import typer

from orch_cli import output
from orch_cli.command import OrchCommand
from orch_cli.completion import DB
from orch_cli.context import database_names, load_project, options, start_logging
from orch_cli.errors import EXIT_FAILED, describe, error_body, handled
from orch_cli.run_summary import LISTED_UP_TO
from orch_cli.state_summary import counted_lines, tally_document, unreachable_line

if TYPE_CHECKING:
    from orch_cli.documents import (
        ChangeDocument,
        CheckDocument,
        CheckEntry,
        DriftDocument,
        StateDocument,
        StatesDocument,
        VerifyDocument,
    )
    from orch_core.autogenerate.drift import DatabaseCheck
    from orch_core.runtime.state import DatabaseState
    from orch_core.runtime.verify import ScriptDrift

ALL_DBS = typer.Option(False, "--all-dbs", help="Every database in the config.")
JSON = typer.Option(False, "--json", help="Print one JSON document.")


def _states(ctx: typer.Context, db: list[str], all_dbs: bool) -> list[DatabaseState]:
    from orch_core import api

    project = load_project(ctx)
    start_logging(ctx, project)
    return api.status(project, databases=database_names(project, db, all_dbs))


def _json(states: list[DatabaseState]) -> StatesDocument:
    """Return the `--json` document of current and status: each database, then the counts."""
    from orch_core.runtime.state import tally_states

    unreachable = sum(1 for s in states if s.error is not None)
    at_heads = sum(1 for s in states if s.at_heads)
    return {
        "databases": {s.database: _state_document(s) for s in states},
        "counts": {
            "at_heads": at_heads,
            "pending": len(states) - at_heads - unreachable,
            "unreachable": unreachable,
        },
        "by_revision": [tally_document(t) for t in tally_states(states)],
    }


def _state_document(state: DatabaseState) -> StateDocument:
    """Return one database's entry; an unreachable one has its error and no revisions."""
    known = state.error is None
    error = None if state.error is None else error_body(describe(state.error))
    return {
        "current": list(state.current) if known else None,
        "heads": list(state.heads) if known else None,
        "pending": list(state.pending) if known else None,
        "url": state.url,
        "blocked": str(state.blocked) if state.blocked else None,
        "error": error,
    }


def _exit_if_unreachable(states: list[DatabaseState]) -> None:
    """Exit 1 once every database is shown, if any of them could not be read."""
    if any(state.error is not None for state in states):
        raise typer.Exit(EXIT_FAILED)


def current(
    ctx: typer.Context, db: list[str] = DB, all_dbs: bool = ALL_DBS, as_json: bool = JSON
) -> None:
    """Show the revisions each database is at."""
    _show_states(ctx, db, all_dbs, as_json, _print_current)


def _show_states(
    ctx: typer.Context,
    db: list[str],
    all_dbs: bool,
    as_json: bool,
    render: Callable[[list[DatabaseState]], None],
) -> None:
    """Read each database's state, print it (JSON, counts for a fleet, or render), exit 1 if
    one is out of reach."""
    with handled(as_json):
        states = _states(ctx, db, all_dbs)
        if as_json:
            output.emit_json(_json(states))
        elif len(states) > LISTED_UP_TO and options(ctx).verbosity <= 0:
            output.lines(counted_lines(f"orch {ctx.info_name}", states))
        else:
            render(states)
    _exit_if_unreachable(states)


def _print_current(states: list[DatabaseState]) -> None:
    lines = []
    for state in states:
        if state.error is not None:
            lines.append(unreachable_line(state))
            continue
        at = ", ".join(state.current) or "<base>"
        lines.append(f"{state.database}: {at}{' (head)' if state.at_heads else ''}")
        if state.blocked:  # `<base>` above may be a version table configured wrong
            lines.append(f"  note: {state.blocked}")
    output.lines(lines)


def status(
    ctx: typer.Context, db: list[str] = DB, all_dbs: bool = ALL_DBS, as_json: bool = JSON
) -> None:
    """Show, per database, where it is, where it is going and what is pending."""
    _show_states(ctx, db, all_dbs, as_json, _print_status)


def _print_status(states: list[DatabaseState]) -> None:
    rows = [_status_row(s) for s in states]
    output.table("orch status", ("database", "current", "heads", "pending", "url", "note"), rows)


def _status_row(state: DatabaseState) -> tuple[object, ...]:
    if state.error is not None:
        reason = describe(state.error).message
        return (state.database, "unreachable", "", "", state.url, reason)
    return (
        state.database,
        ", ".join(state.current) or "<base>",
        ", ".join(state.heads) or "<base>",
        len(state.pending),
        state.url,
        str(state.blocked) if state.blocked else "",
    )


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
    from orch_core import api

    with handled(as_json):
        project = load_project(ctx)
        start_logging(ctx, project)
        names = database_names(project, db, all_dbs)
        found = api.verify(project, databases=names, baseline=baseline)
        drifts = [d for d in found if d.problem != "unchecked"]
        unchecked = [d for d in found if d.problem == "unchecked"]
        if as_json:
            output.emit_json(_verify_document(drifts, unchecked, baseline))
        else:
            _show_verified(drifts, unchecked, baseline)
    if drifts:
        raise typer.Exit(EXIT_FAILED)


def _verify_document(
    drifts: list[ScriptDrift], unchecked: list[ScriptDrift], baseline: bool
) -> VerifyDocument:
    if baseline:
        return {"baselined": [_drift(d) for d in unchecked]}
    return {"drift": [_drift(d) for d in drifts], "unchecked": [_drift(d) for d in unchecked]}


def _drift(drift: ScriptDrift) -> DriftDocument:
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


def check(
    ctx: typer.Context, db: list[str] = DB, all_dbs: bool = ALL_DBS, as_json: bool = JSON
) -> None:
    """Exit 1 if any database has revisions pending or differs from its services' models."""
    from orch_core import api

    with handled(as_json):
        project = load_project(ctx)
        start_logging(ctx, project)
        checks = api.check(project, databases=database_names(project, db, all_dbs))
    if as_json:
        document: CheckDocument = {"databases": {c.database: _check_entry(c) for c in checks}}
        output.emit_json(document)
    else:
        output.lines(_check_lines(checks))
    if any(c.failed for c in checks):
        raise typer.Exit(EXIT_FAILED)


def _check_entry(found: DatabaseCheck) -> CheckEntry:
    # Change.report() names only the fields that apply: the schema's optional keys.
    drift = [
        cast("ChangeDocument", {"database": found.database, **c.report()}) for c in found.drift
    ]
    return {
        "pending": list(found.pending),
        "drift": drift,
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
        app.command(cls=OrchCommand)(command)
