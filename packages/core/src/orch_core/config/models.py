"""Import the SQLAlchemy MetaData a service names (`metadata = "pkg.models:Base.metadata"`)."""

from __future__ import annotations

import importlib
import threading
import traceback
from pathlib import Path

import sqlalchemy as sa

from orch_core.config import OrchConfig
from orch_core.config.python_path import add_python_path
from orch_core.errors import MetadataImportFailed, MetadataNotFound

_INVALIDATING = threading.Lock()


def load_service_metadata(config: OrchConfig, service: str) -> tuple[sa.MetaData, ...]:
    """Return the MetaData objects a service's `metadata` key names, imported."""
    specs = config.services[service].autogenerate.metadata
    if not specs:
        return ()
    add_python_path(config.python_path)
    # A models file written since the last import is found. Runners of a fleet ask at once
    # from threads, and two invalidate_caches() at once fail (KeyError) deleting the same entry.
    with _INVALIDATING:
        importlib.invalidate_caches()
    key = f"services.{service}.metadata"
    return tuple(_load_one(spec, config.path, key) for spec in specs)


def _load_one(spec: str, config_path: Path, key: str) -> sa.MetaData:
    module_name, colon, attribute = spec.partition(":")
    if not colon or not module_name or not attribute:
        raise MetadataNotFound(
            f"{spec!r} is not 'module.path:attribute' (e.g. 'app.models:Base.metadata')",
            config_path,
            key,
        )
    found: object = _import(module_name, config_path, key)
    for part in attribute.split("."):
        if not hasattr(found, part):
            raise MetadataNotFound(
                f"{spec!r}: {module_name} has no attribute {attribute!r}", config_path, key
            )
        found = getattr(found, part)
    if not isinstance(found, sa.MetaData):
        kind = type(found).__name__
        raise MetadataNotFound(f"{spec!r} is a {kind}, not a sqlalchemy MetaData", config_path, key)
    return found


def _import(module_name: str, config_path: Path, key: str) -> object:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            raise MetadataNotFound(
                f"no module named {module_name!r} (searched python_path and sys.path)",
                config_path,
                key,
            ) from None
        raise _import_failed(module_name, exc, config_path, key) from exc
    except Exception as exc:
        raise _import_failed(module_name, exc, config_path, key) from exc


def _import_failed(
    module_name: str, exc: Exception, config_path: Path, key: str
) -> MetadataImportFailed:
    """Describe the module's own error, with the file and line it was raised at."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" ({frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    reason = f"importing {module_name} failed: {type(exc).__name__}: {exc}{where}"
    return MetadataImportFailed(reason, config_path, key, module_name)
