"""The errors orch-core raises: one base class, subclasses carrying the fields that explain them.

Only the CLI turns these into messages, hints and exit codes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from orch_graph.plan import Direction


class OrchError(Exception):
    """Base of every error orch-core raises on purpose."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take other arguments than the message they pass up; rebuild them from
        # their state, so that an error survives the trip from a worker process.
        return (_restore, (type(self), self.args, self.__dict__))


def _restore(kind: type[OrchError], args: tuple[Any, ...], state: dict[str, Any]) -> OrchError:
    error = kind.__new__(kind, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class QuitBySignal(KeyboardInterrupt):
    """A second SIGINT or SIGTERM during a run: quit at once, with that signal's exit code."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(f"quit by signal {signal_number}")
        self.signal_number = signal_number


class DatabaseCycle(OrchError):
    """Databases whose revisions depend on each other's: no database can go first."""

    def __init__(self, databases: list[str]) -> None:
        super().__init__(
            "databases wait for each other's revisions in a cycle: " + ", ".join(databases)
        )
        self.databases = databases


class DependencyFailed(OrchError):
    """A database this one waits for ended without the revision one of its steps needs."""

    def __init__(self, database: str, provider: str, revision: str) -> None:
        super().__init__(
            f"stopped: database {provider} did not reach {revision}, which {database} needs"
        )
        self.database = database
        self.provider = provider
        self.revision = revision


class DependencyNotMet(OrchError):
    """A step of the run needs a revision of a database the run leaves out, not yet applied."""

    def __init__(
        self, database: str, step: str, provider: str, revision: str, provider_at: Sequence[str]
    ) -> None:
        at = ", ".join(provider_at) or "<base>"
        super().__init__(
            f"{database}: {step} needs database {provider} at or past {revision}, and "
            f"{provider} is at {at}: run `orch upgrade --db {provider}` first"
        )
        self.database = database
        self.step = step
        self.provider = provider
        self.revision = revision
        self.provider_at = tuple(provider_at)


class WorkerDied(OrchError):
    """A worker process ended without reporting a database's outcome."""

    def __init__(self, database: str, exit_code: int | None) -> None:
        super().__init__(
            f"the worker process migrating {database} ended (exit code {exit_code}) before it "
            "finished; the version table says where the database is"
        )
        self.database = database
        self.exit_code = exit_code


class UnknownDialect(OrchError):
    """No orch dialect is registered under this name and no generic fallback applies."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown dialect {name!r}")
        self.name = name


class BadDatabaseUrl(OrchError):
    """A database's url cannot be used: not a URL, a bad port, an unknown dialect, no driver."""

    def __init__(self, database: str, reason: str, package: str | None = None) -> None:
        self.database = database
        self.key = f"databases.{database}.url"
        self.reason = reason
        self.package = package
        install = f"; install the package {package}" if package else ""
        super().__init__(f"{self.key}: {reason}{install}")


class DatabaseUnreachable(OrchError):
    """A database's server could not be connected to: refused, unknown host, authentication."""

    def __init__(self, database: str, reason: str) -> None:
        self.database = database
        self.reason = reason
        super().__init__(f"cannot connect to database {database}: {reason}")


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


class UndefinedVariable(OrchError):
    """A `${VAR}` without a default names an environment variable that is not set."""

    def __init__(self, name: str) -> None:
        super().__init__(f"environment variable {name} is not set")
        self.name = name


class ConfigNotFound(ConfigError):
    """No orch.toml (nor [tool.orch] in pyproject.toml) was found."""


class VersionTableMismatch(OrchError):
    """A version-table write changed a different number of rows than one."""

    def __init__(self, table: str, statement: str, rowcount: int) -> None:
        super().__init__(
            f"version table {table}: expected to change 1 row, changed {rowcount} ({statement})"
        )
        self.table = table
        self.statement = statement
        self.rowcount = rowcount


class ScriptError(OrchError):
    """A revision script could not be compiled or loaded; names the file and line."""

    def __init__(self, path: Path | None, line: int | None, reason: str) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


class MigrationFailed(OrchError):
    """A step failed on a database; the version table still tells where it is."""

    def __init__(
        self,
        database: str,
        revision: str,
        direction: Direction,
        reason: str,
        *,
        statement: str | None = None,
        partial: bool = False,
        statements_done: int | None = None,
    ) -> None:
        """statements_done: of a step left half done, how many of its statements completed."""
        super().__init__(f"{database}: {direction}grade of {revision} failed: {reason}")
        self.database = database
        self.revision = revision
        self.direction = direction
        self.reason = reason
        self.statement = statement
        self.partial = partial
        self.statements_done = statements_done


class PartialMigrationPending(OrchError):
    """An earlier step failed part-way on a database without transactional DDL."""

    def __init__(
        self,
        database: str,
        revision: str,
        statement: str | None,
        error: str,
        leftovers: tuple[str, ...] = (),
        *,
        statements_done: int | None = None,
    ) -> None:
        """statements_done: how many of the step's statements completed (None: not recorded,
        by an orch older than `--resume`)."""
        found = f"; found: {', '.join(leftovers)}" if leftovers else ""
        done = (
            f"; {statements_done} of its statements completed, `--resume` runs the rest"
            if statements_done is not None
            else ""
        )
        super().__init__(
            f"{database}: revision {revision} failed part-way in an earlier run ({error}); "
            f"its DDL may be half applied{found}{done}"
        )
        self.database = database
        self.revision = revision
        self.statement = statement
        self.error = error
        self.leftovers = leftovers  # what the step visibly left behind (INVALID indexes)
        self.statements_done = statements_done


class ResumeRefused(OrchError):
    """`--resume` cannot soundly run the rest of a half-done step on a database."""

    def __init__(self, database: str, revision: str | None, reason: str) -> None:
        named = f"revision {revision}" if revision else "no revision"
        super().__init__(f"{database}: cannot resume {named}: {reason}")
        self.database = database
        self.revision = revision
        self.reason = reason


class ResumeDiverged(OrchError):
    """A resumed step's script ran other statements than the ones its earlier run completed."""

    def __init__(self, database: str, revision: str, found: str) -> None:
        super().__init__(
            f"{database}: resuming revision {revision}: {found}; resuming needs a script that "
            "issues the same statements in the same order"
        )
        self.database = database
        self.revision = revision
        self.found = found


class LockTimeout(OrchError):
    """Another migrator held the database's lock for longer than the timeout."""

    def __init__(self, database: str, timeout: float, holder: str | None) -> None:
        held = f" (held by {holder})" if holder else ""
        super().__init__(f"{database}: migration lock not acquired within {timeout:g}s{held}")
        self.database = database
        self.timeout = timeout
        self.holder = holder


class VersionTableElsewhere(ConfigError):
    """The configured version table is missing, yet the database shows it was migrated.

    Either a version table by another name or in another schema holds its revisions
    (`table` set), or tables that its first revisions create exist already (`tables`)."""

    def __init__(
        self,
        database: str,
        configured: tuple[str | None, str],
        *,
        found: tuple[str | None, str] | None = None,
        heads: tuple[str, ...] = (),
        tables: tuple[str, ...] = (),
    ) -> None:
        message, key = _elsewhere_message(database, configured, found, heads, tables)
        OrchError.__init__(self, message)
        self.path, self.line, self.column = None, None, None
        self.key = f"databases.{database}.{key}"
        self.reason = message
        self.database = database
        self.found = found
        self.heads = heads
        self.tables = tables


def _elsewhere_message(
    database: str,
    configured: tuple[str | None, str],
    found: tuple[str | None, str] | None,
    heads: tuple[str, ...],
    tables: tuple[str, ...],
) -> tuple[str, str]:
    """Return what VersionTableElsewhere says, and the key it names."""
    missing = f"{database}: the version table {_dotted(*configured)} does not exist"
    if found is None:
        return (
            f"{missing}, but tables its first revision creates do ({', '.join(tables)}): "
            "if a version table elsewhere holds its revisions, set version_table and "
            f"version_table_schema in [databases.{database}]; if none does, record where "
            f"the schema is with `orch stamp --db {database} REVISION`"
        ), "version_table"
    settings = []
    if found[1] != configured[1]:
        settings.append(f'version_table = "{found[1]}"')
    if found[0] != configured[0]:
        settings.append(f'version_table_schema = "{found[0] or ""}"')
    at = ", ".join(heads) or "no revision"
    message = (
        f"{missing}, but {_dotted(*found)} is one (at {at}): "
        f"set {' and '.join(settings)} in [databases.{database}]"
    )
    return message, "version_table" if found[1] != configured[1] else "version_table_schema"


def _dotted(schema: str | None, table: str) -> str:
    return f"{schema}.{table}" if schema else table


class MetadataNotFound(ConfigError):
    """A service's `metadata` names a module or attribute that does not exist."""


class MetadataImportFailed(ConfigError):
    """Importing a service's models raised; carries the module's own error."""

    def __init__(self, message: str, path: Path | None, key: str, module: str) -> None:
        super().__init__(message, path, key)
        self.module = module


class NotAtHeads(OrchError):
    """Autogenerate needs the database at its heads: the comparison would propose old work."""

    def __init__(self, database: str, current: tuple[str, ...], heads: tuple[str, ...]) -> None:
        at = ", ".join(current) or "<base>"
        super().__init__(
            f"Target database is not up to date: {database} is at {at}, its heads are "
            f"{', '.join(heads)}"
        )
        self.database = database
        self.current = current
        self.heads = heads


class NoMetadata(OrchError):
    """Autogenerate or a drift check was asked of services that name no metadata."""

    def __init__(self, services: tuple[str, ...]) -> None:
        super().__init__(
            f"no models to compare: service(s) {', '.join(services)} set no `metadata` key"
        )
        self.services = services


class RevisionRequestError(OrchError):
    """A new revision cannot be made as asked; `remedy` says what would make it possible."""

    def __init__(self, reason: str, remedy: str) -> None:
        super().__init__(f"{reason}: {remedy}")
        self.reason = reason
        self.remedy = remedy


class BadShard(OrchError):
    """A shard was asked for in a form orch cannot use (`--shard I/N`, JOB_COMPLETION_INDEX)."""

    def __init__(self, given: str, reason: str) -> None:
        super().__init__(f"bad shard {given!r}: {reason}")
        self.given = given
        self.reason = reason
