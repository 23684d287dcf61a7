"""MySQL and MariaDB: non-transactional DDL, column changes restate the column (MODIFY)."""

from __future__ import annotations

from orch_core.dialects.base import Dialect

MYSQL = Dialect(name="mysql", transactional_ddl=False, comments="inline", alter_style="modify")
MARIADB = Dialect(name="mariadb", transactional_ddl=False, comments="inline", alter_style="modify")
