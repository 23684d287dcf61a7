"""The closed list of audit event names that orch emits through structlog."""

from enum import StrEnum


class Event(StrEnum):
    """A stable event name; deployment tooling matches on these strings."""

    RUN_STARTED = "run.started"
    RUN_FINISHED = "run.finished"
    RUN_INTERRUPTED = "run.interrupted"
    DB_PLANNED = "db.planned"
    DB_STARTED = "db.started"
    DB_FINISHED = "db.finished"
    DB_SKIPPED = "db.skipped"
    DB_UNREACHABLE = "db.unreachable"
    LOCK_WAITING = "lock.waiting"
    LOCK_ACQUIRED = "lock.acquired"
    LOCK_RELEASED = "lock.released"
    LOCK_LOST = "lock.lost"  # the server ended the session holding it (killed, restarted)
    MIGRATION_STARTED = "migration.started"
    MIGRATION_APPLIED = "migration.applied"
    MIGRATION_FAILED = "migration.failed"
    MIGRATION_RESUMED = "migration.resumed"  # `--resume`: a half-done step goes on
    STEP_CANCELLED = "step.cancelled"  # its statement, when the grace period after a signal ran out
    STAMP_APPLIED = "stamp.applied"
