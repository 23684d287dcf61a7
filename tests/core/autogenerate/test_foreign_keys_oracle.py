"""Foreign keys pair by pair (columns, target, actions, names): orch agrees with Alembic."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from orch_core.runtime.engines import create_engine
from tests.core.autogenerate.oracle import alembic_kinds, orch_changes
from tests.support.databases import TestDatabase

VARIANTS: list[Any] = [
    None,
    {},
    {"ondelete": "CASCADE"},
    {"ondelete": "SET NULL"},
    {"onupdate": "CASCADE"},
    {"ondelete": "RESTRICT"},
    {"ondelete": "NO ACTION"},
    {"name": "fk_named"},
    {"name": "fk_other"},
    "composite",
    "other_column",
]


def _models(variant: Any) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "p",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("k", sa.Integer),
        sa.UniqueConstraint("id", "k", name="uq_p"),
    )
    child = sa.Table(
        "c",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pid", sa.Integer),
        sa.Column("pk", sa.Integer),
    )
    if variant == "composite":
        child.append_constraint(
            sa.ForeignKeyConstraint(["pid", "pk"], ["p.id", "p.k"], name="fk_c")
        )
    elif variant == "other_column":
        child.append_constraint(sa.ForeignKeyConstraint(["pk"], ["p.id"], name="fk_c"))
    elif variant is not None:
        child.append_constraint(
            sa.ForeignKeyConstraint(["pid"], ["p.id"], **{"name": "fk_c", **variant})
        )
    return metadata


@pytest.mark.slow
def test_foreign_keys_as_alembic_sees_them(database: TestDatabase) -> None:
    engine = create_engine(database.url)
    disagreements = []
    try:
        for before in VARIANTS:
            for after in VARIANTS:
                with engine.begin() as connection:
                    _models(before).create_all(connection)
                orch = {change.kind.value for change in orch_changes(engine, _models(after))}
                alembic = {kind for kind, _ in alembic_kinds(engine, _models(after))}
                if orch != alembic:
                    disagreements.append((before, after, orch, alembic))
                with engine.begin() as connection:
                    _models(before).drop_all(connection)
    finally:
        engine.dispose()
    assert disagreements == []
