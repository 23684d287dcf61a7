"""The Revision value: one script's header, as read without importing the script."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple


class Revision(NamedTuple):
    """A revision script's identity and its place in the graph.

    An immutable value; a named tuple because building 10,000 of them from the header cache
    costs a third of what a frozen dataclass does, on the path of every `heads`.
    """

    revision: str
    down_revisions: tuple[str, ...] = ()
    branch_labels: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    message: str = ""
    # The script's path as text: a Path object per revision costs more than the whole header
    # read from cache at 10,000 revisions, so `path` builds one only when asked.
    filename: str | None = None
    service: str | None = None

    @property
    def path(self) -> Path | None:
        """Return the script's path, if the revision came from a file."""
        return Path(self.filename) if self.filename is not None else None

    @property
    def is_merge_point(self) -> bool:
        """Return whether the revision merges several down_revisions."""
        return len(self.down_revisions) > 1
