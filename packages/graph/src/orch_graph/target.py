"""Target values: a target string in Alembic's grammar, parsed once into what it names.

`heads`, `head`, `base`, a revision id, partial id or branch label, each optionally behind
`label@`; relative moves `+N`, `-N`, `label@+N`, `REV+N`, `REV-N`; several targets separated
by spaces; ranges `FROM:TO` (for `--sql` and history). Parsing needs no graph: what a target
resolves to is the business of `orch_graph.targets`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from orch_graph.errors import BadTarget

HEADS = "heads"
HEAD = "head"
BASE = "base"

# As Alembic reads a relative target: an optional `label@`, an optional word, a signed count.
_RELATIVE = re.compile(r"^(?:(?P<label>[^@\s:]+?)@)?(?P<symbol>\w+?)?(?P<steps>[+-]\d+)$")
_ABSOLUTE = re.compile(r"^(?:(?P<label>[^@\s:]+)@)?(?P<symbol>[^@\s:+]+)$")


@dataclass(frozen=True, slots=True)
class Target:
    """One target: what it names (`symbol`), on which branch (`label`), how many steps off.

    `symbol` is `heads`, `head`, `base`, or a revision id, partial id or label; None only for a
    move from where the database is (`+2`, `users@-1`). `steps` is None for an absolute target.
    """

    text: str
    symbol: str | None
    label: str | None = None
    steps: int | None = None

    @property
    def is_relative(self) -> bool:
        """Return whether the target is a number of steps away from somewhere."""
        return self.steps is not None

    def absolute(self) -> Target:
        """Return the target without its steps (`users@ae10` for `users@ae10+2`)."""
        assert self.symbol is not None, "a move from the database's rows has no anchor"
        text = f"{self.label}@{self.symbol}" if self.label else self.symbol
        return Target(text, self.symbol, self.label)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Range:
    """`FROM:TO`: where a plan starts (empty: base) and where it goes (None: open)."""

    text: str
    lower: tuple[Target, ...]
    upper: Target | None


def parse_target(text: str) -> Target:
    """Return the one target text names; a form outside the grammar is a BadTarget."""
    relative = _RELATIVE.match(text)
    if relative:
        steps = int(relative["steps"])
        return Target(text, relative["symbol"], relative["label"], steps)
    absolute = _ABSOLUTE.match(text)
    if absolute:
        return Target(text, absolute["symbol"], absolute["label"])
    raise BadTarget(text, _why_not(text))


def parse_targets(text: str) -> tuple[Target, ...]:
    """Return the targets in text, separated by spaces; none at all means `base`."""
    parts = text.split()
    return tuple(parse_target(part) for part in parts) if parts else (parse_target(BASE),)


def parse_range(text: str) -> Range:
    """Return the range `FROM:TO`; FROM may list revisions with commas, either side be empty."""
    if text.count(":") != 1:
        raise BadTarget(text, "expected a range FROM:TO")
    lower, _, upper = text.partition(":")
    starts = tuple(parse_target(part) for part in lower.split(",") if part)
    return Range(text, starts, parse_target(upper) if upper else None)


def _why_not(text: str) -> str:
    if not text.strip():
        return "empty target"
    if ":" in text:
        return "a range FROM:TO is taken only by --sql and history"
    if text.endswith("@") or text.startswith("@"):
        return "expected label@head, label@base, label@REV or label@+N"
    return "not a target: expected heads, head, base, a revision, label@head, +N, -N or REV+N"
