"""The shapes of every `--json` document, as TypedDicts.

The commands build these (mypy checks each builder against its shape) and the JSON Schemas
under `schemas/` are derived from them (`json_schema.py`), so a document and its schema cannot
drift apart: the shape is written once, here.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict


class ErrorBody(TypedDict):
    """What went wrong: a stable code, the message and what to do about it."""

    code: str
    message: str
    hint: str


class RunErrorBody(ErrorBody):
    """A database's error in a run; of a step left half done, how many statements completed."""

    statements_done: int | None


class ErrorDocument(TypedDict):
    """Printed instead of a command's document when the command stops on an error."""

    error: ErrorBody


class RevisionDocument(TypedDict):
    """One revision script's header, where it is and the service it belongs to."""

    revision: str
    down_revisions: list[str]
    branch_labels: list[str]
    depends_on: list[str]
    message: str
    path: str | None
    service: str | None


class BranchPointDocument(RevisionDocument):
    """A branch point and the revisions built on it."""

    children: list[str]


class HeadsDocument(TypedDict):
    """`orch heads --json`."""

    heads: list[RevisionDocument]


class BranchesDocument(TypedDict):
    """`orch branches --json`."""

    branch_points: list[BranchPointDocument]


class RevisionsDocument(TypedDict):
    """`orch history --json` (newest first) and `orch show --json`."""

    revisions: list[RevisionDocument]


class StateDocument(TypedDict):
    """Where one database is; an unreachable one has its error and null revisions."""

    current: list[str] | None
    heads: list[str] | None
    pending: list[str] | None
    url: str
    blocked: str | None
    error: ErrorBody | None


class StateCounts(TypedDict):
    """How many of the databases are at their heads, behind them, or could not be read."""

    at_heads: int
    pending: int
    unreachable: int


class StateTallyDocument(TypedDict):
    """How many databases are at one place, with how many revisions still to apply."""

    current: list[str]
    heads: list[str]
    pending: int
    count: int


class StatesDocument(TypedDict):
    """`orch current --json` and `orch status --json`: by database name, then the counts."""

    databases: dict[str, StateDocument]
    counts: StateCounts
    by_revision: list[StateTallyDocument]


class DriftDocument(TypedDict):
    """An applied revision whose script changed, vanished, is unknown or was never checked."""

    database: str
    revision: str
    problem: str
    path: str | None


class VerifyDocument(TypedDict):
    """`orch verify --json`: drift and unchecked, or with --baseline what was baselined."""

    drift: NotRequired[list[DriftDocument]]
    unchecked: NotRequired[list[DriftDocument]]
    baselined: NotRequired[list[DriftDocument]]


class ChangeDocument(TypedDict):
    """One difference between the models and a database (only the fields that apply)."""

    kind: str
    database: NotRequired[str]
    schema: NotRequired[str]
    table: NotRequired[str]
    column: NotRequired[str]
    name: NotRequired[str]
    before: NotRequired[str]
    after: NotRequired[str]


class CheckEntry(TypedDict):
    """One database's pending revisions and differences from its models."""

    pending: list[str]
    drift: list[ChangeDocument]
    compared: bool
    url: str
    error: str | None


class CheckDocument(TypedDict):
    """`orch check --json`, by database name."""

    databases: dict[str, CheckEntry]


Direction = Literal["upgrade", "downgrade"]


class PlannedStep(TypedDict):
    """One step of a plan."""

    revision: str
    direction: Direction


class PlanEntry(TypedDict):
    """One database's plan: where it is, where it will be, the steps between."""

    current: list[str]
    heads_after: list[str]
    steps: list[PlannedStep]


class PlansDocument(TypedDict):
    """`orch upgrade|downgrade --dry-run --json`, by database name."""

    databases: dict[str, PlanEntry]


class SqlEntry(TypedDict):
    """One database's offline SQL, a statement or comment a line."""

    url: str
    lines: list[str]


class SqlDocument(TypedDict):
    """`orch upgrade|downgrade --sql --json`, by database name."""

    databases: dict[str, SqlEntry]


class StepDocument(TypedDict):
    """One step a run took, its outcome and how long it ran."""

    revision: str
    direction: Direction
    outcome: str
    duration_ms: int
    # Resumed (`--resume`): the statements an earlier run completed, not run again; else None.
    statements_skipped: int | None


class OutcomeDocument(TypedDict):
    """One database's part in a run."""

    outcome: str
    started: bool
    before: list[str]
    after: list[str] | None
    steps_applied: int
    steps: list[StepDocument]
    failed_step: str | None
    duration_ms: int
    error: RunErrorBody | None
    note: str | None


class TallyDocument(TypedDict):
    """How many databases ended with one outcome at one place."""

    outcome: str
    at: list[str] | None
    failed_step: str | None
    count: int


class RunDocument(TypedDict):
    """`orch upgrade|downgrade --json`: the run's result per database."""

    run_id: str
    direction: Direction
    target: str
    stopped_by: str | None
    counts: dict[str, int]
    by_revision: list[TallyDocument]
    never_started: list[str]
    databases: dict[str, OutcomeDocument]


class StampEntry(TypedDict):
    """One database's version rows before and after a stamp."""

    before: list[str]
    after: list[str]


class StampDocument(TypedDict):
    """`orch stamp --json`, by database name."""

    databases: dict[str, StampEntry]


class InitDocument(TypedDict):
    """`orch init --json`: the files written and the first service's base revision."""

    created: list[str]
    service: str
    revision: RevisionDocument


class NoteDocument(TypedDict):
    """One Alembic setting and what became of it."""

    source: str
    setting: str
    detail: str


class AdoptionDocument(TypedDict):
    """`orch init --from-alembic --json`: orch.toml written, and what was carried over."""

    created: list[str]
    carried: list[NoteDocument]
    not_carried: list[NoteDocument]
    variables: list[str]


class NewRevisionDocument(TypedDict):
    """`orch revision --json`: the script written (null: nothing differed) and its changes."""

    revision: RevisionDocument | None
    changes: list[ChangeDocument]


class MergeDocument(TypedDict):
    """`orch merge --json`: the merge revision written."""

    revision: RevisionDocument


class NodeDocument(TypedDict):
    """One box of a picture: a revision or a database."""

    id: str
    lines: list[str]
    kind: str
    lane: str | None


class EdgeDocument(TypedDict):
    """One arrow of a picture."""

    source: str
    target: str
    kind: str
    label: str


class PictureDocument(TypedDict):
    """`orch graph --json`: the picture's boxes and arrows, before any drawing."""

    nodes: list[NodeDocument]
    edges: list[EdgeDocument]


# Every command's `--json` document, by the command (and mode) that prints it; the schema
# files are named after these keys (`upgrade --dry-run` -> upgrade-dry-run.json).
DOCUMENTS: dict[str, type] = {
    "heads": HeadsDocument,
    "branches": BranchesDocument,
    "history": RevisionsDocument,
    "show": RevisionsDocument,
    "current": StatesDocument,
    "status": StatesDocument,
    "verify": VerifyDocument,
    "check": CheckDocument,
    "upgrade": RunDocument,
    "upgrade --dry-run": PlansDocument,
    "upgrade --sql": SqlDocument,
    "downgrade": RunDocument,
    "downgrade --dry-run": PlansDocument,
    "downgrade --sql": SqlDocument,
    "stamp": StampDocument,
    "init": InitDocument,
    "init --from-alembic": AdoptionDocument,
    "revision": NewRevisionDocument,
    "merge": MergeDocument,
    "graph": PictureDocument,
    "error": ErrorDocument,
}
