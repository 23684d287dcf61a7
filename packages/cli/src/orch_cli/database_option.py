"""The --db option of the commands that touch databases, completed from the config's names."""

from __future__ import annotations

import os

import typer


def database_names(ctx: typer.Context, incomplete: str) -> list[str]:
    """Return the config's database names that start with what was typed (shell completion).

    Completion runs before the global options' callback: --config and --env are read from
    the root command's parsed values. No config, or a broken one, completes nothing."""
    given = ctx.find_root().params
    env = given.get("env") or os.environ.get("ORCH_ENV") or None
    try:
        from orch_core.config_loader import load_config

        databases = load_config(given.get("config"), env=env).databases
    except Exception:  # a shell asking for completions must never see a traceback
        return []
    return sorted(name for name in databases if name.startswith(incomplete))


DB = typer.Option(
    [], "--db", help="A database from the config (repeatable).", autocompletion=database_names
)
