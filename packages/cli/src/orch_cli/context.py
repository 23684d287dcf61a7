"""What commands share: loading the project from the global options, logging set up once."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

import typer

from orch_cli.options import GlobalOptions

if TYPE_CHECKING:
    from collections.abc import Sequence

    from orch_core.project import Project


def options(ctx: typer.Context) -> GlobalOptions:
    """Return the global options given before the command."""
    found = ctx.find_root().obj
    return found if isinstance(found, GlobalOptions) else GlobalOptions()


def load_project(ctx: typer.Context, *, need_urls: bool = True) -> Project:
    """Load the configuration and the revision graph named by the global options
    (need_urls=False for a command that never connects: a url's unset variable is no error)."""
    from orch_core import api

    given = options(ctx)
    return api.load(given.config, env=given.env, need_urls=need_urls)


def start_logging(ctx: typer.Context, project: Project, stream: TextIO | None = None) -> None:
    """Configure logging once, at the start of a command that reads or moves databases, from
    the global options (--log-format, -v, -q) and the config's audit log."""
    from orch_core import api

    given = options(ctx)
    api.configure_logging(given.log_format, given.verbosity, project.config.audit_log, stream)


def database_names(project: Project, db: Sequence[str], all_dbs: bool) -> list[str]:
    """Return the names of the databases --db and --all-dbs address (all, with neither)."""
    return [database.name for database in project.select(db, all_dbs or not db)]
