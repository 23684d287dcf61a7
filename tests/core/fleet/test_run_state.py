"""A run carried out along its schedule: waits honoured, failures stopping what they must.

The runners here play their steps without a database: what is under test is the scheduling
(which database waits, which starts, which is skipped and why); the CLI and integration tests
run the same paths on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import structlog

from orch_core.config import DatabaseConfig
from orch_core.errors import MigrationFailed
from orch_core.fleet.outcomes import Outcome
from orch_core.fleet.run_state import RunState
from orch_core.fleet.schedule import Schedule
from orch_core.runtime.recorder import HistoryOutcome
from orch_core.runtime.results import DatabaseResult, StepHooks, StepResult
from orch_graph.plan import Direction, Step
from orch_graph.view import ExternalRequirement


@dataclass
class PlayedRunner:
    """Apply `steps` in order through the hooks, as DatabaseRunner does; fail at `fails_at`."""

    name: str
    steps: Sequence[str]
    journal: list[str]  # every database's applied steps, as they happen
    fails_at: str | None = None
    gates: Mapping[str, threading.Event] = field(default_factory=dict)  # awaited before steps
    after_step: Callable[[str], object] = lambda revision: None
    url: str = "played://"

    def migrate(
        self, direction: Direction, target: str, hooks: StepHooks | None = None
    ) -> DatabaseResult:
        hooks = hooks or StepHooks()
        done: list[StepResult] = []
        for revision in self.steps:
            if hooks.stop():
                break
            step = Step(revision, direction)
            hooks.before(step)
            if revision in self.gates:
                self.gates[revision].wait(timeout=5)
            if revision == self.fails_at:
                raise MigrationFailed(self.name, revision, direction, "boom")
            self.journal.append(f"{self.name}:{revision}")
            done.append(StepResult(revision, direction, HistoryOutcome.APPLIED, 0))
            hooks.after(step)
            self.after_step(revision)
        stopped = len(done) < len(self.steps)
        return DatabaseResult(self.name, (), self.current(), tuple(done), stopped)

    def current(self) -> tuple[str, ...]:
        mine = [entry.split(":")[1] for entry in self.journal if entry.startswith(self.name + ":")]
        return tuple(mine[-1:])

    def dispose(self) -> None:
        pass

    def cancel(self) -> None:
        pass  # its steps run no statements


def run(
    databases: Sequence[DatabaseConfig],
    requirements: Mapping[str, Sequence[ExternalRequirement]],
    runners: Mapping[str, PlayedRunner],
    *,
    keep_going: bool = False,
    threads: int = 4,
) -> dict[str, tuple[Outcome, str | None]]:
    """Run every database to heads; return each one's outcome and reason."""
    targets = {d.name: "heads" for d in databases}
    schedule = Schedule.build("up", targets, databases, requirements)
    log = structlog.get_logger("test")
    state = RunState(schedule, runners.__getitem__, log, keep_going=keep_going)
    finished = state.run(schedule.order, threads)
    return {name: (o.outcome, o.reason) for name, o in finished.items()}


USERS = DatabaseConfig("users", "sqlite://", ("users",))
BILLING = DatabaseConfig("billing", "sqlite://", ("billing",))
CATALOG = DatabaseConfig("catalog", "sqlite://", ("catalog",), after=("users",))
AUDIT = DatabaseConfig("audit", "sqlite://", ("audit",))
INVOICES = {"billing": [ExternalRequirement("b2", "u2", "users")]}


def played(journal: list[str], failing: Mapping[str, str] | None = None) -> dict[str, PlayedRunner]:
    steps = {"users": ["u1", "u2", "u3"], "billing": ["b1", "b2"], "catalog": ["c1"]}
    steps["audit"] = ["a1", "a2"]
    return {
        name: PlayedRunner(name, revisions, journal, (failing or {}).get(name))
        for name, revisions in steps.items()
    }


def test_a_step_waits_for_the_revision_it_needs_and_no_longer() -> None:
    journal: list[str] = []
    runners = played(journal)
    # users holds u2 back until billing has started, and u3 until billing has applied b2:
    # billing's b2 must wait for u2, but not for the whole of users.
    gates = {"b1": threading.Event(), "b2": threading.Event()}
    runners["users"].gates = {"u2": gates["b1"], "u3": gates["b2"]}
    runners["billing"].after_step = lambda revision: gates[revision].set()
    outcomes = run([USERS, BILLING, CATALOG], INVOICES, runners)
    assert set(outcomes.values()) == {(Outcome.SUCCEEDED, None)}
    assert journal.index("users:u2") < journal.index("billing:b2") < journal.index("users:u3")
    assert journal.index("users:u3") < journal.index("catalog:c1")  # after users, all of it


def test_keep_going_runs_everything_that_does_not_wait_for_the_failure() -> None:
    journal: list[str] = []
    runners = played(journal, failing={"users": "u2"})
    outcomes = run([USERS, BILLING, CATALOG, AUDIT], INVOICES, runners, keep_going=True)
    assert outcomes["users"] == (Outcome.FAILED, None)
    assert outcomes["audit"] == (Outcome.SUCCEEDED, None)
    assert outcomes["billing"] == (
        Outcome.SKIPPED,
        "stopped: database users did not reach u2, which billing needs",
    )
    assert "billing:b1" in journal and "billing:b2" not in journal
    assert outcomes["catalog"] == (
        Outcome.SKIPPED,
        "not started: database users, which it must follow, did not finish",
    )


def test_a_failure_past_the_needed_revision_does_not_stop_its_dependant() -> None:
    journal: list[str] = []
    runners = played(journal, failing={"users": "u3"})
    outcomes = run([USERS, BILLING], INVOICES, runners, keep_going=True)
    assert outcomes == {"users": (Outcome.FAILED, None), "billing": (Outcome.SUCCEEDED, None)}


def test_without_keep_going_a_failure_still_lets_unrelated_databases_run() -> None:
    journal: list[str] = []
    runners = played(journal, failing={"audit": "a1"})
    # One thread: audit (first by name) fails before users gets a thread; they share nothing.
    outcomes = run([USERS, AUDIT], {}, runners, threads=1)
    assert outcomes["audit"] == (Outcome.FAILED, None)
    assert outcomes["users"] == (Outcome.SUCCEEDED, None)
    assert journal == ["users:u1", "users:u2", "users:u3"]


def test_without_keep_going_a_failure_starts_nothing_tied_to_it() -> None:
    journal: list[str] = []
    runners = played(journal, failing={"users": "u3"})
    # billing needs users' u2, which users applied before failing: with --keep-going it runs
    # (above); without, nothing tied to the failure starts.
    targets = {"users": "heads", "billing": "heads"}
    schedule = Schedule.build("up", targets, [USERS, BILLING], INVOICES)
    state = RunState(schedule, runners.__getitem__, structlog.get_logger("test"))
    finished = state.run(schedule.order, 1)
    assert finished["users"].outcome is Outcome.FAILED
    assert [step.revision for step in finished["users"].steps] == ["u1", "u2"]
    assert finished["billing"].outcome is Outcome.SKIPPED
    assert not finished["billing"].started
    assert finished["billing"].reason == (
        "not started: a database it is tied to failed (--keep-going starts it)"
    )
    assert "billing:b1" not in journal


def test_an_interrupted_database_stops_between_steps_and_its_followers_do_not_start() -> None:
    journal: list[str] = []
    targets = {"users": "heads", "catalog": "heads"}
    schedule = Schedule.build("up", targets, [USERS, CATALOG], {})
    runners = played(journal)
    state = RunState(schedule, runners.__getitem__, structlog.get_logger("test"))
    # Ctrl-C as users' first step finishes: the signal handler sets both flags.
    runners["users"].after_step = lambda revision: _ctrl_c(state)
    finished = state.run(schedule.order, 2)
    assert finished["users"].outcome is Outcome.INTERRUPTED
    assert finished["users"].after == ("u1",)
    assert finished["catalog"].outcome is Outcome.SKIPPED
    assert finished["catalog"].reason == "not started: the run was interrupted"
    assert journal == ["users:u1"]


def _ctrl_c(state: RunState) -> None:
    """Do what the signal handler does on a first Ctrl-C."""
    state.flags.interrupt.set()
    state.flags.stop.set()
