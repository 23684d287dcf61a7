"""An MkDocs hook that writes the reference pages from orch itself, so they cannot drift.

`reference/commands.md` is generated from the click command that typer builds from
`orch_cli.app`: every command's usage, help and options, as `orch COMMAND --help` knows them.
A page may also ask for the audit events with `<!-- orch:events -->`, and for every command's
`--json` schema (from orch_cli/schemas/, derived from the documents' types) with
`<!-- orch:json-schemas -->`.
"""

from __future__ import annotations

import inspect
import json

import click
import typer.main
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from orch_cli.app import app
from orch_cli.documents import DOCUMENTS
from orch_cli.json_schema import schema_file
from orch_core.audit.events import Event

COMMANDS_PAGE = "reference/commands.md"
EVENTS_MARK = "<!-- orch:events -->"
SCHEMAS_MARK = "<!-- orch:json-schemas -->"


def command_reference() -> str:
    """Return the Markdown reference of the orch command and every subcommand."""
    root = typer.main.get_command(app)
    context = click.Context(root, info_name="orch")
    parts = [
        "# Commands",
        "",
        "Generated from the `orch` command itself when the site is built: what "
        "`orch COMMAND --help` says, on one page.",
        "",
        "## Global options",
        "",
        "Given before the command, or after it (`orch upgrade -q`).",
        "",
        _block(root.get_usage(context)),
        *_options(root, context),
    ]
    assert isinstance(root, click.Group)
    for name in sorted(root.list_commands(context)):
        command = root.get_command(context, name)
        assert command is not None
        parts += _command(command, click.Context(command, info_name=name, parent=context))
    return "\n".join(parts) + "\n"


def _command(command: click.Command, context: click.Context) -> list[str]:
    """Return one command's section: heading, usage, help text, arguments and options."""
    return [
        f"## {context.info_name}",
        "",
        _block(command.get_usage(context)),
        inspect.cleandoc(command.help or ""),
        "",
        *_options(command, context),
    ]


def _options(command: click.Command, context: click.Context) -> list[str]:
    """Return a table of a command's arguments and options (--help left out)."""
    rows = []
    for param in command.get_params(context):
        record = param.get_help_record(context)
        if record is None or "--help" in param.opts:
            continue
        name, text = record
        if isinstance(param, click.Argument):
            text = " ".join(filter(None, [getattr(param, "help", None), text]))
        rows.append(f"| `{name}` | {_cell(text)} |")
    if not rows:
        return []
    return ["| argument or option | meaning |", "|---|---|", *rows, ""]


def event_reference() -> str:
    """Return the audit events as a Markdown list, in the order of orch's closed list."""
    return "\n".join(f"- `{event.value}`" for event in Event)


def schema_reference() -> str:
    """Return a section per `--json` document: what prints it, its keys, its JSON Schema."""
    parts = []
    for command in DOCUMENTS:
        schema = json.loads(schema_file(command).read_text(encoding="utf-8"))
        title = "The error document" if command == "error" else f"`orch {command} --json`"
        keys = ", ".join(f"`{key}`" for key in schema["properties"])
        parts += [
            f"### {title}",
            "",
            schema["description"],
            "",
            f"Top-level keys: {keys}. Schema: `orch_cli/schemas/{schema_file(command).name}`.",
            "",
            '??? note "JSON Schema"',
            "",
            "    ```json",
            *(f"    {line}" for line in json.dumps(schema, indent=2).splitlines()),
            "    ```",
            "",
        ]
    return "\n".join(parts)


def _block(text: str) -> str:
    return f"```text\n{text.strip()}\n```\n"


def _cell(text: str) -> str:
    """Return text fit for a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the generated command reference to the site."""
    files.append(File.generated(config, COMMANDS_PAGE, content=command_reference()))
    return files


def on_page_markdown(markdown: str, page: Page, **_: object) -> str:
    """Fill a page's `<!-- orch:... -->` marks; an unknown mark fails the build."""
    markdown = markdown.replace(EVENTS_MARK, event_reference())
    if SCHEMAS_MARK in markdown:
        markdown = markdown.replace(SCHEMAS_MARK, schema_reference())
    if "<!-- orch:" in markdown:
        raise PluginError(f"{page.file.src_uri}: unknown <!-- orch:... --> mark")
    return markdown
