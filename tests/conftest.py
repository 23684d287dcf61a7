"""Fixtures shared by every test: fresh databases of each kind."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.support.databases import (
    KINDS,
    ServerUnavailable,
    TestDatabase,
    check_server,
    fresh_database,
)

_server_state: dict[str, str | None] = {}
_outcomes: Counter[tuple[str, str]] = Counter()


def _require_server(kind: str) -> None:
    """Skip (or, under CI=true, fail) when the server for this kind is not running."""
    if kind not in _server_state:
        try:
            check_server(kind)
            _server_state[kind] = None
        except ServerUnavailable as exc:
            _server_state[kind] = str(exc)
    reason = _server_state[kind]
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: an unreachable database is a failure)")
    pytest.skip(reason)


def _open(request: pytest.FixtureRequest, kind: str, tmp_path: Path) -> Iterator[TestDatabase]:
    _require_server(kind)
    request.node.user_properties.append(("database", kind))
    with fresh_database(kind, tmp_path) as database:
        yield database


@pytest.fixture(params=KINDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestDatabase]:
    """An empty database; the test runs once on each of SQLite, PostgreSQL and MariaDB."""
    yield from _open(request, request.param, tmp_path)


@pytest.fixture
def sqlite_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestDatabase]:
    """An empty SQLite database file."""
    yield from _open(request, "sqlite", tmp_path)


@pytest.fixture
def postgresql_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestDatabase]:
    """An empty PostgreSQL database with a unique name, dropped afterwards."""
    yield from _open(request, "postgresql", tmp_path)


@pytest.fixture
def mariadb_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestDatabase]:
    """An empty MariaDB database with a unique name, dropped afterwards."""
    yield from _open(request, "mariadb", tmp_path)


@pytest.fixture
def make_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[str], TestDatabase]]:
    """A factory for several empty databases in one test, all dropped afterwards."""
    with ExitStack() as stack:

        def make(kind: str) -> TestDatabase:
            _require_server(kind)
            if ("database", kind) not in request.node.user_properties:
                request.node.user_properties.append(("database", kind))
            return stack.enter_context(fresh_database(kind, tmp_path))

        yield make


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        for key, kind in report.user_properties:
            if key == "database":
                _outcomes[(str(kind), report.outcome)] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _outcomes:
        return
    terminalreporter.section("database tests per dialect")
    for kind in KINDS:
        counts = ", ".join(
            f"{_outcomes[(kind, outcome)]} {outcome}" for outcome in ("passed", "failed", "skipped")
        )
        terminalreporter.write_line(f"{kind}: {counts}")
