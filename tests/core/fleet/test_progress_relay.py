"""A worker's progress as the parent receives it: every step counted, fewer messages."""

import multiprocessing

from orch_core.fleet.outcomes import DatabaseOutcome, Outcome
from orch_core.fleet.progress import Progress
from orch_core.fleet.workers import _Relay, _relay


class Tally(Progress):
    """What a status line would be told."""

    def __init__(self) -> None:
        self.steps = 0
        self.last: dict[str, str] = {}
        self.ended: list[str] = []

    def step(self, database: str, revision: str, direction: str, count: int = 1) -> None:
        self.steps += count
        self.last[database] = revision

    def finished(self, database: str, outcome: Outcome) -> None:
        self.ended.append(f"{database}:{outcome}")


def test_steps_are_gathered_but_none_is_lost() -> None:
    reader, writer = multiprocessing.Pipe(duplex=False)
    relay = _Relay(writer)
    for database in ("one", "two"):
        relay.started(database)
        for n in range(1, 501):
            relay.step(database, f"{database}-{n}", "up")
        relay.finished(database, Outcome.SUCCEEDED)
    writer.close()
    tally, outcomes, messages = Tally(), dict[str, DatabaseOutcome](), 0
    while reader.poll():
        try:
            message = reader.recv()
        except EOFError:
            break
        messages += 1
        _relay(message, tally, outcomes)
    assert tally.steps == 1000
    assert tally.last == {"one": "one-500", "two": "two-500"}  # told before each finished
    assert tally.ended == ["one:succeeded", "two:succeeded"]
    assert messages < 100  # not one a step
