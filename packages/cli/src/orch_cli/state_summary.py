"""Where a fleet is, as people read it: counts by revision, then the databases that need a look.

`status` and `current` list every database up to run_summary.LISTED_UP_TO of them (or with -v);
above that a table of 10,000 rows says less than "9,950 at ae10 (head)".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orch_cli.errors import describe

if TYPE_CHECKING:
    from collections.abc import Sequence

    from orch_cli.documents import StateTallyDocument
    from orch_core.runtime.state import DatabaseState, StateTally


def counted_lines(title: str, states: Sequence[DatabaseState]) -> list[str]:
    """Return a fleet's state: counts by revision, then the unreachable and blocked ones."""
    from orch_core.runtime.state import tally_states

    lines = [f"{title}: {len(states):,} databases"]
    lines += [_count_line(tally) for tally in tally_states(states)]
    unreachable = [s for s in states if s.error is not None]
    if unreachable:
        lines.append(f"{len(unreachable):,} unreachable:")
        lines += [f"  {unreachable_line(s)}" for s in unreachable]
    blocked = [s for s in states if s.blocked is not None]
    if blocked:
        lines.append(f"{len(blocked):,} blocked (their next upgrade will refuse to start):")
        lines += [f"  {s.database}: {s.blocked}" for s in blocked]
    lines.append("-v or --json lists every database")
    return lines


def unreachable_line(state: DatabaseState) -> str:
    """Return one line naming a database that could not be read, its url masked, and why."""
    assert state.error is not None
    return f"{state.database}: unreachable ({state.url}): {describe(state.error).message}"


def tally_document(tally: StateTally) -> StateTallyDocument:
    """Return one count of `--json`'s `by_revision`."""
    return {
        "current": list(tally.current),
        "heads": list(tally.heads),
        "pending": len(tally.pending),
        "count": tally.count,
    }


def _count_line(tally: StateTally) -> str:
    at = ", ".join(tally.current) or "<base>"
    if not tally.pending:
        return f"{tally.count:,} at {at} (head)"
    heads = ", ".join(tally.heads)
    return f"{tally.count:,} at {at}: {len(tally.pending)} pending, to {heads}"
