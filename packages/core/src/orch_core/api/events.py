"""Where a script's run events go when nobody configured structlog: to standard logging.

Unconfigured, structlog prints every event to stdout; a library called from someone else's
program must not. So, on the first API call that may log, and only if structlog is still
unconfigured, events are handed to the `logging` module (loggers named `orch...`), where the
program's own logging configuration decides; with none, Python shows only warnings and errors
on stderr. `configure_logging` (or the program's own structlog.configure) replaces this.
"""

from __future__ import annotations

import threading

import structlog

_lock = threading.Lock()


def hand_events_to_logging() -> None:
    """Route structlog's events to the logging module, unless structlog is configured."""
    with _lock:
        if structlog.is_configured():
            return
        structlog.configure(
            processors=[
                structlog.stdlib.filter_by_level,
                structlog.contextvars.merge_contextvars,
                structlog.stdlib.render_to_log_kwargs,
            ],
            logger_factory=structlog.stdlib.LoggerFactory(),
            wrapper_class=structlog.stdlib.BoundLogger,
            cache_logger_on_first_use=False,
        )
