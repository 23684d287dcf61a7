"""make_revision with autogenerate: process_revision_directives sees and edits the script."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orch_core.autogenerate.options import Filters
from orch_core.autogenerate.revision import make_revision
from orch_core.autogenerate.revision_request import RevisionRequest
from orch_core.project import Project
from tests.support.model_projects import USERS, write_model_project, write_models

TAGS = """
tags = sa.Table("tags", metadata, sa.Column("id", sa.Integer, primary_key=True))
"""


def _project(tmp_path: Path) -> Project:
    models = write_models(tmp_path, USERS + TAGS)
    config = write_model_project(tmp_path, {"app": f"sqlite:///{tmp_path / 'app.db'}"}, models)
    return Project.load(config)


def test_hook_renames_and_trims_the_script(tmp_path: Path) -> None:
    seen: list[Any] = []

    def process_revision_directives(
        context: object, revision: object, directives: list[Any]
    ) -> None:
        script = directives[0]
        seen.append([change.table for change in script.upgrade_ops.ops])
        script.message = "renamed by the hook"
        script.rev_id = "fromhook0001"
        script.upgrade_ops.ops = [c for c in script.upgrade_ops.ops if c.table != "tags"]

    request = RevisionRequest(message="initial", autogenerate=True)
    result = make_revision(
        _project(tmp_path),
        request,
        Filters(process_revision_directives=process_revision_directives),
    )
    assert seen == [["tags", "users"]]
    assert result.path is not None
    assert result.path.name == "fromhook0001_renamed_by_the_hook.py"
    text = result.path.read_text()
    assert "op.create_table('users'," in text
    assert "tags" not in text
    assert [change.table for change in result.changes] == ["users"]


def test_hook_that_drops_the_script_writes_nothing(tmp_path: Path) -> None:
    def process_revision_directives(
        context: object, revision: object, directives: list[Any]
    ) -> None:
        directives[:] = []

    request = RevisionRequest(message="initial", autogenerate=True)
    result = make_revision(
        _project(tmp_path),
        request,
        Filters(process_revision_directives=process_revision_directives),
    )
    assert result.path is None
    assert not list((tmp_path / "migrations" / "versions").glob("*.py"))
