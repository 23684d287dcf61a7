"""What `orch revision` is asked for, and what it did."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orch_core.autogenerate.changes import Change


@dataclass(frozen=True)
class RevisionRequest:
    """What `orch revision` was asked for."""

    message: str
    service: str | None = None
    head: str | None = None  # a revision, `heads`, or `base`; default: the service's head
    splice: bool = False
    depends_on: tuple[str, ...] = ()
    rev_id: str | None = None
    branch_labels: tuple[str, ...] = ()
    autogenerate: bool = False
    database: str | None = None  # the database to compare with (autogenerate)
    allow_empty: bool = False


@dataclass(frozen=True)
class RevisionResult:
    """The script written (None: nothing to change, so nothing written) and what it does."""

    path: Path | None
    changes: tuple[Change, ...] = ()
