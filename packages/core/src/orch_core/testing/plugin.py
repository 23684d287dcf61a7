"""orch's pytest plugin: a project's migrations, tested on throwaway databases.

Registered as `orch` through the `pytest11` entry point. Options (or ini keys of the same name
with underscores): `--orch-config PATH` (default: orch.toml found from the rootdir upward),
`--orch-env NAME`, `--orch-server-url URL` (a PostgreSQL or MariaDB server on which each test
gets a database of its own; default: a SQLite file per test).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from orch_core.project import Project

if TYPE_CHECKING:
    from orch_core.testing.migrations import TestedDatabase

# Loaded into every pytest session of an environment that has orch: what imports SQLAlchemy
# (the throwaway databases, the runs) is imported by the fixtures that need it, not here.
_PROJECT = pytest.StashKey["Project | Exception"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add orch's options and ini keys."""
    group = parser.getgroup("orch", "orch migrations")
    for name, help_text in (
        ("config", "the project's orch.toml (default: found from the rootdir upward)"),
        ("env", "an environment overlay (envs/NAME.toml) to read with it"),
        ("server-url", "a PostgreSQL or MariaDB server URL for throwaway databases"),
    ):
        group.addoption(f"--orch-{name}", dest=f"orch_{name.replace('-', '_')}", help=help_text)
        parser.addini(f"orch_{name.replace('-', '_')}", help_text)


def _option(config: pytest.Config, name: str) -> str | None:
    value = config.getoption(name) or config.getini(name)
    return str(value) if value else None


def _load(config: pytest.Config) -> Project | Exception:
    """Return the project, read once per session (a failure is re-raised where it is used)."""
    if _PROJECT not in config.stash:
        path = _option(config, "orch_config")
        try:
            config.stash[_PROJECT] = Project.load(
                Path(path) if path else _find_config(config.rootpath),
                env=_option(config, "orch_env"),
            )
        except Exception as exc:
            config.stash[_PROJECT] = exc
    return config.stash[_PROJECT]


def _find_config(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / "orch.toml").is_file():
            return folder / "orch.toml"
    return None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each test that asks for `orch_database_name` once per database of the project."""
    if "orch_database_name" not in metafunc.fixturenames:
        return
    project = _load(metafunc.config)
    names = sorted(project.config.databases) if isinstance(project, Project) else ["(none)"]
    metafunc.parametrize("orch_database_name", names)


@pytest.fixture
def orch_project(request: pytest.FixtureRequest) -> Project:
    """The project: its configuration and revision graph (orch_core.project.Project)."""
    project = _load(request.config)
    if isinstance(project, Exception):
        raise project
    return project


@pytest.fixture
def orch_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database that this test owns; dropped afterwards."""
    from orch_core.testing.throwaway import throwaway_database  # noqa: PLC0415 (SQLAlchemy)

    with throwaway_database(_option(request.config, "orch_server_url"), tmp_path) as url:
        yield url


@pytest.fixture
def orch_tested_database(
    orch_project: Project, orch_database_name: str, orch_database_url: str
) -> TestedDatabase:
    """One database of the project, pointed at this test's throwaway database."""
    from orch_core.testing.migrations import TestedDatabase  # noqa: PLC0415 (SQLAlchemy)

    return TestedDatabase.of(orch_project, orch_database_name, orch_database_url)
