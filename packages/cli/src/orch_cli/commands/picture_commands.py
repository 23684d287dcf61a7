"""`orch graph`: the revision graph, or the order between databases, as a picture.

Drawing reads no database; only `--db`/`--all-dbs` on the revision graph connects, to mark
where each database is. SVG and PNG come from Graphviz's `dot`, run as a program.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from orch_cli import output
from orch_cli.command import OrchCommand
from orch_cli.completion import DB
from orch_cli.context import load_project, start_logging
from orch_cli.errors import EXIT_BAD_INPUT, EXIT_FAILED, CliError, handled, report

if TYPE_CHECKING:
    from orch_cli.documents import PictureDocument
    from orch_core.project import Project
    from orch_graph.picture import Picture


class Format(StrEnum):
    """The languages and image formats `orch graph` writes."""

    MERMAID = "mermaid"
    DOT = "dot"
    SVG = "svg"
    PNG = "png"


_SUFFIXES = {
    ".mmd": Format.MERMAID,
    ".mermaid": Format.MERMAID,
    ".dot": Format.DOT,
    ".gv": Format.DOT,
    ".svg": Format.SVG,
    ".png": Format.PNG,
}


def graph(
    ctx: typer.Context,
    output_format: Format | None = typer.Option(
        None,
        "--format",
        "-f",
        help="mermaid, dot, svg or png (default: from the -o file's suffix, else mermaid).",
    ),
    output_path: Path | None = typer.Option(
        None, "--output", "-o", help="Write to this file (.mmd, .dot, .gv, .svg, .png)."
    ),
    order: bool = typer.Option(
        False,
        "--order",
        help="Draw the databases and what orders them (after, cross-database depends_on).",
    ),
    db: list[str] = DB,
    all_dbs: bool = typer.Option(
        False, "--all-dbs", help="Mark where every database is (with --order: draw every one)."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the picture's boxes and arrows as one JSON document."
    ),
) -> None:
    """Draw the revision graph (a lane per service) or, with --order, the databases' order.

    --db/--all-dbs mark where each database is, which reads its version table; with --order
    they choose the databases drawn (all of them by default).
    """
    with handled(as_json):
        chosen = output_format or _format_of(output_path)
        project = load_project(ctx)
        start_logging(ctx, project)
        picture = _order(project, db) if order else _revisions(project, db, all_dbs)
        if as_json:
            output.emit_json(_picture_document(picture))
            return
        _write(_render(picture, chosen), output_path)


def _picture_document(picture: Picture) -> PictureDocument:
    """Return the boxes and arrows that every drawing of the picture shows."""
    return {
        "nodes": [
            {"id": n.id, "lines": list(n.lines), "kind": n.kind.value, "lane": n.lane}
            for n in picture.nodes
        ],
        "edges": [
            {"source": e.source, "target": e.target, "kind": e.kind.value, "label": e.label}
            for e in picture.edges
        ],
    }


def _format_of(path: Path | None) -> Format:
    """Return the format a file name asks for; no file means Mermaid on stdout."""
    if path is None:
        return Format.MERMAID
    found = _SUFFIXES.get(path.suffix.lower())
    if found is None:
        known = ", ".join(_SUFFIXES)
        raise typer.BadParameter(
            f"cannot tell the format from {path.name!r} (known suffixes: {known}); give --format",
            param_hint="--output",
        )
    return found


def _revisions(project: Project, db: list[str], all_dbs: bool) -> Picture:
    """Return the revision graph, with where each chosen database is if any was chosen."""
    from orch_graph.picture import revision_picture

    locations = {}
    if db or all_dbs:
        from orch_core.runtime.runner import DatabaseRunner

        for database in project.select(db, all_dbs):
            runner = DatabaseRunner(database, project.view(database))
            try:
                locations[database.name] = runner.current()
            finally:
                runner.dispose()
    return revision_picture(project.graph, locations)


def _order(project: Project, db: list[str]) -> Picture:
    """Return the chosen databases (all by default) and the edges that order them."""
    from orch_graph.picture import DatabaseEntry, order_picture

    chosen = [project.database(name) for name in db] or project.config.databases.values()
    entries = [DatabaseEntry(d.name, d.services, d.after) for d in chosen]
    return order_picture(project.graph, entries)


def _render(picture: Picture, chosen: Format) -> bytes:
    """Return the picture in the chosen format; images are drawn by Graphviz's `dot`."""
    from orch_graph.picture import to_dot, to_mermaid

    if chosen is Format.MERMAID:
        return to_mermaid(picture).encode()
    if chosen is Format.DOT:
        return to_dot(picture).encode()
    program = shutil.which("dot")
    if program is None:
        _stop(
            CliError(
                "graphviz_missing",
                f"drawing {chosen.value.upper()} needs Graphviz's `dot` program, "
                "which is not on PATH",
                "install Graphviz (apt-get install graphviz, brew install graphviz), "
                "or write the text with --format dot or --format mermaid",
                EXIT_BAD_INPUT,
            )
        )
    done = subprocess.run(
        [program, f"-T{chosen.value}"],
        input=to_dot(picture).encode(),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip() or f"exit {done.returncode}"
        _stop(
            CliError(
                "graphviz_failed", f"dot failed: {reason}", "this is a bug in orch", EXIT_FAILED
            )
        )
    return done.stdout


def _stop(error: CliError) -> NoReturn:
    """Tell the user what went wrong and end the command with its exit code."""
    report(error, as_json=False)
    raise typer.Exit(error.exit_code)


def _write(content: bytes, path: Path | None) -> None:
    """Write content to path, or to stdout."""
    if path is None:
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        return
    path.write_bytes(content)


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command(cls=OrchCommand)(graph)
