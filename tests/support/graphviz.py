"""Graphviz as a test oracle: lay a DOT text out with the real `dot` and read back what it drew."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass

from tests.support.programs import require_program


@dataclass(frozen=True)
class Drawn:
    """What Graphviz read from a DOT text: nodes, edges and clusters, with their attributes."""

    nodes: dict[str, dict[str, str]]
    edges: list[tuple[str, str, dict[str, str]]]
    clusters: dict[str, set[str]]

    def edge(self, source: str, target: str) -> dict[str, str]:
        """Return the attributes of the one edge from source to target."""
        found = [attrs for tail, head, attrs in self.edges if (tail, head) == (source, target)]
        assert len(found) == 1, (source, target, self.edges)
        return found[0]


def require_dot() -> str:
    """Return the `dot` program; skip without it, or fail under CI=true."""
    return require_program(("dot",), "Graphviz's `dot` is not installed (apt-get install graphviz)")


def lay_out(dot_text: str) -> Drawn:
    """Return what Graphviz drew from dot_text; a syntax error fails the test."""
    done = subprocess.run(
        [require_dot(), "-Tjson"], input=dot_text.encode(), capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    document = json.loads(done.stdout)
    objects = document.get("objects", [])
    names = {obj["_gvid"]: obj["name"] for obj in objects if "nodes" not in obj}
    nodes = {obj["name"]: _attributes(obj) for obj in objects if "nodes" not in obj}
    clusters = {
        obj["label"]: {names[gvid] for gvid in obj["nodes"]}
        for obj in objects
        if "nodes" in obj and obj["name"].startswith("cluster")
    }
    edges = [
        (names[edge["tail"]], names[edge["head"]], _attributes(edge))
        for edge in document.get("edges", [])
    ]
    return Drawn(nodes, edges, clusters)


# What the layout adds to every object: not what the DOT text said.
_LAYOUT = {"pos", "lp", "width", "height", "fontname", "bb", "label"}


def _attributes(obj: dict[str, object]) -> dict[str, str]:
    """Return the attributes the DOT text set, and as `text` the label's lines as drawn."""
    found = {
        key: value
        for key, value in obj.items()
        if isinstance(value, str) and not key.startswith("_") and key not in _LAYOUT
    }
    operations = obj.get("_ldraw_", [])
    assert isinstance(operations, list)
    drawn = [op["text"] for op in operations if op.get("op") == "T"]
    if drawn:
        found["text"] = "\n".join(drawn)
    return found
