"""The autogenerate keys: where a service's models are and how they are compared.

Alembic's `context.configure` names and defaults; set in `[orch]` for every service and in
`[services.NAME]` for one (the service's value wins). `metadata` is per service only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The keys [orch] and [services.NAME] accept, with the Python types a value may have.
AUTOGENERATE_KEYS: dict[str, tuple[type, ...]] = {
    "compare_type": (bool,),
    "compare_server_default": (bool,),
    "include_schemas": (bool,),
    "render_as_batch": (bool,),
    "user_module_prefix": (str,),
    "exclude_tables": (list,),
}
SERVICE_ONLY_KEYS: dict[str, tuple[type, ...]] = {"metadata": (str, list)}
# How new revision files are named, as alembic.ini's keys of the same names ([orch] only).
SCRIPT_NAMING_KEYS: dict[str, tuple[type, ...]] = {
    "file_template": (str,),
    "truncate_slug_length": (int,),
}


@dataclass(frozen=True)
class AutogenerateConfig:
    """How a service's models are found and compared with its databases."""

    metadata: tuple[str, ...] = ()  # "module.path:attribute" of each MetaData
    compare_type: bool = True
    compare_server_default: bool = False
    include_schemas: bool = False
    render_as_batch: bool | None = None  # None: on for SQLite databases, off elsewhere
    user_module_prefix: str | None = None
    exclude_tables: tuple[str, ...] = ()


def autogenerate_config(
    defaults: Mapping[str, Any], service: Mapping[str, Any]
) -> AutogenerateConfig:
    """Return a service's autogenerate settings: its own keys over the [orch] ones."""
    setting = {key: value for key, value in defaults.items() if key in AUTOGENERATE_KEYS}
    setting.update((key, value) for key, value in service.items() if key in AUTOGENERATE_KEYS)
    metadata = service.get("metadata", ())
    return AutogenerateConfig(
        metadata=(metadata,) if isinstance(metadata, str) else tuple(metadata),
        compare_type=setting.get("compare_type", True),
        compare_server_default=setting.get("compare_server_default", False),
        include_schemas=setting.get("include_schemas", False),
        render_as_batch=setting.get("render_as_batch"),
        user_module_prefix=setting.get("user_module_prefix"),
        exclude_tables=tuple(setting.get("exclude_tables", ())),
    )
