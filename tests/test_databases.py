"""The database fixtures give each test its own empty, working database."""

import sqlalchemy as sa

from tests.support.databases import TestDatabase


def test_database_is_empty_and_writable(database: TestDatabase) -> None:
    engine = database.engine()
    try:
        assert sa.inspect(engine).get_table_names() == []
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE probe (id INTEGER PRIMARY KEY)"))
            conn.execute(sa.text("INSERT INTO probe (id) VALUES (1)"))
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT id FROM probe")).scalar_one() == 1
        assert sa.inspect(engine).get_table_names() == ["probe"]
    finally:
        engine.dispose()


def test_two_databases_of_a_kind_are_separate(make_database) -> None:
    first, second = make_database("postgresql"), make_database("postgresql")
    assert first.name != second.name
    engine = first.engine()
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE only_here (id INTEGER)"))
    finally:
        engine.dispose()
    engine = second.engine()
    try:
        assert sa.inspect(engine).get_table_names() == []
    finally:
        engine.dispose()
