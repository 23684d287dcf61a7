"""The version-table keys on real databases: the table Alembic would make, where it would be."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from orch_core.project import Project
from orch_core.runtime.runner import DatabaseRunner
from tests.support.databases import TestDatabase
from tests.support.projects import Database, Script, write_project

SCRIPTS = [Script("a1", labels=("app",)), Script("a2", "a1")]


def runner_for(tmp_path: Path, url: str, **extra: object) -> DatabaseRunner:
    config = write_project(
        tmp_path,
        {"app": SCRIPTS},
        {"main": Database(url, ["app"], extra=extra)},
        orch={"version_table_schema": "meta"},
    )
    project = Project.load(config, environ={})
    database = project.config.databases["main"]
    return DatabaseRunner(database, project.view(database), run_id="test")


def test_an_empty_version_table_schema_means_the_default_schema(
    database: TestDatabase, tmp_path: Path
) -> None:
    runner = runner_for(tmp_path, database.url, version_table_schema="")
    try:
        runner.migrate("up", "heads")
        assert runner.current() == ("a2",)
    finally:
        runner.dispose()
    engine = database.engine()
    try:
        names = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"alembic_version", "t_a1", "t_a2"} <= names


@pytest.mark.parametrize("with_pk", [True, False])
def test_version_table_pk_decides_the_primary_key_named_as_alembic_names_it(
    database: TestDatabase, tmp_path: Path, with_pk: bool
) -> None:
    runner = runner_for(tmp_path, database.url, version_table_schema="", version_table_pk=with_pk)
    try:
        runner.migrate("up", "heads")
    finally:
        runner.dispose()
    engine = database.engine()
    try:
        key = sa.inspect(engine).get_pk_constraint("alembic_version")
    finally:
        engine.dispose()
    assert key["constrained_columns"] == (["version_num"] if with_pk else [])
    if with_pk and database.kind == "postgresql":
        assert key["name"] == "alembic_version_pkc"
