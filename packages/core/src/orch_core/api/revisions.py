"""Write new revision scripts, empty or filled in from the models (autogenerate)."""

from __future__ import annotations

from collections.abc import Sequence

from orch_core.api.events import hand_events_to_logging
from orch_core.autogenerate.revision import make_revision
from orch_core.autogenerate.revision_request import RevisionRequest, RevisionResult
from orch_core.project import Project


def revision(
    project: Project,
    message: str = "",
    *,
    service: str | None = None,
    head: str | None = None,
    splice: bool = False,
    depends_on: Sequence[str] = (),
    rev_id: str | None = None,
    branch_labels: Sequence[str] = (),
    autogenerate: bool = False,
    database: str | None = None,
    allow_empty: bool = False,
) -> RevisionResult:
    """Write a new revision script for a service and return its path (None: nothing written).

    head: build on this revision, `heads` (all of the service's) or `base`; default: the
    service's head. autogenerate: fill it in from the difference between the service's models
    and database (default: the service's); with nothing to change, no script is written
    unless allow_empty."""
    hand_events_to_logging()
    request = RevisionRequest(
        message=message,
        service=service,
        head=head,
        splice=splice,
        depends_on=tuple(depends_on),
        rev_id=rev_id,
        branch_labels=tuple(branch_labels),
        autogenerate=autogenerate,
        database=database,
        allow_empty=allow_empty,
    )
    return make_revision(project, request)
