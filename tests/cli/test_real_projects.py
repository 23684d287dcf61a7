"""Public Alembic projects, unchanged: `orch init --from-alembic` then `orch upgrade heads` gives
the schema and version rows that Alembic gives, and orch reads heads where Alembic cannot.

The projects are not part of this repository. The tests read them from git snapshots under
$ORCH_REAL_PROJECTS (default /work/.mirror), one folder per project named `owner+name` holding
a bare repository in `repo/` (what the `fetch` tool brings: `fetch github:owner/name`), and
skip, saying so, when one is absent.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from tests.cli.conftest import Invoke
from tests.support.databases import TestDatabase

SNAPSHOTS = Path(os.environ.get("ORCH_REAL_PROJECTS", "/work/.mirror"))

# The env.py Alembic runs here: the projects' own import their applications (Flask, settings);
# their scripts run as they are. orch never runs an env.py.
PLAIN_ENV_PY = """
from alembic import context
from sqlalchemy import create_engine, pool

url = context.config.get_main_option("sqlalchemy.url")
with create_engine(url, poolclass=pool.NullPool).connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
"""


@dataclass(frozen=True)
class RealProject:
    """A public Alembic project: where its alembic.ini lies in its repository."""

    repository: str  # owner/name on GitHub
    ini: str  # path of alembic.ini inside the repository
    shape: str


PLAIN = RealProject("0brain/alembic_tutorial", "alembic.ini", "plain Alembic, password in url")
FLASK_MIGRATE = RealProject(
    "miguelgrinberg/microblog", "migrations/alembic.ini", "Flask-Migrate, batch ops, 9 revisions"
)
APP_IMPORTS = RealProject(
    "fastapi/full-stack-fastapi-template",
    "backend/alembic.ini",
    "SQLModel imports in every script, env.py imports the app",
)


def checkout(project: RealProject, into: Path) -> Path:
    """Write the project's newest commit into a folder and return its alembic.ini."""
    repository = SNAPSHOTS / project.repository.replace("/", "+") / "repo"
    if not repository.is_dir():
        pytest.skip(
            f"{project.repository} is not under {SNAPSHOTS}: bring it with the fetch tool "
            f"(`fetch github:{project.repository}`) or set ORCH_REAL_PROJECTS"
        )
    archive = subprocess.run(
        ["git", "--git-dir", str(repository), "archive", "--format=tar", "HEAD"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / project.ini


def alembic_config(ini: Path) -> Config:
    """Return Alembic's configuration, with script_location set where Flask-Migrate sets it
    (in code, to the folder of its alembic.ini)."""
    config = Config(str(ini))
    if not config.get_main_option("script_location"):
        config.set_main_option("script_location", str(ini.parent))
    return config


def alembic_upgrade(ini: Path, url: str) -> None:
    """Run Alembic's upgrade to heads on the project's scripts, with a plain env.py, from the
    folder of alembic.ini as its users do."""
    with contextlib.chdir(ini.parent):
        config = alembic_config(ini)
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        script_directory = ScriptDirectory.from_config(config)
        Path(script_directory.dir, "env.py").write_text(PLAIN_ENV_PY)
        command.upgrade(config, "heads")


def orch_upgrade(ini: Path, url: str, orch: Invoke) -> None:
    """Adopt the project with init --from-alembic, point it at url, and upgrade to heads."""
    created = orch("init", "--from-alembic", str(ini))
    assert created.exit_code == 0, created.output
    overlay = ini.parent / "envs" / "test.toml"
    overlay.parent.mkdir(exist_ok=True)
    overlay.write_text(f'[databases.app]\nurl = "{url}"\n')
    upgraded = orch("--config", str(ini.parent / "orch.toml"), "--env", "test", "upgrade", "heads")
    assert upgraded.exit_code == 0, upgraded.output


def schema(url: str) -> dict[str, Any]:
    """Return what a user would compare: tables, columns, keys, indexes, and version rows."""
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        tables = {}
        for name in sorted(set(inspector.get_table_names()) - {"orch_history"}):
            tables[name] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(name)
                ],
                "primary_key": inspector.get_pk_constraint(name)["constrained_columns"],
                "foreign_keys": sorted(
                    (tuple(fk["constrained_columns"]), fk["referred_table"])
                    for fk in inspector.get_foreign_keys(name)
                ),
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                    for i in inspector.get_indexes(name)
                ),
            }
        with engine.connect() as conn:
            rows = sorted(
                r[0] for r in conn.execute(sa.text("SELECT version_num FROM alembic_version"))
            )
        return {"tables": tables, "version_rows": rows}
    finally:
        engine.dispose()


@pytest.mark.parametrize("project", [PLAIN, FLASK_MIGRATE], ids=lambda p: p.repository)
@pytest.mark.parametrize("kind", ["sqlite", "postgresql", "mariadb"])
def test_orch_gives_the_schema_and_version_rows_alembic_gives(
    project: RealProject, kind: str, make_database: Any, tmp_path: Path, orch: Invoke
) -> None:
    alembic_database: TestDatabase = make_database(kind)
    orch_database: TestDatabase = make_database(kind)
    alembic_upgrade(checkout(project, tmp_path / "alembic"), alembic_database.url)
    orch_upgrade(checkout(project, tmp_path / "orch"), orch_database.url, orch)
    expected = schema(alembic_database.url)
    assert expected["tables"]  # the project made a schema at all
    assert schema(orch_database.url) == expected


@pytest.mark.parametrize("project", [PLAIN, FLASK_MIGRATE], ids=lambda p: p.repository)
def test_heads_match_alembics(project: RealProject, tmp_path: Path, orch: Invoke) -> None:
    ini = checkout(project, tmp_path)
    assert orch("init", "--from-alembic", str(ini)).exit_code == 0
    config = ini.parent / "orch.toml"
    # The url is read when the config is, though heads and history never connect.
    env = {"APP_DATABASE_URL": "sqlite://", "APP_DATABASE_PASSWORD": ""}
    heads = json.loads(orch("--config", str(config), "heads", "--json", env=env).stdout)["heads"]
    history = json.loads(orch("--config", str(config), "history", "--json", env=env).stdout)[
        "revisions"
    ]
    with contextlib.chdir(ini.parent):
        alembic = ScriptDirectory.from_config(alembic_config(ini))
        walked = {s.revision for s in alembic.walk_revisions()}
    assert sorted(h["revision"] for h in heads) == sorted(alembic.get_heads())
    assert {r["revision"] for r in history} == walked


def test_heads_and_history_where_alembic_cannot_import_the_scripts(
    tmp_path: Path, orch: Invoke
) -> None:
    ini = checkout(APP_IMPORTS, tmp_path)
    scripts = sorted((ini.parent / "app" / "alembic" / "versions").glob("*.py"))
    with contextlib.chdir(ini.parent), pytest.raises(ModuleNotFoundError):
        ScriptDirectory.from_config(Config(str(ini))).get_heads()  # the scripts import sqlmodel
    created = orch("init", "--from-alembic", str(ini))
    assert created.exit_code == 0, created.output
    config = ini.parent / "orch.toml"
    env = {"APP_DATABASE_URL": "sqlite://"}  # read with the config, though never connected to
    heads = orch("--config", str(config), "heads", "--json", env=env)
    assert heads.exit_code == 0, heads.output
    history = json.loads(orch("--config", str(config), "history", "--json", env=env).stdout)[
        "revisions"
    ]
    assert len(history) == len(scripts)
    assert len(json.loads(heads.stdout)["heads"]) == 1
