"""The errors orch-core raises: one base class, subclasses carrying the fields that explain them.

Only the CLI turns these into messages, hints and exit codes.
"""

from __future__ import annotations

from pathlib import Path


class OrchError(Exception):
    """Base of every error orch-core raises on purpose."""


class UnknownDialect(OrchError):
    """No orch dialect is registered under this name and no generic fallback applies."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown dialect {name!r}")
        self.name = name


class OperationError(OrchError):
    """An operation could not run; carries the operation, the table and the revision."""

    def __init__(
        self, operation: str, table: str | None, revision: str | None, reason: str
    ) -> None:
        where = f" on table {table!r}" if table else ""
        during = f" in revision {revision}" if revision else ""
        super().__init__(f"{operation}{where}{during} failed: {reason}")
        self.operation = operation
        self.table = table
        self.revision = revision
        self.reason = reason


class OperationFailed(OperationError):
    """The database refused an operation; `reason` is the database's own message."""


class UnsupportedOperation(OperationError):
    """The dialect (or offline mode) cannot perform this operation as asked."""


class ConfigError(OrchError):
    """The configuration is wrong; names the file and the dotted key (and line where known)."""

    def __init__(
        self,
        message: str,
        path: Path | None,
        key: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        where = str(path) if path else "configuration"
        if line is not None:
            where += f":{line}:{column or 1}"
        super().__init__(f"{where}: {key + ': ' if key else ''}{message}")
        self.path = path
        self.key = key
        self.line = line
        self.column = column
        self.reason = message


class ConfigNotFound(ConfigError):
    """No orch.toml (nor [tool.orch] in pyproject.toml) was found."""
