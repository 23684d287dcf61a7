"""Print command results: a JSON document, a rich table on a terminal, plain lines otherwise."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import typer


def emit_json(document: dict[str, Any]) -> None:
    """Print one JSON document on stdout, and nothing else there."""
    typer.echo(json.dumps(document, indent=2, default=str))


def line(text: str = "") -> None:
    """Print one line of human output."""
    typer.echo(text)


def lines(texts: Iterable[str]) -> None:
    """Print many lines of human output at once (history of 10,000 revisions: one write)."""
    text = "\n".join(texts)
    if text:
        typer.echo(text)


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print rows as a table: rich on a terminal, tab-separated plain text otherwise."""
    if not sys.stdout.isatty():
        typer.echo("\t".join(columns))
        for row in rows:
            typer.echo("\t".join(str(cell) for cell in row))
        return
    from rich.console import Console
    from rich.table import Table

    grid = Table(title=title)
    for column in columns:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*(str(cell) for cell in row))
    Console().print(grid)
