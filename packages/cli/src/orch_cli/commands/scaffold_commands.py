"""Commands that write files: init, revision, merge."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, cast

import typer

from orch_cli import output
from orch_cli.command import OrchCommand
from orch_cli.commands.graph_commands import revision_document
from orch_cli.context import load_project, start_logging
from orch_cli.errors import EXIT_BAD_INPUT, CliError, handled, report
from orch_graph.revision import Revision
from orch_graph.scanner import read_header
from orch_graph.targets import resolve_single

if TYPE_CHECKING:
    from orch_cli.documents import (
        AdoptionDocument,
        ChangeDocument,
        InitDocument,
        MergeDocument,
        NewRevisionDocument,
        NoteDocument,
        RevisionDocument,
    )
    from orch_core.adopt.from_alembic import Adoption, Note

JSON = typer.Option(False, "--json", help="Print one JSON document: what was written.")

_CONFIG = """[orch]
audit_log = ".orch/audit.jsonl"
concurrency = 8

[services.{service}]
scripts = "{scripts}"

[databases.{service}]
url = "sqlite:///.orch/{service}.db"
services = ["{service}"]
"""

_LOCAL_ENV = """# Embedded default: SQLite files under .orch/
[databases.{service}]
url = "sqlite:///.orch/{service}.db"
"""


def _fail(message: str, hint: str, as_json: bool) -> None:
    report(CliError("bad_input", message, hint, EXIT_BAD_INPUT), as_json)
    raise typer.Exit(EXIT_BAD_INPUT)


def _written(path: Path, services: Mapping[str, Path]) -> RevisionDocument:
    """Return the revision a script just written declares, read back from its file."""
    header = read_header(path)
    folder = path.resolve().parent
    service = next(
        (name for name, scripts in services.items() if folder.is_relative_to(scripts.resolve())),
        None,
    )
    revision = Revision(
        header["revision"],
        tuple(header["down_revision"]),
        tuple(header["branch_labels"]),
        tuple(header["depends_on"]),
        header["message"],
        str(path),
        service,
    )
    return revision_document(revision)


def init(
    directory: Path = typer.Argument(
        Path(), help="Where to create the project (with --from-alembic: its alembic.ini)."
    ),
    service: str = typer.Option("app", "--service", help="The first service's name."),
    from_alembic: bool = typer.Option(
        False,
        "--from-alembic",
        help="Write orch.toml for the Alembic project of this alembic.ini, as it is.",
    ),
    as_json: bool = JSON,
) -> None:
    """Create orch.toml, envs/local.toml and a first service with its labelled base; with
    --from-alembic, write orch.toml for an existing Alembic project instead."""
    if from_alembic:
        _init_from_alembic(directory, service, as_json)
        return
    config = directory / "orch.toml"
    if config.exists():
        _fail(f"{config} already exists", "edit it, or init another directory", as_json)
    scripts = f"services/{service}/migrations"
    directory.mkdir(parents=True, exist_ok=True)
    config.write_text(_CONFIG.format(service=service, scripts=scripts), encoding="utf-8")
    (directory / "envs").mkdir(exist_ok=True)
    (directory / "envs" / "local.toml").write_text(_LOCAL_ENV.format(service=service), "utf-8")
    from orch_core.autogenerate.script_writer import NewScript, write_script

    base = write_script(
        NewScript(directory / scripts, f"create {service}", (), branch_labels=(service,))
    )
    created = [config, directory / "envs" / "local.toml", base]
    if as_json:
        document: InitDocument = {
            "created": [str(path) for path in created],
            "service": service,
            "revision": _written(base, {service: directory / scripts}),
        }
        output.emit_json(document)
        return
    output.line(f"created {config}")
    output.line(f"created {base}")


def _init_from_alembic(path: Path, service: str, as_json: bool) -> None:
    """Write orch.toml next to alembic.ini and say what could not be carried over."""
    from orch_core.adopt import adopt_alembic

    ini = path / "alembic.ini" if path.is_dir() else path
    with handled(as_json):
        adoption = adopt_alembic(ini, service)
    if adoption.path.exists():
        hint = "move it away to write it again from alembic.ini"
        _fail(f"{adoption.path} already exists", hint, as_json)
    adoption.path.write_text(adoption.text, encoding="utf-8")
    if as_json:
        output.emit_json(_adoption_document(adoption))
        return
    output.line(f"created {adoption.path}")
    for note in adoption.carried:
        output.line(f"  carried over: {note.source}: {note.setting}: {note.detail}")
    for note in adoption.not_carried:
        output.line(f"  not carried over: {note.source}: {note.setting}: {note.detail}")
    if adoption.variables:
        output.line(f"set {', '.join(adoption.variables)} before connecting")


def _adoption_document(adoption: Adoption) -> AdoptionDocument:
    def notes(found: tuple[Note, ...]) -> list[NoteDocument]:
        return [{"source": n.source, "setting": n.setting, "detail": n.detail} for n in found]

    return {
        "created": [str(adoption.path)],
        "carried": notes(adoption.carried),
        "not_carried": notes(adoption.not_carried),
        "variables": list(adoption.variables),
    }


def revision(
    ctx: typer.Context,
    message: str = typer.Option("", "--message", "-m", help="What the revision does."),
    service: str | None = typer.Option(None, "--service", help="The service it belongs to."),
    head: str | None = typer.Option(
        None,
        "--head",
        help="Build on this revision, or on `heads` (all of the service's); default: its head.",
    ),
    splice: bool = typer.Option(False, "--splice", help="Allow --head to name a non-head."),
    depends_on: list[str] = typer.Option([], "--depends-on", help="Revisions it depends on."),
    rev_id: str | None = typer.Option(None, "--rev-id", help="Use this revision id."),
    branch_label: list[str] = typer.Option([], "--branch-label", help="Labels for it."),
    autogenerate: bool = typer.Option(
        False, "--autogenerate", help="Fill it in from the difference between models and database."
    ),
    db: str | None = typer.Option(
        None, "--db", help="The database to compare with (autogenerate); default: the service's."
    ),
    allow_empty: bool = typer.Option(
        False,
        "--allow-empty",
        help="With --autogenerate, write the script even if nothing differs.",
    ),
    as_json: bool = JSON,
) -> None:
    """Create a new revision script and print its path."""
    from orch_core import api

    with handled(as_json):
        project = load_project(ctx)
        start_logging(ctx, project)
        result = api.revision(
            project,
            message,
            service=service,
            head=head,
            splice=splice,
            depends_on=depends_on,
            rev_id=rev_id,
            branch_labels=branch_label,
            autogenerate=autogenerate,
            database=db,
            allow_empty=allow_empty,
        )
    if as_json:
        services = {name: s.scripts for name, s in project.config.services.items()}
        document: NewRevisionDocument = {
            "revision": None if result.path is None else _written(result.path, services),
            # Change.report() names only the fields that apply: the schema's optional keys.
            "changes": [cast("ChangeDocument", change.report()) for change in result.changes],
        }
        output.emit_json(document)
        return
    if result.path is None:
        output.line("no changes detected: the database matches the models; nothing written")
        return
    for change in result.changes:
        output.line(f"detected {change.describe()}")
    output.line(str(result.path))


def merge(
    ctx: typer.Context,
    revisions: list[str] = typer.Argument(..., help="The heads to merge, or `heads`."),
    message: str = typer.Option("merge", "--message", "-m", help="What the merge does."),
    rev_id: str | None = typer.Option(None, "--rev-id", help="Use this revision id."),
    as_json: bool = JSON,
) -> None:
    """Create a merge revision whose parents are the given revisions."""
    from orch_core.autogenerate.script_writer import NewScript, ScriptNaming, write_script

    with handled(as_json):
        project = load_project(ctx)
        graph = project.graph
        parents = (
            tuple(graph.heads)
            if revisions == ["heads"]
            else tuple(resolve_single(graph, r) for r in revisions)
        )
        if len(parents) < 2:
            _fail("a merge needs at least two revisions", "name two or more heads", as_json)
        first = graph.get(parents[0])
        if first.service is not None:
            folder = project.config.services[first.service].scripts
        else:
            assert first.path is not None  # scanned revisions always have their file
            folder = first.path.parent
        naming = ScriptNaming(project.config.file_template, project.config.truncate_slug_length)
        script = NewScript(folder, message, parents, revision=rev_id)
        written = write_script(script, naming)
    if as_json:
        services = {name: s.scripts for name, s in project.config.services.items()}
        document: MergeDocument = {"revision": _written(written, services)}
        output.emit_json(document)
        return
    output.line(str(written))


def register(app: typer.Typer) -> None:
    """Add these commands to the app."""
    app.command(cls=OrchCommand)(init)
    app.command(cls=OrchCommand)(revision)
    app.command(cls=OrchCommand)(merge)
