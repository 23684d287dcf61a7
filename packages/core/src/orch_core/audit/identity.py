"""Who runs orch, and where: the OS user and the host that audit events and history rows name."""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass


@dataclass(frozen=True)
class Identity:
    """The OS user and host of this process."""

    user: str
    host: str


def current_identity() -> Identity:
    """Return this process's OS user ("unknown" where the OS cannot say) and host name."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Identity(user, socket.gethostname())
