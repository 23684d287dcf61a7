"""Declarative steps rendered once and replayed on the run's other databases of one kind: the
same schema, rows, history and errors as running each script; and the scripts that are not
declarative (they read, or vary) run on every database."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from orch_core.errors import MigrationFailed, OperationFailed
from orch_core.project import Project
from orch_core.runtime.replay import Declaration, StepReplays
from orch_core.runtime.runner import DatabaseRunner
from tests.core.operations.helpers import inspect, rows
from tests.support.databases import KINDS, TestDatabase
from tests.support.projects import Database, Script, write_project

# What autogenerate writes, with the corners a replay could get wrong: a `%` (the psycopg and
# pymysql drivers' placeholder character) in a default and in op.execute, op.f, a foreign key
# to the table itself, and an index made by create_index.
DECLARATIVE = (
    Script(
        "a1",
        upgrade="""op.create_table(
    "item",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(length=50), server_default=sa.text("'50%'"), nullable=True),
    sa.Column("parent_id", sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(["parent_id"], ["item.id"], name=op.f("fk_item_parent")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_item")),
)
op.create_index(op.f("ix_item_name"), "item", ["name"], unique=False)""",
        downgrade='op.drop_index(op.f("ix_item_name"), table_name="item")\nop.drop_table("item")',
    ),
    Script(
        "a2",
        "a1",
        upgrade='"""Docstrings and pass are fine."""\n'
        'op.add_column("item", sa.Column("price", sa.Numeric(10, 2), nullable=True))\n'
        "pass",
        downgrade='op.drop_column("item", "price")',
    ),
    Script(
        "a3",
        "a2",
        upgrade="op.execute(\"INSERT INTO item (id, name) VALUES (1, '100%')\")",
        downgrade='op.execute("DELETE FROM item")',
    ),
)


def runners(
    tmp_path: Path,
    databases: Sequence[TestDatabase],
    scripts: Sequence[Script],
    orch: Mapping[str, object] | None = None,
) -> list[DatabaseRunner]:
    """Return a runner per database (d0, d1, ...) of a one-service project of these scripts
    (orch: its `[orch]` keys)."""
    entries = {f"d{i}": Database(db.url, ["app"]) for i, db in enumerate(databases)}
    config = write_project(tmp_path, {"app": list(scripts)}, entries, orch)
    project = Project.load(config, environ={})
    found = [project.config.databases[name] for name in entries]
    return [DatabaseRunner(db, project.view(db), run_id="test-run") for db in found]


def sharing(replays: StepReplays, runner: DatabaseRunner) -> DatabaseRunner:
    """Return the runner, taking part in the replays of a run."""
    runner.replays = replays
    return runner


def schema(database: TestDatabase) -> dict[str, Any]:
    """Return what a user would compare of a migrated database: its tables' columns (name,
    type, nullable, default), indexes and foreign keys, the rows of item, the version rows and
    the history's step outcomes and statement counts."""

    def reflect(inspector: sa.Inspector) -> dict[str, Any]:
        tables = sorted(t for t in inspector.get_table_names() if t == "item")
        return {
            table: (
                [
                    (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                    for c in inspector.get_columns(table)
                ],
                sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(table)),
                sorted(
                    (tuple(f["constrained_columns"]), f["referred_table"])
                    for f in inspector.get_foreign_keys(table)
                ),
            )
            for table in tables
        }

    history = "SELECT revision, outcome, statements_done, statements_sha256 FROM orch_history"
    return {
        "tables": inspect(database, reflect),
        "rows": rows(database, "SELECT id, name FROM item ORDER BY id"),
        "version": rows(database, "SELECT version_num FROM alembic_version"),
        "history": sorted(rows(database, history + " WHERE outcome <> 'started'")),
    }


@pytest.mark.parametrize("kind", KINDS)
def test_declarative_steps_are_replayed_with_the_same_result(
    kind: str, tmp_path: Path, make_database: Callable[[str], TestDatabase]
) -> None:
    databases = [make_database(kind) for _ in range(3)]
    alone, first, second = runners(tmp_path, databases, DECLARATIVE)
    replays = StepReplays()
    alone.migrate("up", "heads")  # each script run: the reference
    sharing(replays, first).migrate("up", "heads")  # runs each script, keeps its statements
    assert replays.replayed == 0
    sharing(replays, second).migrate("up", "heads")
    assert replays.replayed == len(DECLARATIVE)
    expected = schema(databases[0])
    assert expected["rows"] == [(1, "100%")]
    assert expected["version"] == [("a3",)]
    assert schema(databases[1]) == expected
    assert schema(databases[2]) == expected
    for runner in (alone, first, second):
        runner.dispose()


@pytest.mark.parametrize("kind", KINDS)
def test_a_replayed_statement_that_fails_is_named_by_its_operation(
    kind: str, tmp_path: Path, make_database: Callable[[str], TestDatabase]
) -> None:
    databases = [make_database(kind) for _ in range(3)]
    for database in databases[1:]:  # the table the second step creates is there already
        engine = database.engine()
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE other (id INTEGER PRIMARY KEY)"))
        engine.dispose()
    other = Script("a2", "a1", upgrade='op.create_table("other", sa.Column("id", sa.Integer))')
    recorder, replayed, alone = runners(tmp_path, databases, [DECLARATIVE[0], other])
    replays = StepReplays()
    sharing(replays, recorder).migrate("up", "heads")
    errors = []
    for runner in (sharing(replays, replayed), alone):
        with pytest.raises(MigrationFailed) as caught:
            runner.migrate("up", "heads")
        errors.append(caught.value)
        runner.dispose()
    recorder.dispose()
    assert replays.replayed == 1  # a1 on d1 (a2 failed there; d2 runs each script)
    causes = [error.__cause__ for error in errors]
    assert all(isinstance(cause, OperationFailed) for cause in causes)
    assert [str(cause) for cause in causes] == [str(causes[1])] * 2
    assert "create_table on table 'other' in revision a2 failed" in str(causes[0])
    assert str(errors[0]).replace("d1", "d2") == str(errors[1])
    assert rows(databases[1], "SELECT version_num FROM alembic_version") == [("a1",)]
    # The failed step's history row: its outcome, the database's message, the statement named.
    failed = "SELECT revision, outcome, error, statement FROM orch_history WHERE outcome LIKE 'f%'"
    [(revision, outcome, error, statement)] = rows(databases[1], failed)
    assert (revision, outcome) == ("a2", "failed-partial" if kind == "mariadb" else "failed")
    assert error == errors[0].reason
    assert "CREATE TABLE other" in statement
    assert rows(databases[2], failed) == [(revision, outcome, error, statement)]


def test_steps_that_read_or_vary_run_on_each_database(
    tmp_path: Path, make_database: Callable[[str], TestDatabase]
) -> None:
    scripts = [
        Script("a1", upgrade='op.create_table("item", sa.Column("name", sa.String(40)))'),
        # Varies: a new value on each database.
        Script(
            "a2",
            "a1",
            upgrade="import uuid\n"
            "op.execute(f\"INSERT INTO item (name) VALUES ('{uuid.uuid4()}')\")",
        ),
        # Reads: what it writes depends on what the database holds.
        Script(
            "a3",
            "a2",
            upgrade='found = op.get_bind().execute(sa.text("SELECT count(*) FROM item")).scalar()\n'
            "op.execute(f\"INSERT INTO item (name) VALUES ('count {found}')\")",
        ),
        # Takes a name that is not SQLAlchemy's (a builtin here; a module constant alike).
        Script("a4", "a3", upgrade='op.execute(str("UPDATE item SET name = name"))'),
    ]
    databases = [make_database("sqlite") for _ in range(3)]
    replays = StepReplays()
    for runner in runners(tmp_path, databases, scripts):
        sharing(replays, runner).migrate("up", "heads")
        runner.dispose()
    assert replays.replayed == 2  # a1 on the second and third databases; a2-a4 never
    names = [[name for (name,) in rows(db, "SELECT name FROM item")] for db in databases]
    assert all(found[1] == "count 1" for found in names)
    assert len({found[0] for found in names}) == 3  # a uuid of each database's own


@pytest.mark.parametrize(
    "body",
    [
        'op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))',
        'op.add_column("t", sa.Column("c", sa.String(40), server_default="x"))\npass',
        'op.create_index(op.f("ix_t_c"), "t", ["c"], unique=True)',
        'op.alter_column("t", "c", existing_type=sa.String(40), nullable=False)',
        'op.execute("UPDATE t SET c = 1")',
        'op.drop_constraint("fk_x", "t", type_="foreignkey")',
        'op.create_table("t", sa.Column("d", postgresql.JSONB(astext_type=sa.Text())))',
    ],
)
def test_declarative_functions(body: str) -> None:
    assert _declaration(body) is not None


@pytest.mark.parametrize(
    "body",
    [
        'name = "t"\nop.drop_table(name)',  # a variable
        'if True:\n    op.drop_table("t")',  # control flow
        'op.drop_table(TABLE)\nop.drop_table("t", **KW)',  # **kw
        'op.drop_table(f"t_{1}")',  # an f-string
        'op.bulk_insert(sa.table("t"), [{"id": 1}])',  # not among the declarative ops
        'op.get_bind().execute(sa.text("SELECT 1"))',  # reads
        'with op.batch_alter_table("t") as batch_op:\n    batch_op.drop_column("c")',  # reflects
        'op.execute("SET x = 1", execution_options={"autocommit": True})',
        'op.create_table("t", sa.Column("id", sa.Integer, default=lambda: 1))',  # a lambda
        'op.add_column("t", sa.Column("c", sa.Integer, server_default=str(1 + 1)))',
    ],
)
def test_functions_that_are_not_declarative(body: str) -> None:
    assert _declaration(body) is None


def test_names_are_checked_once_loaded() -> None:
    declaration = _declaration(
        'op.drop_table("t", schema=SCHEMA)\nop.drop_table(sa.text("t"))\nsa.drop_index("i")'
    )
    assert declaration is not None
    # op and sa (as a receiver) must be the run's op; SCHEMA and sa SQLAlchemy's own objects.
    assert declaration.receivers == frozenset({"op", "sa"})
    assert declaration.names == frozenset({"sa", "SCHEMA"})


def _one_metadata(metadata: sa.MetaData, _service: str) -> list[sa.MetaData]:
    return [metadata]


def _declaration(body: str) -> Declaration | None:
    indented = "\n".join("    " + line for line in body.splitlines())
    source = f"import sqlalchemy as sa\n\n\ndef upgrade():\n{indented}\n"
    return Declaration.read(source.encode(), "script.py", "upgrade")


def test_each_naming_convention_renders_its_own_names(
    tmp_path: Path, make_database: Callable[[str], TestDatabase]
) -> None:
    script = Script(
        "a1",
        upgrade='op.create_table("item", sa.Column("name", sa.String(10)), '
        'sa.UniqueConstraint("name"))',
    )
    databases = [make_database("sqlite") for _ in range(3)]
    conventions = ["uq_%(table_name)s_%(column_0_name)s", "other_%(column_0_name)s"] * 2
    plains = runners(tmp_path, databases, [script])
    replays = StepReplays()
    for plain, convention in zip(plains, conventions[:3], strict=True):
        models = partial(_one_metadata, sa.MetaData(naming_convention={"uq": convention}))
        runner = DatabaseRunner(plain.config, plain.planner, models=models, replays=replays)
        runner.migrate("up", "heads")
        runner.dispose()
    names = [
        inspect(db, lambda i: [c["name"] for c in i.get_unique_constraints("item")])
        for db in databases
    ]
    assert names == [["uq_item_name"], ["other_name"], ["uq_item_name"]]
    assert replays.replayed == 1  # the third, under the first one's convention
