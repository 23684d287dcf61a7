"""`--resume`: whether the step an earlier run left half done can soundly run its rest, and
from which statement."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from orch_core.errors import ResumeRefused
from orch_core.runtime.recorder import HistoryOutcome, LastEntry
from orch_core.runtime.step_progress import StepProgress
from orch_graph.plan import Plan, Step

_HALF_DONE = frozenset({HistoryOutcome.STARTED, HistoryOutcome.FAILED_PARTIAL})
_WORDS = {"up": "upgrade", "down": "downgrade"}

# Said of a database where `--resume` found nothing half done: it migrates as usual.
NOTHING_TO_RESUME = "nothing to resume (no step was left half done); ran as usual"


@dataclass(frozen=True)
class ResumePoint:
    """A half-done step, to run again without the statements that completed before."""

    revision: str
    direction: str
    done_before: StepProgress

    def resumes(self, step: Step) -> bool:
        """Return whether step is the half-done one."""
        return (step.revision, step.direction) == (self.revision, self.direction)


def resume_point(
    database: str, last: LastEntry | None, plan: Plan, script_sha256: Callable[[Step], str]
) -> ResumePoint | None:
    """Return where the plan resumes a half-done step; None when no step is half done.

    Raises ResumeRefused where resuming would be unsound: the count was not recorded, the
    script changed since, or the plan does not run that step."""
    if last is None or last.outcome not in _HALF_DONE:
        return None
    if last.statements_done is None or last.statements_sha256 is None:
        raise ResumeRefused(
            database,
            last.revision,
            "its history row, written by an orch older than --resume, does not say how many "
            "of its statements completed",
        )
    wanted = (last.revision, last.direction)
    step = next((s for s in plan.steps if (s.revision, s.direction) == wanted), None)
    word = _WORDS.get(last.direction, last.direction)
    if step is None:
        raise ResumeRefused(
            database,
            last.revision,
            f"the half-done step, its {word}, is not in this run's plan "
            f"(resume it with `orch {word} --resume` to a target past it)",
        )
    if script_sha256(step) != last.script_sha256:
        raise ResumeRefused(
            database,
            last.revision,
            "its script changed since the run that left it half done (its sha256 differs), so "
            "the statements that completed may not be the script's first ones any more",
        )
    done = StepProgress(last.statements_done, last.statements_sha256)
    return ResumePoint(last.revision, last.direction, done)
