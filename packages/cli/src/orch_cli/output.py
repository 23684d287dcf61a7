"""Print command results: a JSON document, an aligned table on a terminal, plain lines otherwise.

Everything printed here has its passwords masked: a URL, a note quoting a script's error, SQL.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence

import typer

from orch_core.urls import mask_passwords


def emit_json(document: Mapping[str, object]) -> None:
    """Print one JSON document (a shape of documents.py) on stdout, and nothing else there."""
    typer.echo(mask_passwords(json.dumps(document, indent=2, default=str)))


def line(text: str = "") -> None:
    """Print one line of human output."""
    typer.echo(mask_passwords(text))


def lines(texts: Iterable[str]) -> None:
    """Print many lines of human output at once (history of 10,000 revisions: one write)."""
    text = "\n".join(texts)
    if text:
        typer.echo(mask_passwords(text))


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print rows as a table: aligned under a title on a terminal, tab-separated otherwise."""
    cells = [[str(cell) for cell in row] for row in rows]
    if not sys.stdout.isatty():
        lines(["\t".join(columns), *("\t".join(row) for row in cells)])
        return
    widths = [max([len(name), *(len(row[i]) for row in cells)]) for i, name in enumerate(columns)]

    def aligned(values: Sequence[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    rule = ["-" * width for width in widths]
    lines([title, aligned(columns), aligned(rule), *(aligned(row) for row in cells)])
