"""Derive JSON Schemas (draft 2020-12) from the TypedDicts of documents.py, and write them.

Hand-written schemas would be a second copy of each shape, free to drift from what the
commands print; a library (pydantic) would cost a dependency for some forty lines. The
TypedDicts use only what is translated here: str, int, bool, None, Literal, lists, dicts with
string keys, unions and nested TypedDicts (`$defs`). `python -m orch_cli.json_schema` rewrites
the files under schemas/; tests/cli/test_json_schemas.py fails while they are stale.
"""

from __future__ import annotations

import json
import sys
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, NotRequired, get_args, get_origin, get_type_hints

from orch_cli.documents import DOCUMENTS

SCHEMAS = Path(__file__).parent / "schemas"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
_SCALARS: dict[object, str] = {str: "string", int: "integer", bool: "boolean", type(None): "null"}


def schema_file(command: str) -> Path:
    """Return the schema file of a command's document (`upgrade --dry-run` -> upgrade-dry-run)."""
    return SCHEMAS / f"{command.replace(' --', '-')}.json"


def document_schema(command: str) -> dict[str, Any]:
    """Return the JSON Schema of the document a command prints with --json."""
    definitions: dict[str, Any] = {}
    root = DOCUMENTS[command]
    body = _object(root, definitions)
    definitions.pop(root.__name__, None)
    schema = {
        "$schema": DIALECT,
        "title": f"orch {command} --json" if command != "error" else "orch error",
        "description": (root.__doc__ or "").strip(),
        **body,
    }
    if definitions:
        schema["$defs"] = dict(sorted(definitions.items()))
    return schema


def _type(hint: object, definitions: dict[str, Any]) -> dict[str, Any]:
    """Return the schema of one annotation."""
    if typing.is_typeddict(hint):
        assert isinstance(hint, type)
        if hint.__name__ not in definitions:
            definitions[hint.__name__] = {}  # taken before recursing: shapes may nest
            definitions[hint.__name__] = _object(hint, definitions)
        return {"$ref": f"#/$defs/{hint.__name__}"}
    if hint in _SCALARS:
        return {"type": _SCALARS[hint]}
    generic = _GENERICS.get(get_origin(hint))
    if generic is None:
        raise TypeError(f"no JSON Schema for {hint!r}: extend json_schema._GENERICS")
    return generic(get_args(hint), definitions)


_Generic = Callable[[tuple[Any, ...], dict[str, Any]], dict[str, Any]]


def _union(arms: tuple[Any, ...], definitions: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [_type(arm, definitions) for arm in arms]}


_GENERICS: dict[object, _Generic] = {
    NotRequired: lambda args, defs: _type(args[0], defs),
    Literal: lambda args, _defs: {"enum": list(args)},
    list: lambda args, defs: {"type": "array", "items": _type(args[0], defs)},
    dict: lambda args, defs: {"type": "object", "additionalProperties": _type(args[1], defs)},
    types.UnionType: _union,
    typing.Union: _union,
}


def _object(shape: type, definitions: dict[str, Any]) -> dict[str, Any]:
    """Return the schema of a TypedDict: its keys, the required ones, and no others."""
    hints = get_type_hints(shape, include_extras=True)
    # Read from the hints: under `from __future__ import annotations`, __required_keys__
    # cannot see NotRequired (Python 3.11 to 3.13).
    optional = {key for key, hint in hints.items() if get_origin(hint) is NotRequired}
    return {
        "type": "object",
        "description": (shape.__doc__ or "").strip(),
        "properties": {key: _type(hint, definitions) for key, hint in hints.items()},
        "required": [key for key in hints if key not in optional],
        "additionalProperties": False,
    }


def schema_text(command: str) -> str:
    """Return a command's schema as it is kept in its file."""
    return json.dumps(document_schema(command), indent=2) + "\n"


def main() -> None:
    """Write every command's schema file, and remove files no command has any more."""
    SCHEMAS.mkdir(exist_ok=True)
    wanted = {schema_file(command): schema_text(command) for command in DOCUMENTS}
    for stale in set(SCHEMAS.glob("*.json")) - set(wanted):
        stale.unlink()
    for path, text in wanted.items():
        path.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {len(wanted)} schemas to {SCHEMAS}\n")


if __name__ == "__main__":
    main()
