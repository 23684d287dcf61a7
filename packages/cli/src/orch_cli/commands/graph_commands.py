"""Commands that only read the revision graph: heads, branches, history, show.

None of them touches a database, so none of them imports SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from orch_cli import output
from orch_cli.command import OrchCommand
from orch_cli.completion import target_names
from orch_cli.context import load_project
from orch_cli.errors import handled
from orch_core import api
from orch_graph.errors import BadTarget
from orch_graph.history import history as history_between
from orch_graph.scanner import read_docstring
from orch_graph.target import Target, parse_range
from orch_graph.targets import resolve_single

if TYPE_CHECKING:
    from orch_cli.documents import (
        BranchesDocument,
        HeadsDocument,
        RevisionDocument,
        RevisionsDocument,
    )
    from orch_graph.graph import RevisionGraph
    from orch_graph.revision import Revision

JSON = typer.Option(False, "--json", help="Print one JSON document.")
VERBOSE = typer.Option(False, "--verbose", "-v", help="Show each revision in full.")


def revision_document(revision: Revision) -> RevisionDocument:
    """Return a revision as the JSON interface shows it."""
    return {
        "revision": revision.revision,
        "down_revisions": list(revision.down_revisions),
        "branch_labels": list(revision.branch_labels),
        "depends_on": list(revision.depends_on),
        "message": revision.message,
        "path": str(revision.path) if revision.path else None,
        "service": revision.service,
    }


def _markers(graph: RevisionGraph, revision: Revision) -> list[str]:
    """Return Alembic's markers for where a revision stands: head, branchpoint, mergepoint."""
    rev = revision.revision
    marks = [
        ("(head)", graph.is_head(rev)),
        ("(branchpoint)", graph.is_branch_point(rev)),
        ("(mergepoint)", len(revision.down_revisions) > 1),
    ]
    return [mark for mark, applies in marks if applies]


def describe_line(graph: RevisionGraph, revision: Revision) -> str:
    """Return Alembic's one-line form: `down -> rev (labels) (head), message`."""
    down = ", ".join(revision.down_revisions) or "<base>"
    tags = [f"({', '.join(revision.branch_labels)})"] if revision.branch_labels else []
    head = " ".join([f"{down} -> {revision.revision}", *tags, *_markers(graph, revision)])
    return f"{head}, {revision.message}"


def verbose_block(graph: RevisionGraph, revision: Revision) -> str:
    """Return a revision in full, as Alembic's `show` and `history --verbose` print it."""
    rev = revision.revision
    down = ", ".join(revision.down_revisions) or "<base>"
    lines = [
        " ".join([f"Rev: {rev}", *_markers(graph, revision)]),
        f"{'Merges' if len(revision.down_revisions) > 1 else 'Parent'}: {down}",
    ]
    if revision.depends_on:
        lines.append(f"Also depends on: {', '.join(revision.depends_on)}")
    if graph.is_branch_point(rev):
        lines.append(f"Branches into: {', '.join(sorted(graph.children(rev)))}")
    if revision.branch_labels:
        lines.append(f"Branch names: {', '.join(revision.branch_labels)}")
    # The whole docstring, as Alembic prints it ("Revision ID:", "Revises:", "Create Date:").
    doc = read_docstring(revision.filename) if revision.filename else revision.message
    lines += [f"Path: {revision.path}", "", *(f"    {line}" for line in doc.splitlines()), ""]
    return "\n".join(lines)


def heads(ctx: typer.Context, as_json: bool = JSON, verbose: bool = VERBOSE) -> None:
    """Show the current heads of the revision graph."""
    with handled(as_json):
        project = load_project(ctx, need_urls=False)
        graph, found = project.graph, api.heads(project)
        if as_json:
            heads_found: HeadsDocument = {"heads": [revision_document(r) for r in found]}
            output.emit_json(heads_found)
            return
        for revision in found:
            labels = f" ({', '.join(revision.branch_labels)})" if revision.branch_labels else ""
            text = (
                verbose_block(graph, revision) if verbose else f"{revision.revision}{labels} (head)"
            )
            output.line(text)


def branches(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Show the branch points of the revision graph and the branches leaving them."""
    with handled(as_json):
        graph = load_project(ctx, need_urls=False).graph
        points = [graph.get(point) for point in graph.branch_points]
        if as_json:
            document: BranchesDocument = {
                "branch_points": [
                    {**revision_document(p), "children": sorted(graph.children(p.revision))}
                    for p in points
                ]
            }
            output.emit_json(document)
            return
        for point in points:
            output.line(describe_line(graph, point))
            for child in sorted(graph.children(point.revision)):
                output.line(
                    f"{' ' * len(point.revision)} -> {describe_line(graph, graph.get(child))}"
                )


def history(
    ctx: typer.Context,
    rev_range: str | None = typer.Option(
        None, "--rev-range", "-r", help="Only revisions in START:END (either side may be empty)."
    ),
    verbose: bool = VERBOSE,
    as_json: bool = JSON,
) -> None:
    """List revisions newest first."""
    with handled(as_json):
        graph = load_project(ctx, need_urls=False).graph
        lower, upper = _split_range(rev_range)
        revisions = history_between(graph, lower, upper)
        if as_json:
            listed: RevisionsDocument = {"revisions": [revision_document(r) for r in revisions]}
            output.emit_json(listed)
            return
        describe = verbose_block if verbose else describe_line
        output.lines(describe(graph, revision) for revision in revisions)


def _split_range(rev_range: str | None) -> tuple[Target | None, Target | None]:
    if not rev_range:
        return None, None
    if ":" not in rev_range:
        raise typer.BadParameter("expected START:END", param_hint="--rev-range")
    if "current" in rev_range.split(":"):
        # Alembic reads the one database it has; orch's history reads no database at all.
        raise typer.BadParameter(
            "'current' needs a database, and history reads none: see `orch current` for where "
            "each database is, then give that revision",
            param_hint="--rev-range",
        )
    span = parse_range(rev_range)
    if len(span.lower) > 1:
        raise BadTarget(rev_range, "history starts from one revision")
    return (span.lower[0] if span.lower else None), span.upper


def show(
    ctx: typer.Context,
    revisions: list[str] = typer.Argument(
        ..., help="Revisions (ids, partial ids, labels).", autocompletion=target_names
    ),
    as_json: bool = JSON,
) -> None:
    """Show revisions in full."""
    with handled(as_json):
        graph = load_project(ctx, need_urls=False).graph
        found = [graph.get(resolve_single(graph, name)) for name in revisions]
        if as_json:
            shown: RevisionsDocument = {"revisions": [revision_document(r) for r in found]}
            output.emit_json(shown)
            return
        for revision in found:
            output.line(verbose_block(graph, revision))


def register(app: typer.Typer) -> None:
    """Add these commands to the app."""
    for command in (heads, branches, history, show):
        app.command(cls=OrchCommand)(command)
