"""`--sql` writes version-table changes from templates: the text must be what compiling gives."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from orch_core.config import DatabaseConfig
from orch_core.runtime.offline import render_statement, sa_dialect_for
from orch_core.runtime.recorder import Recorder

# Values a revision id should never hold, but which a template must still render exactly.
AWKWARD = ["ab12", "it's", "50%", "back\\slash", 'dou"ble']


@pytest.mark.parametrize("dialect_name", ["sqlite", "postgresql", "mysql"])
@pytest.mark.parametrize("schema", [None, "meta"])
def test_templates_render_what_compiling_renders(dialect_name: str, schema: str | None) -> None:
    recorder = Recorder(
        DatabaseConfig("db", f"{dialect_name}://", ("s",), version_table_schema=schema)
    )
    dialect = sa_dialect_for(dialect_name)
    column = recorder.version.c.version_num
    writer = recorder.version_sql(dialect, ";")
    for old in AWKWARD:
        for new in AWKWARD:
            expected = [
                sa.update(recorder.version).where(column == old).values(version_num=new),
                sa.delete(recorder.version).where(column == old),
                sa.insert(recorder.version).values(version_num=new),
            ]
            rendered = writer.statements([old], [new], [(old, new)])
            assert rendered == [render_statement(s, dialect, ";") for s in expected]
