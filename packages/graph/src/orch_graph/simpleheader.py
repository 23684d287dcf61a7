"""Read the common shape of a revision header with regular expressions, without ast.

Nearly every script Alembic or orch generates has a plain docstring and four one-line
assignments of literals. Compiling such a prologue costs more than everything else in a cold
scan, so this reader handles exactly that shape and answers None for anything else (escapes,
other strings, unusual syntax, a missing field), which sends the script to the ast reader.
"""

from __future__ import annotations

import re
from typing import Any

_STRING = r"""(?:'[^'\\\n]*'|"[^"\\\n]*")"""
_SEQUENCE = rf"""[\(\[]\s*(?:{_STRING}\s*,\s*)*(?:{_STRING}\s*)?[\)\]]"""
_ASSIGNMENT = re.compile(
    r"^(?P<name>revision|down_revision|branch_labels|depends_on)"
    r"(?:\s*:[^=\n]+)?\s*=\s*"
    rf"(?P<value>None|{_STRING}|{_SEQUENCE})\s*(?:#[^\n]*)?$"
)
_FIELD_LINE = re.compile(r"^(?:revision|down_revision|branch_labels|depends_on)\b", re.MULTILINE)
_DOCSTRING = re.compile(r'\A"""(?P<text>[^"\\\t]*)"""[ \t]*\n')
_ITEM = re.compile(r"""'([^']*)'|"([^"]*)\"""")


def read_simple_header(prologue: str) -> tuple[dict[str, Any], str] | None:
    """Return (field values, docstring) of a plainly written prologue, or None to use ast."""
    docstring = _DOCSTRING.match(prologue)
    if docstring is None:
        return None
    rest = prologue[docstring.end() :]
    if '"""' in rest or "'''" in rest:
        return None
    values: dict[str, Any] = {}
    for start in _FIELD_LINE.finditer(rest):
        line = rest[start.start() : rest.find("\n", start.start()) % (len(rest) + 1)]
        match = _ASSIGNMENT.match(line.rstrip("\r"))
        if match is None or match["name"] in values:
            return None
        values[match["name"]] = _value(match["value"])
    if "revision" not in values:
        return None
    return values, docstring["text"]


def _value(text: str) -> Any:
    if text == "None":
        return None
    items = [single or double for single, double in _ITEM.findall(text)]
    if text[0] in "'\"":
        return items[0]
    return tuple(items) if text[0] == "(" else items
