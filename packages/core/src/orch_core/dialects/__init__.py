"""orch's dialects, registered by SQLAlchemy dialect name: one module per database.

sqlite.py, postgresql.py and mysql.py (MySQL and MariaDB) each hold all of that database's
behaviour; base.py says what a dialect states; generic.py is the fallback for the rest.
"""

from __future__ import annotations

from types import MappingProxyType

from orch_core.dialects.base import Dialect
from orch_core.dialects.generic import generic_dialect
from orch_core.dialects.mysql import MARIADB, MYSQL
from orch_core.dialects.postgresql import POSTGRESQL
from orch_core.dialects.sqlite import SQLITE
from orch_core.errors import UnknownDialect

REGISTRY = MappingProxyType({d.name: d for d in (SQLITE, POSTGRESQL, MYSQL, MARIADB)})

# Names SQLAlchemy knows but orch has no dedicated module for; they get the generic fallback.
_GENERIC_NAMES = frozenset({"mssql", "oracle", "default"})


def get_dialect(name: str) -> Dialect:
    """Return orch's dialect for a SQLAlchemy dialect name (e.g. "sqlite", "postgresql")."""
    base = name.split("+", 1)[0]
    found = REGISTRY.get(base)
    if found is not None:
        return found
    if base in _GENERIC_NAMES:
        return generic_dialect(base)
    from sqlalchemy.dialects import registry  # noqa: PLC0415 - see orch_core.dialects.base

    try:
        registry.load(base)
    except Exception as exc:
        raise UnknownDialect(name) from exc
    return generic_dialect(base)


__all__ = ["REGISTRY", "Dialect", "get_dialect"]
