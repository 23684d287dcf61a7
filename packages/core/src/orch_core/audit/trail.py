"""The audit trail: structlog configured once, for people (console) and machines (JSON lines).

Every event also goes, as one JSON line flushed at once, to the configured audit file, whatever
the console's verbosity. Any URL in any field has its password masked on the way.
"""

from __future__ import annotations

import logging
import os
import sys
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


class AuditFile(logging.FileHandler):
    """An append-only file of JSON lines, one event a line, flushed per event, every level."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Opened at the first event: a command that emits none (`current`) leaves no file.
        super().__init__(path, mode="a", encoding="utf-8", delay=True)
        self.path = path


def _formatter(renderer: Any, chain: list[Any]) -> structlog.stdlib.ProcessorFormatter:
    """Return a formatter that renders orch's events and foreign records (SQLAlchemy's) alike."""
    # Which library spoke; orch's own events need no name.
    foreign: list[Any] = [structlog.stdlib.add_logger_name, *chain]
    return structlog.stdlib.ProcessorFormatter(
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        foreign_pre_chain=foreign,
    )


def _shared_chain() -> list[Any]:
    """Return what every event passes through before it is rendered: level, time, who, masks."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _Identity(),
        _mask,
    ]


def _console_level(log_format: LogFormat, verbosity: int) -> int:
    """Return the lowest level people see on the console."""
    # People see warnings by default (the summary says the rest); -v shows events, -vv debug.
    # Machines (json) get every info event.
    if verbosity < 0:
        return logging.WARNING
    if verbosity == 0:
        return logging.INFO if log_format == "json" else logging.WARNING
    return logging.INFO if verbosity == 1 else logging.DEBUG


def configure_logging(
    log_format: LogFormat = "console",
    verbosity: int = 0,
    audit_log: Path | None = None,
    stream: TextIO | None = None,
) -> AuditFile | None:
    """Configure structlog and the `orch` and `sqlalchemy` loggers; return the audit file, if any.

    structlog hands each event to the standard `logging` module; one handler renders it for
    the console (its level), another writes it to the audit file (every level). SQLAlchemy's
    records (-vv shows its SQL) pass through the same handlers, so they come out alike.
    """
    level = _console_level(log_format, verbosity)
    chain = _shared_chain()
    console = logging.StreamHandler(stream or sys.stderr)
    console.setLevel(level)
    renderer: Any = (
        structlog.processors.JSONRenderer(default=str)
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    console.setFormatter(_formatter(renderer, chain))
    audit = AuditFile(audit_log) if audit_log else None
    if audit:
        lines = structlog.processors.JSONRenderer(default=str, sort_keys=True)
        audit.setFormatter(_formatter(lines, chain))
    handlers: list[logging.Handler] = [console, *([audit] if audit else [])]
    # Without an audit file, events below the console's level are dropped before any
    # processor runs; with one, every event is processed, since the file keeps them all.
    _attach("orch", handlers, logging.DEBUG if audit else level)
    _attach("sqlalchemy", handlers, level if verbosity > 1 else logging.WARNING)
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *chain,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )
    return audit


def _attach(name: str, handlers: list[logging.Handler], level: int) -> None:
    """Make handlers the only ones of the named logger (closing the ones a previous call set)."""
    logger = logging.getLogger(name)
    for old in logger.handlers:
        old.close()
    logger.handlers = list(handlers)
    logger.setLevel(level)
    # Events go where configure_logging sends them, not also to the program's root handlers.
    logger.propagate = False
