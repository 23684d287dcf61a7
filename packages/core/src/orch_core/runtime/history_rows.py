"""The history rows of one run: which run, who ran it, from where, with which orch."""

from __future__ import annotations

import datetime as dt

from orch_core import __version__
from orch_core.audit.identity import current_identity
from orch_core.runtime.recorder import HistoryEntry, HistoryOutcome, RunKind
from orch_core.runtime.results import utc_now
from orch_core.runtime.step_progress import StepProgress


class RunRows:
    """Make the history rows of one run (its id) on a database."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self._identity = current_identity()

    def entry(
        self,
        revision: str,
        direction: RunKind,
        started: dt.datetime,
        outcome: HistoryOutcome,
        sha256: str | None = None,
        *,
        progress: StepProgress | None = None,
    ) -> HistoryEntry:
        """Return a row of this run, finished now; progress: the step's statements done."""
        return HistoryEntry(
            run_id=self.run_id,
            revision=revision,
            direction=direction,
            started_at=started,
            finished_at=utc_now(),
            outcome=outcome,
            script_sha256=sha256,
            os_user=self._identity.user,
            host=self._identity.host,
            orch_version=__version__,
            statements_done=progress.done if progress is not None else None,
            statements_sha256=progress.digest if progress is not None else None,
        )
