"""A run's result as people and scripts read it: a table, counts for a fleet, a JSON document."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orch_cli import output
from orch_cli.errors import describe, error_body

if TYPE_CHECKING:
    from orch_cli.documents import (
        Direction,
        OutcomeDocument,
        RunDocument,
        RunErrorBody,
        TallyDocument,
    )
    from orch_core.fleet.outcomes import DatabaseOutcome, RunSummary, Tally

# A step's direction as --dry-run prints it (and DESIGN.md fixes for its JSON).
DIRECTION_WORDS: dict[str, Direction] = {"up": "upgrade", "down": "downgrade"}

# Above this many databases the text summary counts them, and lists only the failures.
LISTED_UP_TO = 20


def summary_document(summary: RunSummary) -> RunDocument:
    """Return a run as DESIGN.md's JSON: each database's outcome, rows, steps and error."""
    counts: dict[str, int] = {}
    for tally in summary.tally():
        counts[tally.outcome.value] = counts.get(tally.outcome.value, 0) + tally.count
    return {
        "run_id": summary.run_id,
        "direction": DIRECTION_WORDS[summary.direction],
        "target": summary.target,
        "stopped_by": summary.stopped_by,
        "counts": dict(sorted(counts.items())),
        "by_revision": [_tally_document(tally) for tally in summary.tally()],
        "never_started": list(summary.never_started),
        "databases": {name: _database_document(o) for name, o in summary.databases.items()},
    }


def _database_document(outcome: DatabaseOutcome) -> OutcomeDocument:
    error: RunErrorBody | None = None
    if outcome.error is not None:
        error = {
            **error_body(describe(outcome.error)),
            # Of a step left half done: how many of its statements completed (None: unknown).
            "statements_done": getattr(outcome.error, "statements_done", None),
        }
    return {
        "outcome": outcome.outcome.value,
        "started": outcome.started,
        "before": list(outcome.before),
        "after": None if outcome.after is None else list(outcome.after),
        "steps_applied": len(outcome.steps),
        "steps": [
            {
                "revision": step.revision,
                "direction": DIRECTION_WORDS[step.direction],
                "outcome": step.outcome,
                "duration_ms": step.duration_ms,
                "statements_skipped": step.statements_skipped,
            }
            for step in outcome.steps
        ],
        "failed_step": outcome.failed_step,
        "duration_ms": outcome.duration_ms,
        "error": error,
        "note": outcome.reason,
    }


def _tally_document(tally: Tally) -> TallyDocument:
    return {
        "outcome": tally.outcome.value,
        "at": None if tally.at is None else list(tally.at),
        "failed_step": tally.failed_step,
        "count": tally.count,
    }


def print_summary(summary: RunSummary, verbosity: int) -> None:
    """Print a row per database, or for a fleet (unless -v) counts and the failures."""
    if not summary.databases:
        output.line("no database is concerned by this target")
        return
    title = f"orch {summary.direction}grade {summary.target} (run {summary.run_id})"
    if len(summary.databases) <= LISTED_UP_TO or verbosity > 0:
        rows = [_row(name, outcome) for name, outcome in summary.databases.items()]
        columns = ("database", "outcome", "steps", "now at", "time", "note")
        output.table(title, columns, rows)
        return
    output.lines([title, *_counted(summary)])


def _row(name: str, outcome: DatabaseOutcome) -> tuple[object, ...]:
    return (
        name,
        outcome.outcome.value,
        len(outcome.steps),
        _revisions(outcome.after),
        f"{outcome.duration_ms} ms",
        _note(outcome),
    )


def _counted(summary: RunSummary) -> list[str]:
    """Return the lines of a fleet's summary: counts by outcome and revision, then failures."""
    lines = [f"{_count_line(tally)}" for tally in summary.tally()]
    troubled = [
        (n, o) for n, o in summary.databases.items() if o.started and not o.outcome.complete
    ]
    if troubled:
        lines.append(f"{len(troubled):,} database(s) did not finish:")
        lines += [f"  {_named(name, _note(outcome))}" for name, outcome in troubled]
    if summary.never_started:
        lines.append(f"{len(summary.never_started):,} database(s) never started (-v lists them)")
    return lines


def _count_line(tally: Tally) -> str:
    moving = f" -> {tally.failed_step}" if tally.failed_step else ""
    return f"{tally.count:,} {tally.outcome.value} at {_revisions(tally.at)}{moving}"


def _revisions(heads: tuple[str, ...] | None) -> str:
    if heads is None:
        return "unknown (unreadable)"
    return ", ".join(heads) or "<base>"


def _named(name: str, note: str) -> str:
    """Return the note led by the database's name, which errors such as MigrationFailed have."""
    return note if note.startswith(f"{name}: ") else f"{name}: {note}"


def _note(outcome: DatabaseOutcome) -> str:
    if outcome.reason:
        return outcome.reason
    return str(outcome.error).splitlines()[0] if outcome.error else ""
