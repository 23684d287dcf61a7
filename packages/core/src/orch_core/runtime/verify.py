"""Compare applied revisions with their scripts, and record checksums where none were kept.

A revision applied by orch has the hash of the script it ran in the history table. One that
Alembic applied (or orch before it kept history) has none: it is *unchecked*, told apart from
*unchanged*, until `orch verify --baseline` records the hash of its script as it is now.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from orch_core.errors import ConfigError
from orch_core.runtime.engines import is_missing
from orch_core.runtime.locks import migration_lock
from orch_core.runtime.recorder import HistoryOutcome
from orch_core.runtime.results import utc_now
from orch_core.runtime.runner import DatabaseRunner
from orch_graph.errors import GraphError


@dataclass(frozen=True)
class ScriptDrift:
    """An applied revision whose script is not known to be what ran."""

    database: str
    revision: str
    problem: str  # "changed", "missing", "unknown", or "unchecked" (no hash was recorded)
    path: Path | None = None


def verify_scripts(runner: DatabaseRunner) -> list[ScriptDrift]:
    """Return the applied revisions whose script changed, vanished, is unknown, or unchecked."""
    if is_missing(runner.config):
        return []
    with runner.engine.connect() as conn:
        hashes = _applied_hashes(runner, conn)
    # Each applied revision with the problem already known ("" while its hash is to be checked).
    entries: list[tuple[str, str | None, Path | None, str]] = []
    for revision_id, sha256 in hashes.items():
        try:
            path = runner.planner.get(revision_id).path
        except GraphError:
            entries.append((revision_id, sha256, None, "unknown"))
            continue
        missing = path is None or not path.is_file()
        problem = "missing" if missing else "" if sha256 else "unchecked"
        entries.append((revision_id, sha256, path, problem))
    # Compiled together: the code cache is then written once, not once per script.
    to_check = [path for _, sha256, path, problem in entries if not problem and sha256 and path]
    compiled = dict(zip(to_check, runner.loader.compile_all(to_check), strict=True))
    drifts = []
    for revision_id, sha256, path, known in entries:
        changed = not known and path in compiled and compiled[path].sha256 != sha256
        problem = "changed" if changed else known
        if problem:
            drifts.append(ScriptDrift(runner.config.name, revision_id, problem, path))
    return drifts


def _applied_hashes(runner: DatabaseRunner, conn: sa.Connection) -> dict[str, str | None]:
    """Return every applied revision with the hash its script ran with (None: not recorded).

    Applied means: in the version table, or below a revision that is. The history table
    tells the hashes; a revision it does not know was applied by another tool."""
    recorded = runner.recorder.applied_scripts(conn)
    heads = runner.recorder.current_heads(conn)
    known = [head for head in heads if head in recorded or _known(runner, head)]
    applied: dict[str, str | None] = {head: recorded.get(head) for head in heads}
    below = runner.planner.plan_downgrade(tuple(known), "base").steps if known else ()
    applied.update((step.revision, recorded.get(step.revision)) for step in below)
    return applied


def _known(runner: DatabaseRunner, revision: str) -> bool:
    try:
        runner.planner.get(revision)
    except GraphError:
        return False
    return True


def baseline_scripts(runner: DatabaseRunner) -> list[ScriptDrift]:
    """Record the hash of each unchecked revision's script as it is now; return those recorded.

    For after a review: from then on `verify` tells when one of them changes."""
    unchecked = [d for d in verify_scripts(runner) if d.problem == "unchecked" and d.path]
    if not unchecked:
        return []
    if runner.recorder.history is None:
        reason = "is off: there is no table to record checksums in"
        raise ConfigError(reason, None, f"databases.{runner.config.name}.history_table")
    scripts = runner.loader.compile_all([d.path for d in unchecked if d.path])
    with (
        runner.engine.connect() as conn,
        migration_lock(conn, runner.config, runner.log),
        conn.begin(),
    ):
        runner.recorder.ensure_tables(conn)
        now = utc_now()
        for drift, script in zip(unchecked, scripts, strict=True):
            entry = runner.rows.entry(
                drift.revision, "up", now, HistoryOutcome.BASELINED, script.sha256
            )
            runner.recorder.record(conn, entry)
    return unchecked
