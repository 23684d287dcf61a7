"""A step's statements as its script runs them: each one counted as it completes, and, for a
resumed step, the ones that completed before skipped (never sent) and checked against them.

The count sits at the driver's edge (SQLAlchemy's cursor events on the step's connection), so
that it sees op calls, op.execute and what a script runs on op.get_bind() alike; orch's own
version and history writes go to the driver's cursor directly and are not seen. A replayed
statement sent straight to the driver's cursor (runtime/cursor_replay.py) is counted by the
same methods the events call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from orch_core.errors import ResumeDiverged
from orch_core.runtime.step_progress import Statement, StepProgress, classify

_SENDING = ("do_execute", "do_executemany", "do_execute_no_params")


class StatementWatch:
    """The cursor and commit events of one connection, handed to the step's counter (and its
    context's early-commit hook) while a step runs.

    Listened to once per run, not once per step: SQLAlchemy's `event.listen` and `remove` were
    ~9% of a 20-step SQLite tenant's CPU (cProfile, 50 tenants) when each step added its own."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.counter: StatementCounter | None = None
        # Called once, just before the next commit on the connection (then cleared): the
        # step's context sets it while the step's work runs (MigrationContext.transaction).
        self.early_commit: Callable[[], None] | None = None
        # A list while a step's statements are recorded (MigrationContext.recording).
        self.sent: list[tuple[str, Any]] | None = None
        # The functions it listens with, by which others' listeners are told from its own.
        self.listeners: frozenset[object] = frozenset({self._skip, self._after, self._commit})

    @classmethod
    @contextmanager
    def installed(cls, connection: sa.Connection) -> Iterator[StatementWatch]:
        """Listen to the connection's statements while the block runs."""
        watch = cls(connection)
        listeners: list[tuple[Any, str, Callable[..., Any]]] = [
            (connection.dialect, name, watch._skip) for name in _SENDING
        ]
        listeners.append((connection, "after_cursor_execute", watch._after))
        listeners.append((connection, "commit", watch._commit))
        for target, name, listener in listeners:
            event.listen(target, name, listener)
        try:
            yield watch
        finally:
            for target, name, listener in listeners:
                event.remove(target, name, listener)

    def sending(self, statement: Statement) -> bool:
        """Return True (sent: skip it) for a statement the step's earlier run completed."""
        counter = self.counter
        return counter is not None and counter.skip(statement)

    def completed(self, statement: Statement, parameters: Any) -> None:
        """Count a statement the driver completed (or that was skipped) and, while recording,
        keep it with its parameters."""
        if self.counter is not None:
            self.counter.after(statement)
        if self.sent is not None:
            self.sent.append((statement.sql, parameters))

    def _skip(self, cursor: Any, statement: str, *rest: Any) -> bool:
        if self.counter is None or rest[-1].root_connection is not self.connection:
            return False
        return self.sending(classify(statement))

    def _after(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if self.counter is not None or self.sent is not None:
            self.completed(classify(statement), parameters)

    def _commit(self, _conn: Any) -> None:
        hook, self.early_commit = self.early_commit, None
        if hook is not None:
            hook()


class StatementCounter:
    """Count the statements a script runs on one connection; skip those a resumed step did."""

    def __init__(
        self,
        watch: StatementWatch,
        completed: Callable[[Statement], None],
        done_before: StepProgress,
        where: tuple[str, str],
    ) -> None:
        """watch: the step's connection's events; completed: called with each statement that
        completed (not with a skipped one); done_before: what the step's earlier run
        completed; where: (database, revision)."""
        self._watch = watch
        self._completed = completed
        self._done_before = done_before
        self._where = where
        self._seen = 0
        self._replayed = StepProgress()

    @property
    def resuming(self) -> bool:
        """Return whether the step's first statements are skipped (done by an earlier run)."""
        return self._done_before.done > 0

    @contextmanager
    def counting(self) -> Iterator[None]:
        """Count (and skip) while the block runs; then check no statement done before is missing."""
        watch = self._watch
        watch.counter = self
        try:
            yield
        finally:
            watch.counter = None
        if self._seen < self._done_before.done:
            self._diverged(f"the script now runs {self._seen} statement(s)")

    def skip(self, statement: Statement) -> bool:
        """Return True (sent: skip it) for a statement the step's earlier run completed."""
        if not statement.counts:
            return False
        self._seen += 1
        if self._seen > self._done_before.done:
            return False
        self._replayed = self._replayed.after(statement.sql)
        if self._seen == self._done_before.done and self._replayed != self._done_before:
            self._diverged(f"its first {self._seen} statement(s) differ")
        return True

    def after(self, statement: Statement) -> None:
        """Record a statement that completed, unless it was one done before."""
        if statement.counts and self._seen > self._done_before.done:
            self._completed(statement)

    def _diverged(self, found: str) -> None:
        database, revision = self._where
        before = self._done_before.done
        raise ResumeDiverged(
            database, revision, f"its earlier run completed {before} statement(s), but {found}"
        )
