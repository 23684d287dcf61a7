"""The Kubernetes Indexed Job and the CI matrix under examples/: valid, and sharded right."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

EXAMPLES = Path(__file__).parents[1] / "examples"


def load(path: Path) -> dict[str, Any]:
    found = yaml.safe_load(path.read_text())
    assert isinstance(found, dict)
    return found


def test_the_indexed_job_is_valid_against_kubernetes_schemas() -> None:
    job = load(EXAMPLES / "kubernetes" / "migrate-job.yaml")
    # Strict: a misspelt or misplaced field is an error, not ignored. The schemas ship with
    # the package, so this needs no network.
    kubernetes_validate.validate(job, kubernetes_validate.latest_version(), strict=True)


def test_the_indexed_job_asks_for_as_many_shards_as_it_has_completions() -> None:
    spec = load(EXAMPLES / "kubernetes" / "migrate-job.yaml")["spec"]
    assert spec["completionMode"] == "Indexed"
    (container,) = spec["template"]["spec"]["containers"]
    args = container["args"]
    assert args[args.index("--shards") + 1] == str(spec["completions"])
    assert "upgrade" in args and "--all-dbs" in args


def test_the_ci_matrix_runs_each_shard_once() -> None:
    workflow = load(EXAMPLES / "ci" / "github-actions.yml")
    job = workflow["jobs"]["migrate"]
    shards = job["strategy"]["matrix"]["shard"]
    assert job["strategy"]["fail-fast"] is False
    runs = [step["run"] for step in job["steps"] if "orch" in step.get("run", "")]
    (command,) = runs
    found = re.search(r"--shard \$\{\{ matrix\.shard \}\}/(\d+)", command)
    assert found is not None, command
    assert shards == list(range(int(found.group(1))))
