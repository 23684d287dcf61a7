"""SQLite tenants' engines over one dialect per thread: shared only where that is sound."""

from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa

from orch_core.config import DatabaseConfig
from orch_core.config.hooks import NO_HOOKS, Hooks
from orch_core.runtime.engines import database_engine
from orch_core.runtime.reused_dialects import ReusedDialects


def engine(dialects: ReusedDialects, url: str, hooks: Hooks = NO_HOOKS) -> sa.Engine:
    config = DatabaseConfig(name=url.rsplit("/", 1)[-1], url=url, services=())
    return database_engine(config, dialects.maker(hooks))


def test_a_threads_tenants_share_a_dialect_and_nothing_else(tmp_path: Path) -> None:
    dialects = ReusedDialects()
    one, two = (engine(dialects, f"sqlite:///{tmp_path}/{n}.db") for n in ("one", "two"))
    others: list[sa.Engine] = []
    thread = threading.Thread(
        target=lambda: others.append(engine(dialects, f"sqlite:///{tmp_path}/one.db"))
    )
    thread.start()
    thread.join()

    assert one.dialect is two.dialect
    assert one.pool is not two.pool
    assert (one.url.database, two.url.database) == (f"{tmp_path}/one.db", f"{tmp_path}/two.db")
    # Listened to on the dialect once, not once per engine over it.
    assert len(one.dialect.dispatch.handle_error) == 1
    assert others[0].dialect is not one.dialect  # another thread: a dialect of its own
    for made in (one, two, *others):
        with made.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
        made.dispose()


def test_hooks_that_give_the_driver_arguments_and_memory_take_an_engine_of_their_own(
    tmp_path: Path,
) -> None:
    dialects = ReusedDialects()
    file = engine(dialects, f"sqlite:///{tmp_path}/one.db")
    hooks = Hooks(connect_args=lambda database: {})
    others = [
        engine(dialects, f"sqlite:///{tmp_path}/two.db", hooks),
        engine(dialects, "sqlite://"),
        engine(dialects, f"sqlite:///file:{tmp_path}/three.db?mode=rwc&uri=true"),
    ]
    assert all(other.dialect is not file.dialect for other in others)
