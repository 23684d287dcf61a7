"""The audit trail: structlog configured once, for people (console) and machines (JSON lines).

Every event also goes, as one JSON line flushed at once, to the configured audit file, whatever
the console's verbosity. Any URL in any field has its password masked on the way.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any, Literal, TextIO

import structlog

from orch_core.audit.identity import current_identity
from orch_core.urls import mask_passwords

LogFormat = Literal["console", "json"]


def _mask(_logger: object, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Mask every password in every field: URLs, `password=` parameters, an error's text."""
    for key, value in event.items():
        if key != "exc_info":  # structlog renders the exception itself from it
            event[key] = _masked(value)
    return event


def _masked(value: object) -> object:
    if isinstance(value, str):
        return mask_passwords(value)
    if isinstance(value, BaseException):  # rendered with str() by every format
        return mask_passwords(str(value))
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    return value


class _Identity:
    """Add the OS user, the host and the process to every event."""

    def __init__(self) -> None:
        identity = current_identity()
        self.fields = {"user": identity.user, "host": identity.host}

    def __call__(
        self, _logger: object, _name: str, event: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        for key, value in self.fields.items():
            event.setdefault(key, value)
        event.setdefault("pid", os.getpid())  # asked each time: a worker process has its own
        return event


class AuditFile:
    """An append-only file of JSON lines, one event a line, flushed per event."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._stream = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def __call__(
        self, _logger: object, _name: str, event: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        line = json.dumps(dict(event), default=str, sort_keys=True)
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()
        return event

    def close(self) -> None:
        """Close the file."""
        self._stream.close()


class _LevelFilter:
    """Drop events below the console's level (after the audit file has seen them)."""

    def __init__(self, level: int) -> None:
        self.level = level

    def __call__(
        self, _logger: object, name: str, event: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        if logging.getLevelNamesMapping().get(name.upper(), logging.INFO) < self.level:
            raise structlog.DropEvent
        return event


def configure_logging(
    log_format: LogFormat = "console",
    verbosity: int = 0,
    audit_log: Path | None = None,
    stream: TextIO | None = None,
) -> AuditFile | None:
    """Configure structlog for this process; return the audit file sink, if any, to close."""
    # People see warnings by default (the summary says the rest); -v shows events, -vv debug.
    # Machines (json) get every info event.
    if verbosity < 0:
        level = logging.WARNING
    elif verbosity == 0:
        level = logging.INFO if log_format == "json" else logging.WARNING
    else:
        level = logging.INFO if verbosity == 1 else logging.DEBUG
    audit = AuditFile(audit_log) if audit_log else None
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _Identity(),
        _mask,
    ]
    sinks: list[Any] = [audit] if audit else []
    renderer: Any = (
        structlog.processors.JSONRenderer(default=str)
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    # Without an audit file, events below the console's level are dropped before any
    # processor runs; with one, every event is processed, since the file keeps them all.
    wrapper = structlog.make_filtering_bound_logger(logging.DEBUG if audit else level)
    structlog.configure(
        processors=[*shared, *sinks, _LevelFilter(level), renderer],
        wrapper_class=wrapper,
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stderr),
        cache_logger_on_first_use=False,
    )
    _route_stdlib(level if verbosity > 1 else logging.WARNING)
    return audit


def _route_stdlib(level: int) -> None:
    """Send SQLAlchemy's stdlib log records through the same chain."""

    class _ToStructlog(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            structlog.get_logger(record.name).log(record.levelno, record.getMessage())

    logger = logging.getLogger("sqlalchemy")
    logger.handlers = [_ToStructlog()]
    logger.setLevel(level)
    logger.propagate = False
