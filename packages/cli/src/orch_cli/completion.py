"""What the shell completes from the project itself: database names and targets.

Completion runs before the global options' callback, so --config and --env are read from the
root command's parsed values. No config, or a broken one, completes nothing: a shell asking
for completions must never see a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import typer


def database_names(ctx: typer.Context, incomplete: str) -> list[str]:
    """Return the config's database and fleet names that start with what was typed, and a
    fleet's inline instances (`tenants:acme`); a file or catalog of instances is not read."""
    try:
        from orch_core.config.loader import load_config

        config, env = _given(ctx)
        loaded = load_config(config, env=env, need_urls=False)
    except Exception:  # see the module's docstring
        return []
    names = [*loaded.databases, *loaded.fleets]
    for name, fleet in loaded.fleets.items():
        names += [f"{name}:{instance}" for instance in fleet.instances.names or ()]
    return _starting(names, incomplete)


def target_names(ctx: typer.Context, incomplete: str) -> list[str]:
    """Return the targets that start with what was typed: heads, head, base, each branch
    label with @head and @base, and every revision id."""
    try:
        from orch_core.project import Project

        config, env = _given(ctx)
        graph = Project.load(config, env=env).graph
    except Exception:  # see the module's docstring
        return []
    labels = sorted({label for r in graph.revisions for label in r.branch_labels})
    names = ["heads", "head", "base"]
    names += [f"{label}{suffix}" for label in labels for suffix in ("@head", "@base")]
    names += [r.revision for r in graph.revisions]
    return _starting(names, incomplete)


def _given(ctx: typer.Context) -> tuple[Path | None, str | None]:
    given = ctx.find_root().params
    return given.get("config"), given.get("env") or os.environ.get("ORCH_ENV") or None


def _starting(names: Iterable[str], incomplete: str) -> list[str]:
    return [name for name in names if name.startswith(incomplete)]


DB = typer.Option(
    [],
    "--db",
    help="A database, a fleet or a fleet's instances (tenants:acme*) from the config (repeatable).",
    autocompletion=database_names,
)
