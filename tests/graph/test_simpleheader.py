"""The regular-expression header reader agrees with ast, or declines and leaves it to ast."""

import ast
from typing import Any

import pytest

from orch_graph.simpleheader import read_simple_header

HEADERS = [
    '"""msg\n\nRevision ID: a\n"""\nrevision = "a"\ndown_revision = None\n',
    "\"\"\"m\"\"\"\nrevision = 'a'\ndown_revision = ('b', 'c')\nbranch_labels = ['x']\n",
    '"""m"""\nrevision: str = "a"\ndown_revision: Union[str, None] = "b"  # parent\n',
    '"""m"""\nrevision = "a"\ndepends_on = ("b",)\nbranch_labels = ()\n',
    '"""m"""\nrevision = "a"\ndown_revision = ( "b" , "c" , )\n',
]

DECLINED = [
    'revision = "a"\n',  # no docstring
    '"""m \\n"""\nrevision = "a"\n',  # an escape in the docstring
    '"""m"""\nrevision = "a\\x41"\n',  # an escape in a value
    '"""m"""\nrevision = "a"\nrevision = "b"\n',  # assigned twice
    '"""m"""\nrevision = LABEL\n',  # not a literal
    '"""m"""\nX = """\nrevision = "fake"\n"""\nrevision = "a"\n',  # another string
    '"""m"""\ndown_revision = (\n    "b",\n)\nrevision = "a"\n',  # value over several lines
    '"""m"""\nX = 1\n',  # no revision
    "'''m'''\nrevision = 'a'\n",  # other quotes
    '"""a\tb"""\nrevision = "a"\n',  # a tab, which ast's docstring cleaning expands
]


def by_ast(source: str) -> tuple[dict[str, Any], str]:
    module = ast.parse(source)
    values = {}
    for node in module.body:
        if isinstance(node, ast.Assign):
            values[node.targets[0].id] = ast.literal_eval(node.value)  # type: ignore[attr-defined]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            values[node.target.id] = ast.literal_eval(node.value)  # type: ignore[union-attr]
    docstring = ast.get_docstring(module, clean=False) or ""
    return values, docstring


@pytest.mark.parametrize("source", HEADERS)
def test_simple_headers_read_as_ast_reads_them(source: str) -> None:
    assert read_simple_header(source) == by_ast(source)


@pytest.mark.parametrize("source", DECLINED)
def test_anything_else_is_left_to_ast(source: str) -> None:
    assert read_simple_header(source) is None
