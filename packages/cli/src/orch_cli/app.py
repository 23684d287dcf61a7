"""The root of the orch command: global options, then one module per group of commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
import typer
from typer.core import TyperGroup

from orch_cli import __version__
from orch_cli.commands import (
    graph_commands,
    migrate_commands,
    picture_commands,
    scaffold_commands,
    state_commands,
)
from orch_cli.options import GlobalOptions


class OrchGroup(TyperGroup):
    """The root group: global options are read after the command name too (`orch upgrade -q`).

    An option the command itself declares (`history --verbose`) stays the command's.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Move global options that follow the command name in front of it, then parse."""
        return super().parse_args(ctx, self._hoist_globals(ctx, args))

    def _hoist_globals(self, ctx: click.Context, args: list[str]) -> list[str]:
        at = self._command_index(ctx, args)
        if at is None:
            return args
        command = self.commands[args[at]]
        own = {
            name for param in command.get_params(ctx) for name in param.opts + param.secondary_opts
        }
        hoisted: list[str] = []
        rest: list[str] = []
        tail = iter(args[at + 1 :])
        for token in tail:
            if token == "--":
                rest += [token, *tail]
                break
            option = self._global_option(ctx, token.split("=", 1)[0])
            if option is None or token.split("=", 1)[0] in own:
                rest.append(token)
                continue
            if "=" in token or option.is_flag or option.count:
                hoisted.append(token)
                continue
            value = next(tail, None)
            if value is None:  # left where it is, the command refuses it by name
                rest.append(token)
                break
            hoisted += [token, value]
        return [*args[:at], *hoisted, args[at], *rest]

    def _command_index(self, ctx: click.Context, args: list[str]) -> int | None:
        """Return where the command name stands in args, skipping the root's own options."""
        index = 0
        while index < len(args):
            token = args[index]
            if token in self.commands:
                return index
            option = self._global_option(ctx, token.split("=", 1)[0])
            if option is None and not token.startswith("-"):
                return None
            takes_value = option is not None and not option.is_flag and not option.count
            index += 2 if takes_value and "=" not in token else 1
        return None

    def _global_option(self, ctx: click.Context, name: str) -> click.Option | None:
        """Return the root option called name (`-vv` counts as `-v`), or None."""
        if len(name) > 2 and name[0] == "-" and name[1] != "-" and len(set(name[1:])) == 1:
            name = name[:2]
        for param in self.get_params(ctx):
            if isinstance(param, click.Option) and name in param.opts + param.secondary_opts:
                return param
        return None


app = typer.Typer(
    name="orch",
    cls=OrchGroup,
    help="Schema migrations for many databases from one repository.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(version_text())
        raise typer.Exit


def version_text() -> str:
    """Return orch's version and the version of each of its packages, as installed."""
    from importlib.metadata import PackageNotFoundError, version

    lines = [f"orch {__version__}"]
    for package in ("orch-cli", "orch-core", "orch-graph"):
        try:
            lines.append(f"  {package} {version(package)}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            lines.append(f"  {package} (not installed)")
    return "\n".join(lines)


@app.callback()
def root(
    ctx: typer.Context,
    config: Path | None = typer.Option(
        None, "--config", "-c", help="The orch.toml (default: found from here upward)."
    ),
    env: str | None = typer.Option(
        None, "--env", "-e", help="Overlay envs/NAME.toml (default: $ORCH_ENV)."
    ),
    log_format: str = typer.Option("console", "--log-format", help="console or json."),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More detail."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only warnings and errors."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Schema migrations for many databases from one repository."""
    if log_format not in {"console", "json"}:
        raise typer.BadParameter("must be console or json", param_hint="--log-format")
    ctx.obj = GlobalOptions(
        config=config,
        env=env or os.environ.get("ORCH_ENV") or None,
        log_format="json" if log_format == "json" else "console",
        verbosity=-1 if quiet else verbose,
    )


for module in (graph_commands, state_commands, migrate_commands, scaffold_commands):
    module.register(app)
picture_commands.register(app)


def main() -> None:
    """Run the orch command, then end the process without tearing the interpreter down.

    Freeing every object one by one at exit costs a warm `heads` of 10,000 revisions a tenth
    of its time, and nothing orch holds needs it: audit events are flushed as they are
    written, and each run has closed its connections before the command returns.
    """
    try:
        app()
        code: object = 0
    except SystemExit as stop:
        code = stop.code
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`orch history | head`)
            code = code or 1
    os._exit(code or 0)
