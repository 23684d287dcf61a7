"""The generated reference pages say what the orch command and its events are today."""

from __future__ import annotations

import re

import click
import typer.main

from docs.hooks.reference import command_reference, event_reference, schema_reference
from orch_cli.app import app
from orch_cli.documents import DOCUMENTS
from orch_cli.json_schema import schema_file
from orch_core.audit.events import Event


def test_every_command_has_its_usage_help_and_options() -> None:
    page = command_reference()
    root = typer.main.get_command(app)
    assert isinstance(root, click.Group)
    context = click.Context(root, info_name="orch")
    names = root.list_commands(context)
    assert {"upgrade", "status", "graph", "history"} <= set(names)
    for name in names:
        command = root.get_command(context, name)
        assert command is not None
        section = page.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
        assert f"Usage: orch {name} " in section
        assert (command.help or "").splitlines()[0] in section
        for param in command.params:
            for option in param.opts:
                if option.startswith("-"):
                    assert f"`{option}" in section or f", {option}" in section, (name, option)


def test_global_options_come_first() -> None:
    page = command_reference()
    globals_section = page.split("## Global options", 1)[1].split("\n## ", 1)[0]
    for option in ("--config", "--env", "--log-format", "--verbose", "--quiet", "--version"):
        assert option in globals_section


def test_table_cells_keep_a_pipe_from_breaking_the_row() -> None:
    # A pipe inside a code span stays in its cell (`--install-completion [bash|zsh|...]`).
    page = command_reference()
    rows = [line for line in page.splitlines() if line.startswith("| `")]
    assert rows
    for row in rows:
        outside_code = re.sub(r"`[^`]*`", "", row.replace("\\|", ""))
        assert outside_code.count("|") == 3, row


def test_event_list_is_orchs_closed_list() -> None:
    listed = event_reference().splitlines()
    assert listed == [f"- `{event.value}`" for event in Event]
    assert "- `migration.applied`" in listed


def test_json_page_has_every_commands_schema() -> None:
    page = schema_reference()
    for command in DOCUMENTS:
        title = "The error document" if command == "error" else f"`orch {command} --json`"
        assert f"### {title}\n" in page
        assert f"orch_cli/schemas/{schema_file(command).name}" in page
    assert page.count('"$schema": "https://json-schema.org/draft/2020-12/schema"') == len(DOCUMENTS)
