"""One migrator per database: a second waits, then times out naming who holds the lock."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from orch_core.config import DatabaseConfig
from orch_core.errors import LockTimeout
from orch_core.runtime.engines import create_engine
from orch_core.runtime.locks import migration_lock
from tests.support.databases import TestDatabase


def config_for(database: TestDatabase, timeout: float = 0.3) -> DatabaseConfig:
    return DatabaseConfig(name="db", url=database.url, services=(), lock_timeout=timeout)


def test_a_second_migrator_times_out_and_learns_who_holds_it(database: TestDatabase) -> None:
    config = config_for(database)
    holder, waiter = create_engine(database.url), create_engine(database.url)
    try:
        with holder.connect() as held, migration_lock(held, config):
            started = time.monotonic()
            with (
                waiter.connect() as waiting,
                pytest.raises(LockTimeout) as caught,
                migration_lock(waiting, config),
            ):
                pass
            assert time.monotonic() - started >= 0.3
        assert caught.value.database == "db"
        assert caught.value.holder  # the database could tell who holds it
        with waiter.connect() as waiting, migration_lock(waiting, config):  # free again
            pass
    finally:
        holder.dispose()
        waiter.dispose()


def test_locks_are_per_database(make_database) -> None:
    first, second = make_database("postgresql"), make_database("postgresql")
    one, two = create_engine(first.url), create_engine(second.url)
    try:
        with (
            one.connect() as a,
            two.connect() as b,
            migration_lock(a, config_for(first)),
            migration_lock(b, config_for(second)),
        ):
            pass
    finally:
        one.dispose()
        two.dispose()


HOLD = """
import sys, time
from orch_core.config import DatabaseConfig
from orch_core.runtime.engines import create_engine
from orch_core.runtime.locks import migration_lock
config = DatabaseConfig(name="db", url=sys.argv[1], services=(), lock_timeout=5)
with create_engine(sys.argv[1]).connect() as conn, migration_lock(conn, config):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_killed_process_leaves_no_lock(database: TestDatabase, tmp_path: Path) -> None:
    script = tmp_path / "hold.py"
    script.write_text(HOLD)
    process = subprocess.Popen(
        [sys.executable, str(script), database.url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        lines = iter(process.stdout.readline, "")
        assert any(line.strip() == "held" for line in lines)
        engine = create_engine(database.url)
        with (
            engine.connect() as conn,
            pytest.raises(LockTimeout),
            migration_lock(conn, config_for(database)),
        ):
            pass
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        config = replace(config_for(database), lock_timeout=5)
        with engine.connect() as conn, migration_lock(conn, config):
            pass
        engine.dispose()
    finally:
        process.kill()
        process.wait()


def test_each_version_table_of_a_server_database_has_its_own_lock(
    mariadb_database: TestDatabase,
) -> None:
    """Its name, past GET_LOCK's 64 characters, is shortened and still tells the tables apart."""
    long = "version_table_of_a_service_with_a_rather_long_name_"
    first = replace(config_for(mariadb_database), version_table=long + "one")
    second = replace(config_for(mariadb_database), version_table=long + "two")
    one, two = create_engine(mariadb_database.url), create_engine(mariadb_database.url)
    try:
        with (
            one.connect() as a,
            two.connect() as b,
            two.connect() as c,
            migration_lock(a, first),
            migration_lock(b, second),
            pytest.raises(LockTimeout),
            migration_lock(c, first),
        ):
            pass
    finally:
        one.dispose()
        two.dispose()
