"""Configuration: the typed model of a project (model), read from TOML (loader, interpolation)."""

from orch_core.config.loader import load_config
from orch_core.config.model import (
    DEFAULT_CONCURRENCY,
    DEFAULT_STOP_GRACE,
    DatabaseConfig,
    OrchConfig,
    ServiceConfig,
    TransactionMode,
)

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_STOP_GRACE",
    "DatabaseConfig",
    "OrchConfig",
    "ServiceConfig",
    "TransactionMode",
    "load_config",
]
