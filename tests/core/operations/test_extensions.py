"""Alembic's op extension API on orch's op: operations registered by the project or a plugin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.operations import MigrateOperation
from alembic.operations import Operations as AlembicOperations

from orch_core.errors import UnsupportedOperation
from orch_core.operations import Operations
from orch_core.operations.batch import BatchOperations
from tests.core.operations.helpers import alembic_sql, inspect, migrate, orch_sql, runner_for
from tests.support.databases import TestDatabase
from tests.support.projects import Script


@Operations.register_operation("orch_test_create_view")
@BatchOperations.register_operation("orch_test_create_view", "batch_create_view")
class CreateViewOp:
    """A project's own operation, registered on orch's classes."""

    def __init__(self, view_name: str, select: str) -> None:
        self.view_name = view_name
        self.select = select

    @classmethod
    def orch_test_create_view(cls, operations: Any, view_name: str, select: str) -> Any:
        """Create a view."""
        return operations.invoke(cls(view_name, select))

    @classmethod
    def batch_create_view(cls, operations: Any, view_name: str) -> Any:
        """Create a view of the batch's table."""
        return operations.invoke(cls(view_name, f"SELECT id FROM {operations.spec.table_name}"))


@Operations.implementation_for(CreateViewOp)
def _create_view(operations: Any, operation: CreateViewOp) -> None:
    operations.execute(f"CREATE VIEW {operation.view_name} AS {operation.select}")


@AlembicOperations.register_operation("orch_test_drop_view")
class DropViewOp(MigrateOperation):
    """A plugin's operation, registered on Alembic's own class (as alembic_postgresql_enum's)."""

    def __init__(self, view_name: str) -> None:
        self.view_name = view_name

    @classmethod
    def orch_test_drop_view(cls, operations: Any, view_name: str) -> Any:
        """Drop a view."""
        return operations.invoke(cls(view_name))


@AlembicOperations.implementation_for(DropViewOp)
def _drop_view(operations: Any, operation: DropViewOp) -> None:
    operations.execute(f"DROP VIEW {operation.view_name}")


def _views(database: TestDatabase) -> list[str]:
    return list(inspect(database, lambda i: i.get_view_names()))


def test_registered_operations_run_on_every_database(database: TestDatabase) -> None:
    with migrate(database) as op:
        op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))
        op.orch_test_create_view("v_t", "SELECT id FROM t")
        with op.batch_alter_table("t") as batch_op:
            batch_op.orch_test_create_view("v_batch")
    assert sorted(_views(database)) == ["v_batch", "v_t"]
    with migrate(database) as op:
        op.orch_test_drop_view("v_t")
    assert _views(database) == ["v_batch"]


def test_a_script_calls_a_plugins_operation(database: TestDatabase, tmp_path: Path) -> None:
    plugin = "import tests.core.operations.test_extensions  # registers, as a plugin import does"
    scripts = [
        Script("a1", upgrade='op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))'),
        Script(
            "a2",
            "a1",
            upgrade=f'{plugin}\nop.orch_test_create_view("v", "SELECT id FROM t")',
            downgrade="op.orch_test_drop_view('v')",
            op_module="alembic",
        ),
    ]
    runner = runner_for(tmp_path, database, scripts)
    try:
        runner.migrate("up", "heads")
        assert _views(database) == ["v"]
        runner.migrate("down", "a1")
        assert _views(database) == []
    finally:
        runner.dispose()


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
def test_a_plugins_operation_in_sql_output_is_alembics(dialect: str) -> None:
    def script(op: Any) -> None:
        op.orch_test_drop_view("v_t")

    assert orch_sql(dialect, script) == alembic_sql(dialect, script) == ["DROP VIEW v_t"]
    assert orch_sql(dialect, lambda op: op.orch_test_create_view("v", "SELECT 1")) == [
        "CREATE VIEW v AS SELECT 1"
    ]


def test_alembics_own_operations_are_not_borrowed() -> None:
    # Alembic's batch_op has create_exclude_constraint (from alembic.ddl.postgresql); orch's
    # has not, and Alembic's own would need Alembic's DDL layer.
    batch_op = BatchOperations.__new__(BatchOperations)
    with pytest.raises(AttributeError, match="create_exclude_constraint"):
        _ = batch_op.create_exclude_constraint
    op = Operations.__new__(Operations)
    with pytest.raises(AttributeError, match="run_async"):
        _ = op.run_async
    with pytest.raises(AttributeError, match="no_such_operation"):
        _ = op.no_such_operation


def test_an_operation_without_an_implementation_is_refused() -> None:
    class Unregistered:
        pass

    with pytest.raises(UnsupportedOperation, match="Unregistered"):
        orch_sql("sqlite", lambda op: op.invoke(Unregistered()))
    with pytest.raises(ValueError, match="CreateViewOp"):
        Operations.implementation_for(CreateViewOp)(_create_view)
    assert Operations.implementation_for(CreateViewOp, replace=True)(_create_view) is _create_view
