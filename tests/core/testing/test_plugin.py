"""orch's pytest plugin, run by pytest itself on small projects (pytester)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.support.databases import SERVER_URLS
from tests.support.model_projects import USERS, write_model_project, write_models
from tests.support.projects import Database, Script, write_project

pytest_plugins = ["pytester"]

CHECKS = "from orch_core.testing.checks import *  # noqa: F403\n"

USERS_WITHOUT_EMAIL = 'op.create_table("users", sa.Column("id", sa.Integer, primary_key=True))'

ADD_COLUMN = 'op.add_column("t_a1", sa.Column("note", sa.String(20)))'


def _project(pytester: pytest.Pytester, users: list[Script], shop: list[Script]) -> None:
    write_project(
        pytester.path,
        {"users": users, "shop": shop},
        {
            "users": Database("sqlite:///.orch/users.db", ["users"]),
            "shop": Database("sqlite:///.orch/shop.db", ["shop"]),
        },
    )
    pytester.makepyfile(test_migrations=CHECKS)


def _good_users() -> list[Script]:
    return [
        Script("a1", labels=("users",)),
        Script("a2", down="a1"),
        Script("a3", down="a1"),
        Script("a4", down=("a2", "a3")),
    ]


def test_a_sound_project_passes_every_check(pytester: pytest.Pytester) -> None:
    _project(pytester, _good_users(), [Script("b1", labels=("shop",)), Script("b2", down="b1")])
    result = pytester.runpytest_subprocess("-q")
    # one head, compile and no cycle once each; stairway and restore once per database; models
    # match: skipped per database, as these services name no models
    result.assert_outcomes(passed=7, skipped=2)


def test_a_downgrade_that_leaves_a_column_is_named_with_the_difference(
    pytester: pytest.Pytester,
) -> None:
    leaky = Script("a2", down="a1", upgrade=ADD_COLUMN, downgrade="pass")
    _project(pytester, [Script("a1", labels=("users",)), leaky], [Script("b1", labels=("shop",))])
    result = pytester.runpytest_subprocess("-q", "-k", "restores and users")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*downgrade of a2 does not restore the schema*", "*+t_a1.note VARCHAR(20)*"]
    )


def test_a_downgrade_that_fails_is_named(pytester: pytest.Pytester) -> None:
    broken = Script("a2", down="a1", upgrade=ADD_COLUMN, downgrade='op.drop_table("missing")')
    _project(pytester, [Script("a1", labels=("users",)), broken], [Script("b1", labels=("shop",))])
    result = pytester.runpytest_subprocess("-q", "-k", "stairway and users")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*downgrade a2*missing*"])


def test_two_heads_in_a_service_are_named(pytester: pytest.Pytester) -> None:
    users = [Script("a1", labels=("users",)), Script("a2", down="a1"), Script("a3", down="a1")]
    _project(pytester, users, [Script("b1", labels=("shop",))])
    result = pytester.runpytest_subprocess("-q", "-k", "one_head")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*service users has 2 heads: a2, a3*"])


@pytest.mark.databases
def test_each_test_gets_its_own_postgresql_database(
    pytester: pytest.Pytester, postgresql_database: object
) -> None:
    # postgresql_database: the server must answer (a skip, or under CI=true a failure).
    _project(pytester, _good_users(), [Script("b1", labels=("shop",))])
    server = SERVER_URLS["postgresql"]
    before = _plugin_databases(server)
    result = pytester.runpytest_subprocess("-q", f"--orch-server-url={server}", "-k", "stairway")
    result.assert_outcomes(passed=2)
    assert _plugin_databases(server) <= before, "the plugin drops its throwaway databases"


def _plugin_databases(server: str) -> set[str]:
    engine = sa.create_engine(server)
    try:
        with engine.connect() as conn:
            names = conn.execute(sa.text("SELECT datname FROM pg_database")).scalars()
            return {name for name in names if name.startswith("orch_pytest_")}
    finally:
        engine.dispose()


def test_databases_waiting_for_each_other_in_a_circle_are_named(pytester: pytest.Pytester) -> None:
    users = [Script("a1", labels=("users",)), Script("a2", down="a1", depends="b2")]
    shop = [
        Script("b1", labels=("shop",)),
        Script("b2", down="b1", depends="a1"),
        Script("b3", down="b2", depends="a2"),
    ]
    _project(pytester, users, shop)
    result = pytester.runpytest_subprocess("-q", "-k", "no_cycle")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*MigrationCheckFailed*"])


def test_models_that_differ_from_the_schema_at_heads_are_named(pytester: pytest.Pytester) -> None:
    models = write_models(pytester.path, USERS)
    write_model_project(pytester.path, {"app": "sqlite:///app.db"}, models)
    versions = pytester.path / "migrations" / "versions"
    versions.mkdir(parents=True)
    script = Script(
        "c1", labels=("app",), upgrade=USERS_WITHOUT_EMAIL, downgrade='op.drop_table("users")'
    )
    (versions / "c1_users.py").write_text(script.text())
    pytester.makepyfile(test_migrations=CHECKS)
    result = pytester.runpytest_subprocess("-q", "-k", "models_match")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*the models differ from the schema at heads*", "*add_column users.email*"]
    )
