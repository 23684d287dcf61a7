"""Write new revision scripts in Alembic's file naming and header format."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_TEMPLATE = '''"""{message}

Revision ID: {revision}
Revises: {revises}
Create Date: {created}

"""

import sqlalchemy as sa

from orch_core import op

# revision identifiers, used by orch (and Alembic).
revision = {revision!r}
down_revision = {down_revision!r}
branch_labels = {branch_labels!r}
depends_on = {depends_on!r}


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
'''


@dataclass(frozen=True)
class NewScript:
    """A revision script to write."""

    folder: Path
    message: str
    down_revisions: tuple[str, ...]
    branch_labels: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    revision: str | None = None


def new_revision_id() -> str:
    """Return a fresh 12-character revision id, as Alembic makes them."""
    return uuid.uuid4().hex[-12:]


def _slug(message: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40] or "revision"


def _one_or_tuple(values: Sequence[str]) -> str | tuple[str, ...] | None:
    if not values:
        return None
    return values[0] if len(values) == 1 else tuple(values)


def write_script(script: NewScript) -> Path:
    """Write the script as <rev>_<slug>.py in its folder and return its path."""
    revision = script.revision or new_revision_id()
    script.folder.mkdir(parents=True, exist_ok=True)
    path = script.folder / f"{revision}_{_slug(script.message)}.py"
    path.write_text(
        _TEMPLATE.format(
            message=script.message,
            revision=revision,
            revises=", ".join(script.down_revisions) or "",
            created=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            down_revision=_one_or_tuple(script.down_revisions),
            branch_labels=_one_or_tuple(script.branch_labels),
            depends_on=_one_or_tuple(script.depends_on),
        ),
        encoding="utf-8",
    )
    return path
