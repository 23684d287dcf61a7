"""A step's statements as its script runs them: each one counted as it completes, and, for a
resumed step, the ones that completed before skipped (never sent) and checked against them.

The count sits at the driver's edge (SQLAlchemy's cursor events on the step's connection), so
that it sees op calls, op.execute and what a script runs on op.get_bind() alike; orch's own
version and history writes go to the driver's cursor directly and are not seen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from orch_core.errors import ResumeDiverged
from orch_core.runtime.step_progress import StepProgress, counts

_SENDING = ("do_execute", "do_executemany", "do_execute_no_params")


class StatementCounter:
    """Count the statements a script runs on one connection; skip those a resumed step did."""

    def __init__(
        self,
        connection: sa.Connection,
        completed: Callable[[str], None],
        done_before: StepProgress,
        where: tuple[str, str],
    ) -> None:
        """completed: called with each statement that completed (not with a skipped one).
        done_before: what the step's earlier run completed; where: (database, revision)."""
        self._connection = connection
        self._completed = completed
        self._done_before = done_before
        self._where = where
        self._seen = 0
        self._replayed = StepProgress()

    @contextmanager
    def counting(self) -> Iterator[None]:
        """Count (and skip) while the block runs; then check no statement done before is missing."""
        dialect = self._connection.dialect
        listeners: list[tuple[Any, str, Callable[..., Any]]] = [
            (dialect, name, self._skip) for name in _SENDING
        ]
        listeners.append((self._connection, "after_cursor_execute", self._after))
        for target, name, listener in listeners:
            event.listen(target, name, listener)
        try:
            yield
        finally:
            for target, name, listener in listeners:
                event.remove(target, name, listener)
        if self._seen < self._done_before.done:
            self._diverged(f"the script now runs {self._seen} statement(s)")

    def _skip(self, _cursor: Any, statement: str, *rest: Any) -> bool:
        """Return True (sent: skip it) for a statement the step's earlier run completed."""
        context = rest[-1]
        if context.root_connection is not self._connection or not counts(statement):
            return False
        self._seen += 1
        if self._seen > self._done_before.done:
            return False
        self._replayed = self._replayed.after(statement)
        if self._seen == self._done_before.done and self._replayed != self._done_before:
            self._diverged(f"its first {self._seen} statement(s) differ")
        return True

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if counts(statement) and self._seen > self._done_before.done:
            self._completed(statement)

    def _diverged(self, found: str) -> None:
        database, revision = self._where
        before = self._done_before.done
        raise ResumeDiverged(
            database, revision, f"its earlier run completed {before} statement(s), but {found}"
        )
