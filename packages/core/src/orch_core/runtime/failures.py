"""Why a step failed, in the words its history row, audit event and summary use."""

from __future__ import annotations

import sqlalchemy as sa

from orch_core.errors import OperationFailed


def failure_reason(exc: BaseException, *, cancelled: bool = False) -> str:
    """Return what a failed step's history row, audit event and summary say went wrong.

    cancelled: orch cancelled the step's statement when the grace period after a signal ran
    out, which the database reports as an error of its own."""
    if cancelled:
        said = failure_reason(exc)
        return f"stopped: its statement was cancelled when the grace period ran out ({said})"
    if isinstance(exc, OperationFailed):
        return exc.reason
    if isinstance(exc, SystemExit):
        return f"the script called sys.exit({exc.code!r})"
    if isinstance(exc, KeyboardInterrupt):
        return "the script raised KeyboardInterrupt"
    return str(exc)


def failing_statement(exc: BaseException) -> str | None:
    """Return the SQL statement the database refused, if the error chain carries one."""
    current: BaseException | None = exc
    while current is not None:
        if isinstance(current, sa.exc.StatementError) and current.statement:
            return str(current.statement)
        current = current.__cause__
    return None
