"""No flag is silently ignored: every command x option is honoured or refused by name, exit 2.

The app is walked as click sees it, so a new command or option that flags.py does not declare
fails here, and so does a declared refusal that lets the command run.
"""

from __future__ import annotations

import json

import click
import pytest
import typer

from orch_cli.app import app
from orch_cli.flags import COMMANDS, GLOBAL_OPTIONS, Excludes, Needs, option_name
from tests.cli.conftest import Invoke

ROOT = typer.main.get_group(app)
# Options of the root that say where or how to print, not what a command does.
NOT_COMMAND_FLAGS = {"version", "install_completion", "show_completion", "help"}
# Values the options check in their own callbacks, before the command runs.
SAMPLES = {"log_format": "json", "output_path": "x.mmd"}


def _sample(param: click.Parameter) -> list[str]:
    """Return the option as typed with a value its type accepts (flags take none)."""
    assert isinstance(param, click.Option)
    flag = max(param.opts, key=len)
    if param.is_flag or param.count:
        return [flag]
    if isinstance(param.type, click.Choice):
        return [flag, str(param.type.choices[0])]
    if isinstance(param.type, click.types._NumberParamTypeBase):
        return [flag, "1"]
    return [flag, SAMPLES.get(str(param.name), "x")]


def _arguments(command: click.Command) -> list[str]:
    """Return a value for each required argument (never reached: refusals come first)."""
    return ["x" for p in command.params if isinstance(p, click.Argument) and p.required]


def _cases() -> list[tuple[str, Excludes | Needs]]:
    return [(name, rule) for name, flags in COMMANDS.items() for rule in flags.rules]


def _refused_globals() -> list[tuple[str, str]]:
    return [
        (name, option)
        for name, flags in COMMANDS.items()
        for option in sorted(GLOBAL_OPTIONS - flags.honours)
    ]


def test_every_command_is_declared() -> None:
    assert set(ROOT.commands) == set(COMMANDS)


def test_every_global_option_is_declared() -> None:
    declared = {p.name for p in ROOT.params} - NOT_COMMAND_FLAGS
    assert declared == GLOBAL_OPTIONS


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_rule_names_options_the_command_has(name: str) -> None:
    options = {p.name for p in ROOT.commands[name].params}
    for rule in COMMANDS[name].rules:
        assert {rule.option, rule.other} <= options, rule


@pytest.mark.parametrize(("name", "option"), _refused_globals())
def test_a_global_option_the_command_cannot_honour_is_refused(
    orch: Invoke, name: str, option: str
) -> None:
    command = ROOT.commands[name]
    param = next(p for p in ROOT.params if p.name == option)
    own = {opt for p in command.params for opt in p.opts}
    for where in ("before", "after"):
        given = _sample(param)
        if where == "after" and given[0] in own:
            continue  # `orch heads -v` is the command's own --verbose
        args = (
            [*given, name, *_arguments(command)]
            if where == "before"
            else [name, *_arguments(command), *given]
        )
        result = orch(*args)
        assert result.exit_code == 2, (args, result.output)
        assert f"orch {name} cannot honour {option_name(ROOT, option)}" in result.stderr
        assert "Traceback" not in result.output


@pytest.mark.parametrize(("name", "rule"), _cases(), ids=lambda v: getattr(v, "option", v))
def test_an_option_that_would_be_ignored_is_refused(
    orch: Invoke, name: str, rule: Excludes | Needs
) -> None:
    command = ROOT.commands[name]
    params = {p.name: p for p in command.params}
    given = _sample(params[rule.option])
    if isinstance(rule, Excludes):
        given += _sample(params[rule.other])
    result = orch(name, *_arguments(command), *given)
    assert result.exit_code == 2, (given, result.output)
    flag, other = option_name(command, rule.option), option_name(command, rule.other)
    shown = json.loads(result.stdout)["error"]["message"] if "--json" in given else result.stderr
    assert f"{flag} cannot be honoured" in shown
    assert other in shown
    assert rule.reason in shown


def test_a_refusal_under_json_is_the_error_document(orch: Invoke) -> None:
    result = orch("heads", "--json", "--verbose")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["code"] == "flag_not_honoured"


def test_orch_env_from_the_environment_is_no_flag(orch: Invoke) -> None:
    # ORCH_ENV is set for a whole shell or job; only what the command line says is refused.
    result = orch("init", ".", "--service", "shop", env={"ORCH_ENV": "staging"})
    assert result.exit_code == 0, result.output
