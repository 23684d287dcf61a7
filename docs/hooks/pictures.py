"""An MkDocs hook that draws the demo's pictures with `orch graph` while the site is built.

The pictures are never checked in: each build draws them from the demo as it is, so they show
what the command draws today. Drawing SVG needs Graphviz's `dot` (apt-get install graphviz).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]

# The picture's path in the site, and the `orch graph` arguments that draw it.
PICTURES = {
    "images/demo-graph.svg": ("graph", "--format", "svg"),
    "images/demo-order.svg": ("graph", "--order", "--format", "svg"),
}


def draw(arguments: tuple[str, ...]) -> str:
    """Return what `orch --config orch.toml ARGUMENTS` prints; a failure fails the build."""
    command = [sys.executable, "-m", "orch_cli", "--config", str(ROOT / "orch.toml"), *arguments]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise PluginError(f"`orch {' '.join(arguments)}` failed:\n{done.stderr}")
    return done.stdout


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the demo's pictures to the site."""
    for path, arguments in PICTURES.items():
        files.append(File.generated(config, path, content=draw(arguments)))
    return files
