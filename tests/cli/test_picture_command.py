"""`orch graph`: pictures written as a user asks for them, images drawn by the real Graphviz."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from tests.cli.conftest import Invoke, no_traceback
from tests.support.graphviz import lay_out, require_dot
from tests.support.projects import Database, Script, write_project

SVG = "{http://www.w3.org/2000/svg}"


def project(tmp_path: Path) -> Path:
    """Users (branching at u2), billing depending on u2, catalog after users."""
    return write_project(
        tmp_path,
        {
            "users": [
                Script("u1", labels=("users",)),
                Script("u2", "u1"),
                Script("u3", "u2"),
                Script("u4", "u2"),
            ],
            "billing": [Script("b1", labels=("billing",)), Script("b2", "b1", depends="u2")],
            "catalog": [Script("c1", labels=("catalog",))],
        },
        {
            "users": Database("sqlite:///users.db", ["users"]),
            "billing": Database("sqlite:///billing.db", ["billing"]),
            "catalog": Database("sqlite:///catalog.db", ["catalog"], after=["users"]),
        },
    )


def test_mermaid_on_stdout_by_default(orch: Invoke, tmp_path: Path) -> None:
    project(tmp_path)
    result = orch("graph")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("flowchart TB\n")
    assert '["users"]' in result.stdout
    assert "-.->" in result.stdout  # b2's depends_on


def test_dot_file_is_read_by_graphviz(orch: Invoke, tmp_path: Path) -> None:
    project(tmp_path)
    result = orch("graph", "-o", "graph.dot")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    drawn = lay_out((tmp_path / "graph.dot").read_text())
    assert drawn.clusters["users"] == {"u1", "u2", "u3", "u4"}
    assert drawn.edge("u2", "b2")["style"] == "dashed"


def test_svg_is_drawn_with_a_box_per_revision(orch: Invoke, tmp_path: Path) -> None:
    require_dot()
    project(tmp_path)
    result = orch("graph", "-o", "graph.svg")
    assert result.exit_code == 0, result.output
    root = ET.parse(tmp_path / "graph.svg").getroot()
    titles = {title.text for title in root.iter(f"{SVG}title")}
    assert {"u1", "u2", "u3", "u4", "b1", "b2", "c1"} <= titles
    assert "u2->b2" in titles


def test_png_format_writes_an_image(orch: Invoke, tmp_path: Path) -> None:
    require_dot()
    project(tmp_path)
    result = orch("graph", "--order", "--format", "png", "-o", "order.image")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "order.image").read_bytes().startswith(b"\x89PNG\r\n")


def test_order_as_dot_on_stdout(orch: Invoke, tmp_path: Path) -> None:
    project(tmp_path)
    result = orch("graph", "--order", "--format", "dot")
    assert result.exit_code == 0, result.output
    drawn = lay_out(result.stdout)
    assert set(drawn.nodes) == {"users", "billing", "catalog"}
    assert drawn.edge("users", "catalog")["style"] == "bold"
    assert drawn.edge("users", "billing")["text"] == "depends_on u2"


def test_order_of_chosen_databases(orch: Invoke, tmp_path: Path) -> None:
    project(tmp_path)
    result = orch("graph", "--order", "--db", "billing", "--db", "catalog", "-f", "dot")
    assert result.exit_code == 0, result.output
    drawn = lay_out(result.stdout)
    assert set(drawn.nodes) == {"billing", "catalog"}
    assert drawn.edges == []


def test_where_each_database_is_after_an_upgrade(orch: Invoke, tmp_path: Path) -> None:
    project(tmp_path)
    assert orch("upgrade", "--db", "users", "u3").exit_code == 0
    result = orch("graph", "--all-dbs", "-f", "dot")
    assert result.exit_code == 0, result.output
    drawn = lay_out(result.stdout)
    assert drawn.edge("database:users", "u3")["style"] == "dotted"
    assert drawn.nodes["database:billing"]["text"] == "billing\n<base>"


def test_image_without_graphviz_names_the_program(orch: Invoke, tmp_path: Path) -> None:
    project(tmp_path)
    result = orch("graph", "-o", "graph.svg", env={"PATH": str(tmp_path)})
    assert result.exit_code == 2
    no_traceback(result)
    assert "Graphviz's `dot` program" in result.stderr
    assert "--format dot" in result.stderr
    assert not (tmp_path / "graph.svg").exists()


def test_unknown_suffix_asks_for_a_format(orch: Invoke, tmp_path: Path) -> None:
    project(tmp_path)
    result = orch("graph", "-o", "graph.txt")
    assert result.exit_code == 2
    no_traceback(result)
    assert "graph.txt" in result.stderr


def test_unknown_database_is_named(orch: Invoke, tmp_path: Path) -> None:
    project(tmp_path)
    result = orch("graph", "--db", "nope")
    assert result.exit_code == 2
    no_traceback(result)
    assert "'nope'" in result.stderr
