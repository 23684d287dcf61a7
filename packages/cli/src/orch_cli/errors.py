"""Turn orch's errors into one `error:` line, a hint and an exit code; never a traceback."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import click
import typer

from orch_core import errors as core
from orch_core.urls import mask_text
from orch_graph.errors import GraphError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_LOCK_TIMEOUT = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C


@dataclass(frozen=True)
class CliError:
    """What a user is told about an error."""

    code: str
    message: str
    hint: str
    exit_code: int


INTERRUPTED = CliError(
    "interrupted",
    "interrupted: each database stopped after a whole step; its version table says where",
    "run the same command again to go on from there",
    EXIT_INTERRUPTED,
)

# Ctrl-C where no run was under way to stop gently, or a second Ctrl-C that quits at once.
QUIT = CliError(
    "interrupted",
    "interrupted",
    "a step that was under way rolled back (on MariaDB its `started` row tells the next run); "
    "`orch current` shows where each database is",
    EXIT_INTERRUPTED,
)

# The core errors a user can cause or meet, most specific first: code, hint, exit code.
_CORE_ERRORS: tuple[tuple[type[core.OrchError], str, str, int], ...] = (
    (
        core.ConfigNotFound,
        "config_not_found",
        "run `orch init` to create orch.toml, or pass --config PATH",
        EXIT_BAD_INPUT,
    ),
    (core.ConfigError, "config_error", "fix the key named above", EXIT_BAD_INPUT),
    (core.ScriptError, "script_error", "fix the revision script named above", EXIT_BAD_INPUT),
    (
        core.NotAtHeads,
        "not_at_heads",
        "upgrade the database to its heads first (`orch upgrade --db NAME heads`)",
        EXIT_FAILED,
    ),
    (
        core.NoMetadata,
        "no_metadata",
        'name the models: metadata = "pkg.models:Base.metadata" under [services.NAME]',
        EXIT_BAD_INPUT,
    ),
    (core.RevisionRequestError, "bad_revision", "see `orch revision --help`", EXIT_BAD_INPUT),
    (
        core.DatabaseCycle,
        "database_cycle",
        "a depends_on across databases must point one way: move the revisions so it does",
        EXIT_BAD_INPUT,
    ),
    (
        core.LockTimeout,
        "lock_timeout",
        "another migrator holds the lock; wait for it or raise lock_timeout",
        EXIT_LOCK_TIMEOUT,
    ),
    (
        core.PartialMigrationPending,
        "partial_migration",
        "check the database's schema against that revision; once it is consistent, record "
        "where it is with `orch stamp --db NAME REVISION`, then upgrade again",
        EXIT_FAILED,
    ),
    (
        core.MigrationFailed,
        "migration_failed",
        "the version table shows where the database stopped; fix the script and run again",
        EXIT_FAILED,
    ),
)


def describe(exc: BaseException) -> CliError:
    """Return the message, hint and exit code for an exception orch raised."""
    message = mask_text(str(exc))
    if isinstance(exc, GraphError):
        return CliError(_code(exc), message, _graph_hint(exc), EXIT_BAD_INPUT)
    if isinstance(exc, click.UsageError):  # an option's value checked in a command's body
        hint = "see `orch COMMAND --help` for what each option takes"
        return CliError("usage_error", mask_text(exc.format_message()), hint, EXIT_BAD_INPUT)
    for kind, code, hint, exit_code in _CORE_ERRORS:
        if isinstance(exc, kind):
            return CliError(code, message, hint, exit_code)
    if isinstance(exc, core.OrchError):
        return CliError(_code(exc), message, "see the message above", EXIT_FAILED)
    return _database_error(exc) or CliError(
        "internal_error", message or type(exc).__name__, "this is a bug in orch", EXIT_FAILED
    )


def _database_error(exc: BaseException) -> CliError | None:
    """Describe a database that cannot be reached, without importing SQLAlchemy needlessly."""
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_exc is None or not isinstance(exc, sqlalchemy_exc.OperationalError):
        return None
    reason = mask_text(str(getattr(exc, "orig", exc))).strip().splitlines()[0]
    hint = "check the database URL in the config (or its ${VAR}) and that the server is running"
    return CliError("database_unreachable", f"cannot connect: {reason}", hint, EXIT_BAD_INPUT)


def _code(exc: BaseException) -> str:
    name = type(exc).__name__
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def _graph_hint(exc: GraphError) -> str:
    name = type(exc).__name__
    if name == "MultipleHeads" and str(getattr(exc, "argument", "")).endswith("heads"):
        return "name one head (see `orch heads`), or use label@head"
    hints = {
        "MultipleHeads": "name one head (see `orch heads`), use `heads`, or use label@head",
        "AmbiguousRevision": "give more characters of the revision id",
        "UnknownRevision": "see `orch history` for the revisions orch knows",
        "DuplicateRevision": "give one of the scripts a new revision id",
        "CycleDetected": "fix down_revision or depends_on in the scripts named above",
        "ScriptHeaderError": "make the header value a literal, or fix the script",
        "OverlappingTargets": "name only the newest of revisions on one line of history",
        "RangeNotAncestor": "see `orch current` and `orch history` for where the database is",
        "BadTarget": "see `orch history`; relative targets count steps along one branch",
    }
    return hints.get(name, "fix the revision graph or the target named above")


def report(error: CliError, as_json: bool) -> None:
    """Print the error: JSON on stdout with --json, else `error:`/`hint:` lines on stderr."""
    if as_json:
        body = {"code": error.code, "message": error.message, "hint": error.hint}
        typer.echo(json.dumps({"error": body}))
        return
    typer.echo(f"error: {error.message}", err=True)
    typer.echo(f"hint: {error.hint}", err=True)


@contextmanager
def handled(as_json: bool = False) -> Iterator[None]:
    """Run a command body, turning any error into a message and an exit code."""
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except KeyboardInterrupt:
        # Ctrl-C outside a migration's own handling (or a second one during it): no traceback.
        report(QUIT, as_json)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except BrokenPipeError:
        # The reader went away (`orch history | head`): nothing more to tell it, and no error
        # to report. What is still buffered for it goes nowhere.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115, PTH123 - lives until the process ends
        raise typer.Exit(EXIT_FAILED) from None
    except Exception as exc:
        error = describe(exc)
        report(error, as_json)
        raise typer.Exit(error.exit_code) from None
