"""How far a step outside one transaction got: its completed statements, counted and kept.

A step whose work commits as it runs (MySQL's DDL, `transactional = False`, an autocommit
block) cannot be rolled back when it fails or is killed. Its `started` history row therefore
carries how many of the script's statements completed, and a digest of their SQL in order, so
that `upgrade --resume` can run the rest. Each count is written on the step's own connection,
right after its statement: it commits when the statement's work commits, no sooner and no later.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from typing import NamedTuple

import sqlalchemy as sa

from orch_core.runtime.recorder import HistoryEntry, Recorder

# Reads run again when a step resumes: the script may decide on what they return.
_READS = frozenset({"SELECT", "SHOW", "EXPLAIN", "DESCRIBE", "DESC"})
_LEADING = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.DOTALL)
_WORD = re.compile(r"[A-Za-z]+")


def first_word(sql: str) -> str:
    """Return a statement's first keyword, upper-cased, past leading space and comments."""
    leading = _LEADING.match(sql)
    word = _WORD.match(sql, leading.end() if leading else 0)
    return word.group(0).upper() if word else ""


class Statement(NamedTuple):
    """A statement the driver receives, as a step's count reads it: its first keyword tells
    whether it counts (reads do not) and whether the server commits it on its own.

    Read once per statement (`classify`); a replayed step's, once when its first run was
    recorded, not again on each database it is replayed on."""

    sql: str
    word: str  # its first keyword, upper-cased
    counts: bool


def classify(sql: str) -> Statement:
    """Return a statement with its first keyword read."""
    word = first_word(sql)
    return Statement(sql, word, word not in _READS)


@dataclass(frozen=True)
class StepProgress:
    """The statements of a step that completed: how many, and a digest of their SQL in order."""

    done: int = 0
    digest: str = ""

    def after(self, sql: str) -> StepProgress:
        """Return the progress once one more statement, `sql`, has completed."""
        chained = hashlib.sha256(f"{self.digest}\n{sql}".encode()).hexdigest()
        return StepProgress(self.done + 1, chained)


class ProgressLog:
    """A step's progress, kept in its `started` row from the moment that row is written."""

    def __init__(
        self,
        recorder: Recorder,
        connection: sa.Connection,
        start: HistoryEntry,
        implicit_commits: frozenset[str],
    ) -> None:
        """start: the step's `started` row (a resumed step's carries where it goes on from)."""
        self.progress = StepProgress(start.statements_done or 0, start.statements_sha256 or "")
        self._recorder = recorder
        self._connection = connection
        self._start = start
        self._implicit_commits = implicit_commits
        self._row: int | None = None
        # Whether part of the step has been committed, its `started` row with it (an early
        # commit, or a statement the server committed on its own): the rest cannot roll back.
        self.committed = False

    def start(self) -> None:
        """Write the step's `started` row, with the progress so far."""
        done, digest = self.progress.done, self.progress.digest
        entry = replace(self._start, statements_done=done, statements_sha256=digest)
        self._recorder.record(self._connection, entry)
        if self._recorder.history is not None:  # with history off there is no row to count in
            self._row = self._recorder.started_row(self._connection, entry)

    def committing(self) -> None:
        """Called just before part of the step commits early (an autocommit block, the
        script's own commit): write the `started` row, if not yet, so the commit keeps it."""
        self.committed = True
        if self._row is None:
            self.start()

    def advance(self, statement: Statement) -> None:
        """Count one more completed statement, in the `started` row if it is written."""
        self.progress = self.progress.after(statement.sql)
        implicit = statement.word in self._implicit_commits
        self.committed |= implicit
        if self._row is None:
            return
        done, digest = self.progress.done, self.progress.digest
        self._recorder.record_progress(self._connection, self._row, done, digest)
        if implicit:
            # The server committed the statement on its own; commit its count now too, before
            # a kill can part them (after other statements the count waits for their commit).
            self._connection.connection.dbapi_connection.commit()  # type: ignore[union-attr]

    def kept(self) -> StepProgress | None:
        """Return the progress the database keeps (after a rollback too); None if no `started`
        row was written, so that nothing of the step was committed."""
        if self._row is None:
            return None
        kept = self._recorder.progress_of(self._connection, self._row)
        if kept is None:  # the row rolled back before anything committed it: none was kept
            return StepProgress()
        done, digest = kept
        return StepProgress(done or 0, digest or "")
