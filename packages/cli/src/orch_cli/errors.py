"""Turn orch's errors into one `error:` line, a hint and an exit code; never a traceback."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

import click
import typer

from orch_core import errors as core
from orch_core.urls import mask_passwords
from orch_graph import errors as graph

if TYPE_CHECKING:
    from orch_cli.documents import ErrorBody, ErrorDocument

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
    "a step that was under way rolled back (one outside a transaction left its `started` row, "
    "which the next run reports); "
    "`orch current` shows where each database is",
    EXIT_INTERRUPTED,
)


@dataclass(frozen=True)
class _Advice:
    """What to tell about one kind of error; its code defaults to the class name, snake_cased."""

    hint: str
    exit_code: int = EXIT_BAD_INPUT
    code: str | None = None


# By error type; the most specific class in an error's MRO wins.
_ADVICE: Mapping[type[Exception], _Advice] = MappingProxyType(
    {
        core.ConfigNotFound: _Advice(
            "run `orch init` to create orch.toml, or pass --config PATH", code="config_not_found"
        ),
        core.ConfigError: _Advice("fix the key named above", code="config_error"),
        core.BadShard: _Advice(
            "give --shard I/N with I from 0 to N-1, or --shards N (or ORCH_SHARDS) inside a "
            "Kubernetes Indexed Job"
        ),
        core.BadDatabaseUrl: _Advice(
            "fix the url named above (or its ${VAR}), or install the driver it names",
            code="bad_database_url",
        ),
        core.DatabaseUnreachable: _Advice(
            "check the database URL in the config (or its ${VAR}) and that the server is running",
            code="database_unreachable",
        ),
        core.ScriptError: _Advice("fix the revision script named above", code="script_error"),
        core.NotAtHeads: _Advice(
            "upgrade the database to its heads first (`orch upgrade --db NAME heads`)",
            EXIT_FAILED,
            "not_at_heads",
        ),
        core.NoMetadata: _Advice(
            'name the models: metadata = "pkg.models:Base.metadata" under [services.NAME]',
            code="no_metadata",
        ),
        core.RevisionRequestError: _Advice("see `orch revision --help`", code="bad_revision"),
        core.DatabaseCycle: _Advice(
            "a depends_on across databases must point one way: move the revisions so it does",
            code="database_cycle",
        ),
        core.DependencyNotMet: _Advice(
            "upgrade the database named above first, or add --with-deps to run it in this run",
            code="dependency_not_met",
        ),
        core.LockTimeout: _Advice(
            "another migrator holds the lock; wait for it or raise lock_timeout",
            EXIT_LOCK_TIMEOUT,
            "lock_timeout",
        ),
        core.PartialMigrationPending: _Advice(
            "once its cause is fixed, the same command with --resume (`orch upgrade --resume "
            "--db NAME`, or `orch downgrade --resume ...` for a step down) runs the rest of the "
            "step; or check the database's schema against that revision, record where it is "
            "with `orch stamp --db NAME REVISION`, then upgrade again",
            EXIT_FAILED,
            "partial_migration",
        ),
        core.ResumeRefused: _Advice(
            "check the database's schema against that revision; once it is consistent, record "
            "where it is with `orch stamp --db NAME REVISION`, then upgrade again",
            code="resume_refused",
        ),
        core.MigrationFailed: _Advice(
            "the version table shows where the database stopped; fix the script and run again",
            EXIT_FAILED,
            "migration_failed",
        ),
        core.OrchError: _Advice("see the message above", EXIT_FAILED),
        graph.MultipleHeads: _Advice(
            "name one head (see `orch heads`), use `heads`, or use label@head"
        ),
        graph.AmbiguousRevision: _Advice("give more characters of the revision id"),
        graph.UnknownRevision: _Advice("see `orch history` for the revisions orch knows"),
        graph.DuplicateRevision: _Advice("give one of the scripts a new revision id"),
        graph.CycleDetected: _Advice("fix down_revision or depends_on in the scripts named above"),
        graph.ScriptHeaderError: _Advice("make the header value a literal, or fix the script"),
        graph.OverlappingTargets: _Advice(
            "name only the newest of revisions on one line of history"
        ),
        graph.RangeNotAncestor: _Advice(
            "see `orch current` and `orch history` for where the database is"
        ),
        graph.BadTarget: _Advice(
            "see `orch history`; relative targets count steps along one branch"
        ),
        graph.GraphError: _Advice("fix the revision graph or the target named above"),
    }
)
# `heads` already names every head: the way out is one head or a label.
_MULTIPLE_HEADS_OF_HEADS = "name one head (see `orch heads`), or use label@head"


def describe(exc: BaseException) -> CliError:
    """Return the message, hint and exit code for an exception orch raised."""
    message = mask_passwords(str(exc))
    if isinstance(exc, click.UsageError):  # an option's value checked in a command's body
        hint = "see `orch COMMAND --help` for what each option takes"
        return CliError("usage_error", mask_passwords(exc.format_message()), hint, EXIT_BAD_INPUT)
    advice = next((_ADVICE[kind] for kind in type(exc).__mro__ if kind in _ADVICE), None)
    if advice is None:
        return _database_error(exc) or CliError(
            "internal_error", message or type(exc).__name__, "this is a bug in orch", EXIT_FAILED
        )
    hint = advice.hint
    if isinstance(exc, graph.MultipleHeads) and str(exc.argument).endswith("heads"):
        hint = _MULTIPLE_HEADS_OF_HEADS
    return CliError(advice.code or _code(exc), message, hint, advice.exit_code)


def _database_error(exc: BaseException) -> CliError | None:
    """Describe what a database answered, without importing SQLAlchemy needlessly.

    A failure to connect is DatabaseUnreachable, raised where the database's name is known;
    what is left is the database's own answer to a statement, told as it is."""
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_exc is None or not isinstance(exc, sqlalchemy_exc.DBAPIError):
        return None
    reason = mask_passwords(str(getattr(exc, "orig", None) or exc)).strip()
    message = f"the database answered: {reason.splitlines()[0] if reason else type(exc).__name__}"
    hint = "the database's own message is above; the version table says where it stopped"
    return CliError("database_error", message, hint, EXIT_FAILED)


def _code(exc: BaseException) -> str:
    name = type(exc).__name__
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def error_body(error: CliError) -> ErrorBody:
    """Return an error as JSON documents carry it."""
    return {"code": error.code, "message": error.message, "hint": error.hint}


def error_document(error: CliError) -> ErrorDocument:
    """Return the document --json prints instead of a result when a command stops."""
    return {"error": error_body(error)}


def report(error: CliError, as_json: bool) -> None:
    """Print the error: JSON on stdout with --json, else `error:`/`hint:` lines on stderr."""
    if as_json:
        typer.echo(json.dumps(error_document(error)))
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
    except KeyboardInterrupt as exc:
        # Ctrl-C outside a migration's own handling (or a second signal during it, which
        # exits as that signal says: 143 for SIGTERM): no traceback.
        report(QUIT, as_json)
        quit_by = exc.signal_number if isinstance(exc, core.QuitBySignal) else None
        raise typer.Exit(128 + quit_by if quit_by else EXIT_INTERRUPTED) from None
    except BrokenPipeError:
        # The reader went away (`orch history | head`): nothing more to tell it, and no error
        # to report. What is still buffered for it goes nowhere.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115, PTH123 - lives until the process ends
        raise typer.Exit(EXIT_FAILED) from None
    except Exception as exc:
        error = describe(exc)
        report(error, as_json)
        raise typer.Exit(error.exit_code) from None
