"""The keys each table of the configuration accepts, with the types a value may have."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from orch_core.config.alembic_keys import refusal
from orch_core.config.autogenerate import AUTOGENERATE_KEYS, SCRIPT_NAMING_KEYS, SERVICE_ONLY_KEYS
from orch_core.config.fleets import FLEET_ONLY_KEYS
from orch_core.errors import ConfigError

# What each database takes, and [orch] as the default for every database.
PER_DATABASE_KEYS: dict[str, tuple[type, ...]] = {
    "version_table": (str,),
    "version_table_schema": (str,),
    "history_table": (str, bool),
    "lock_timeout": (int, float),
    "transaction_mode": (str,),
    "transaction_per_migration": (bool,),
    "version_table_pk": (bool,),
}
ORCH_KEYS: dict[str, tuple[type, ...]] = {
    "audit_log": (str,),
    "concurrency": (int,),
    "stop_grace_seconds": (int, float),
    "header_cache": (str,),
    **PER_DATABASE_KEYS,
    "hooks": (str,),
    "python_path": (list,),
    **AUTOGENERATE_KEYS,
    **SCRIPT_NAMING_KEYS,
}
SERVICE_KEYS: dict[str, tuple[type, ...]] = {
    "scripts": (str,),
    "hooks": (str,),
    **SERVICE_ONLY_KEYS,
    **AUTOGENERATE_KEYS,
}
DATABASE_KEYS: dict[str, tuple[type, ...]] = {
    "url": (str,),
    "services": (list,),
    "after": (list,),
    **PER_DATABASE_KEYS,
}
FLEET_KEYS: dict[str, tuple[type, ...]] = {
    **DATABASE_KEYS,
    **FLEET_ONLY_KEYS,
}
TOP_KEYS = ("orch", "services", "databases", "fleets")


def check_table(
    path: Path, prefix: str, table: dict[str, Any], allowed: dict[str, tuple[type, ...]]
) -> None:
    """Refuse a key the table does not accept, or a value of the wrong type."""
    for key, value in table.items():
        dotted = f"{prefix}.{key}"
        if key not in allowed:
            reason = refusal(key) or f"unknown key (expected one of {', '.join(allowed)})"
            raise ConfigError(reason, path, dotted)
        types = allowed[key]
        wrong_bool = isinstance(value, bool) and bool not in types
        if not isinstance(value, types) or wrong_bool:
            expected = " or ".join(_type_name(t) for t in types)
            raise ConfigError(f"must be {expected}, not {_type_name(type(value))}", path, dotted)
        if isinstance(value, list) and not all(isinstance(item, str) for item in value):
            raise ConfigError("must be a list of strings", path, dotted)


def _type_name(kind: type) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "a boolean"}
    return names.get(
        kind, f"a {'list' if kind is list else 'table' if kind is dict else kind.__name__}"
    )


def accepted_keys(table: str) -> Mapping[str, tuple[type, ...]]:
    """Return the keys a table accepts ("orch", "services", "databases" or "fleets") and their
    types."""
    tables = {
        "orch": ORCH_KEYS,
        "services": SERVICE_KEYS,
        "databases": DATABASE_KEYS,
        "fleets": FLEET_KEYS,
    }
    return MappingProxyType(tables[table])
