"""Revision scripts run with `op` bound to their own run, Alembic's imports included."""

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from orch_core.errors import ScriptError
from orch_core.runtime.context import MigrationContext
from orch_core.runtime.scripts import ScriptLoader
from tests.support.databases import TestDatabase

ALEMBIC_SCRIPT = '''"""an alembic script"""
from alembic import op, context
import sqlalchemy as sa

revision = "a1"
down_revision = None


def upgrade():
    assert not context.is_offline_mode()
    op.create_table("{table}", sa.Column("id", sa.Integer, primary_key=True))
    op.get_bind().execute(sa.text("INSERT INTO {table} (id) VALUES (1)"))


def downgrade():
    op.drop_table("{table}")
'''


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def tables(database: TestDatabase) -> set[str]:
    engine = database.engine()
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_an_alembic_script_runs_unchanged(sqlite_database: TestDatabase, tmp_path: Path) -> None:
    path = write(tmp_path, "a1.py", ALEMBIC_SCRIPT.format(table="things"))
    engine = sqlite_database.engine()
    with engine.begin() as conn:
        ScriptLoader().load(path, MigrationContext.online(conn, revision="a1")).function("up")()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT id FROM things")).scalar_one() == 1
    engine.dispose()


def test_orch_scripts_import_op_from_orch_core(
    sqlite_database: TestDatabase, tmp_path: Path
) -> None:
    text = ALEMBIC_SCRIPT.replace("from alembic import op, context", "from orch_core import op")
    text = text.replace("    assert not context.is_offline_mode()\n", "")
    path = write(tmp_path, "a1.py", text.format(table="orch_things"))
    engine = sqlite_database.engine()
    with engine.begin() as conn:
        ScriptLoader().load(path, MigrationContext.online(conn)).function("up")()
    engine.dispose()
    assert tables(sqlite_database) == {"orch_things"}


def test_two_databases_in_threads_each_get_their_own_op(make_database, tmp_path: Path) -> None:
    first, second = make_database("sqlite"), make_database("postgresql")
    loader = ScriptLoader()
    path = write(tmp_path, "a1.py", ALEMBIC_SCRIPT.format(table="shared_name"))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def migrate(database: TestDatabase) -> None:
        engine = database.engine()
        try:
            with engine.begin() as conn:
                module = loader.load(path, MigrationContext.online(conn))
                barrier.wait(timeout=10)  # both modules are loaded before either runs
                module.function("up")()
        except BaseException as exc:
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=migrate, args=(db,)) for db in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert tables(first) == {"shared_name"}
    assert tables(second) == {"shared_name"}


def test_offline_mode_is_visible_to_scripts(tmp_path: Path) -> None:
    text = """from alembic import context, op
def upgrade():
    op.execute("SELECT 1" if context.is_offline_mode() else "SELECT 2")
"""
    out: list[str] = []
    path = write(tmp_path, "s.py", text)
    ScriptLoader().load(path, MigrationContext.offline("postgresql", out.append)).function("up")()
    assert [chunk.strip() for chunk in out] == ["SELECT 1;"]


def test_a_script_that_does_not_compile_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.py", "revision = 'x'\ndef upgrade(:\n    pass\n")
    with pytest.raises(ScriptError) as caught:
        ScriptLoader().compile(path)
    assert caught.value.path == path
    assert caught.value.line == 2
    assert "does not compile" in str(caught.value)


def test_a_script_that_fails_on_import_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.py", "import os\nraise RuntimeError('no app here')\n")
    with pytest.raises(ScriptError) as caught:
        ScriptLoader().load(path, MigrationContext.offline("sqlite", print))
    assert caught.value.line == 2
    assert "no app here" in str(caught.value)


def test_compiled_once_and_recompiled_when_changed(tmp_path: Path) -> None:
    path = write(tmp_path, "s.py", "x = 1\n")
    loader = ScriptLoader()
    first = loader.compile(path)
    assert loader.compile(path) is first
    path.write_text("x = 22\n")
    assert loader.compile(path).sha256 != first.sha256


def test_compiled_code_is_kept_on_disk_and_never_trusted_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "s.py", "value = 1\n")
    other = write(tmp_path, "t.py", "other = 2\n")
    cache = tmp_path / ".orch" / "compiled-scripts"
    first, _ = ScriptLoader(cache).compile_all([path, other])
    assert [p.name for p in cache.parent.iterdir()] == ["compiled-scripts"]  # one file for all

    def no_compiling(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled again although the cache was fresh")

    monkeypatch.setattr("builtins.compile", no_compiling)
    again = ScriptLoader(cache).compile(path)  # a new process, in effect
    assert again.sha256 == first.sha256
    ScriptLoader(cache).compile(other)  # kept alongside, not replaced by the other's save
    monkeypatch.undo()

    path.write_text("value = 22\n")  # changed: size and mtime differ
    changed = ScriptLoader(cache).compile(path)
    assert changed.sha256 != first.sha256
    namespace: dict[str, object] = {}
    exec(changed.code, namespace)
    assert namespace["value"] == 22

    cache.write_bytes(b"not marshal at all")
    assert ScriptLoader(cache).compile(path).sha256 == changed.sha256  # corrupt: ignored

    other.unlink()
    path.write_text("value = 333\n")
    ScriptLoader(cache).compile(path)  # a save drops the scripts that are gone
    monkeypatch.setattr("builtins.compile", no_compiling)
    assert ScriptLoader(cache).compile(path).sha256 != changed.sha256
    other.write_text("other = 2\n")
    with pytest.raises(AssertionError, match="compiled again"):
        ScriptLoader(cache).compile(other)


def test_op_outside_a_migration_is_importable_but_says_why_it_cannot_run() -> None:
    from orch_core import op

    with pytest.raises(RuntimeError, match="only be called while orch runs a migration"):
        op.create_table("x")
