"""Which options each command honours: one table, and the check that refuses the rest.

A flag a command cannot honour is refused by name with exit 2 before the command runs, never
silently ignored (OrchCommand, in command.py, asks `refusal`). Every command states which
global options it honours and how its own options combine; tests/cli/test_flags.py walks the
app and fails on an option this table does not name.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

import click
from click.core import ParameterSource

from orch_cli.errors import EXIT_BAD_INPUT, CliError

# The root's options that change what a command does, by parameter name.
PROJECT = frozenset({"config", "env"})  # where the project is: commands that load one
LOGGING = frozenset({"log_format", "verbose", "quiet"})  # commands that configure logging
GLOBAL_OPTIONS = PROJECT | LOGGING


# Named tuples, not frozen dataclasses: this table is built at the start of every command
# (`heads` included), and defining a frozen dataclass costs six times what a named tuple does.


class Excludes(NamedTuple):
    """Two options that cannot be given together: what the first asks, the second voids."""

    option: str
    other: str
    reason: str


class Needs(NamedTuple):
    """An option that means something only with another one."""

    option: str
    other: str
    reason: str


class CommandFlags(NamedTuple):
    """The global options a command honours, and how its own options combine."""

    honours: frozenset[str]
    rules: tuple[Excludes | Needs, ...] = ()


_BOTH_SELECTIONS = Excludes("db", "all_dbs", "--all-dbs selects every database already")
_NOTHING_RUNS = "prints SQL and runs nothing, so no run goes on, stops or waits"
_ONLY_PLANS = "prints the plans and runs nothing, so no run goes on, stops or runs a script"
_MOVE_RULES = (
    _BOTH_SELECTIONS,
    Excludes("dry_run", "sql", "--sql already runs nothing; give one of them"),
    *(Excludes(name, "sql", f"--sql {_NOTHING_RUNS}") for name in ("keep_going", "canary")),
    Excludes("max_failures", "sql", f"--sql {_NOTHING_RUNS}"),
    *(Excludes(name, "dry_run", f"--dry-run {_ONLY_PLANS}") for name in ("keep_going", "canary")),
    Excludes("max_failures", "dry_run", f"--dry-run {_ONLY_PLANS}"),
    Excludes("x_arg", "dry_run", f"--dry-run {_ONLY_PLANS}"),
    Excludes("resume", "sql", "--resume runs a half-done step on the database; --sql runs nothing"),
    Excludes("resume", "dry_run", "--resume runs a half-done step; --dry-run only plans"),
)
_WITH_DEPS_RULES = (
    Excludes("with_deps", "sql", "--sql writes the SQL of the named databases only"),
    Excludes("with_deps", "dry_run", "--dry-run plans the named databases only"),
)
_FULL_JSON = Excludes("verbose", "as_json", "--json prints every field of each revision already")

COMMANDS: Mapping[str, CommandFlags] = MappingProxyType(
    {
        "heads": CommandFlags(PROJECT, (_FULL_JSON,)),
        "branches": CommandFlags(PROJECT),
        "history": CommandFlags(PROJECT, (_FULL_JSON,)),
        "show": CommandFlags(PROJECT),
        "current": CommandFlags(GLOBAL_OPTIONS, (_BOTH_SELECTIONS,)),
        "status": CommandFlags(GLOBAL_OPTIONS, (_BOTH_SELECTIONS,)),
        "verify": CommandFlags(GLOBAL_OPTIONS, (_BOTH_SELECTIONS,)),
        "check": CommandFlags(GLOBAL_OPTIONS, (_BOTH_SELECTIONS,)),
        "upgrade": CommandFlags(GLOBAL_OPTIONS, (*_MOVE_RULES, *_WITH_DEPS_RULES)),
        "downgrade": CommandFlags(GLOBAL_OPTIONS, _MOVE_RULES),
        "stamp": CommandFlags(GLOBAL_OPTIONS, (_BOTH_SELECTIONS,)),
        # init writes a new project where it is told: no config to find or overlay yet.
        "init": CommandFlags(frozenset()),
        "revision": CommandFlags(
            GLOBAL_OPTIONS,
            (
                Needs("db", "autogenerate", "only --autogenerate compares with a database"),
                Needs("allow_empty", "autogenerate", "only --autogenerate can find nothing"),
                Needs("splice", "head", "--splice lets --head name a revision that is no head"),
            ),
        ),
        "merge": CommandFlags(PROJECT),
        "graph": CommandFlags(
            GLOBAL_OPTIONS,
            (
                _BOTH_SELECTIONS,
                Excludes("output_format", "as_json", "--json prints data, not a drawing"),
                Excludes("output_path", "as_json", "--json prints data on stdout, not a drawing"),
            ),
        ),
    }
)

_WHY_NOT: Mapping[str, str] = MappingProxyType(
    {
        "config": "it writes a new project in the directory it is given; it reads no config",
        "env": "it writes a new project; it reads no config to overlay",
        "log_format": "it writes no log events",
        "verbose": "it writes no log events (its own output is all there is)",
        "quiet": "it writes no log events (its own output is all there is)",
    }
)


def option_name(command: click.Command, name: str) -> str:
    """Return how an option is written on the command line (`as_json` -> `--json`)."""
    for param in command.params:
        if param.name == name and isinstance(param, click.Option):
            return max(param.opts, key=len)
    return name


def refusal(ctx: click.Context) -> CliError | None:
    """Return why a flag given to this command cannot be honoured, or None if all can be."""
    assert ctx.command.name is not None
    flags = COMMANDS[ctx.command.name]
    root = ctx.find_root()
    for name in sorted(GLOBAL_OPTIONS - flags.honours):
        if _given(root, name):
            flag = option_name(root.command, name)
            reason = f"orch {ctx.command.name} cannot honour {flag}: {_WHY_NOT[name]}"
            return CliError("flag_not_honoured", reason, f"drop {flag}", EXIT_BAD_INPUT)
    for rule in flags.rules:
        wanted, other = _given(ctx, rule.option), _given(ctx, rule.other)
        if wanted and (other if isinstance(rule, Excludes) else not other):
            flag = option_name(ctx.command, rule.option)
            other_flag = option_name(ctx.command, rule.other)
            joined = "with" if isinstance(rule, Excludes) else "without"
            message = f"{flag} cannot be honoured {joined} {other_flag}: {rule.reason}"
            return CliError("flag_not_honoured", message, f"drop {flag}", EXIT_BAD_INPUT)
    return None


def _given(ctx: click.Context, name: str) -> bool:
    """Return whether the option was given on the command line (not a default or $VAR)."""
    return ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE and bool(
        ctx.params.get(name)
    )
