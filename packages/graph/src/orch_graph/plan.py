"""Plans: the ordered steps that move a database's version rows from one set to another."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["up", "down"]


@dataclass(frozen=True, slots=True)
class Step:
    """Run one revision in one direction, and change the version rows so."""

    revision: str
    direction: Direction
    deletes: tuple[str, ...] = ()
    inserts: tuple[str, ...] = ()
    updates: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    """Steps in the order they must run, with the version rows before and after."""

    direction: Literal["up", "down", "stamp"]
    current: tuple[str, ...]
    heads_after: tuple[str, ...]
    steps: tuple[Step, ...] = ()
