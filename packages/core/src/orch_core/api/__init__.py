"""orch's public Python API: load a project, then plan, move, read and check its databases.

    from orch_core import api

    project = api.load("orch.toml", env="staging")
    summary = api.upgrade(project, "heads")
    if not summary.ok:
        raise summary.first_error

Functions return frozen result objects and raise orch's typed errors (OrchError, GraphError);
none prints or exits. Their events go to the standard logging module unless the program
configured structlog (see events.py; `configure_logging` gives the command's own output).
Everything is imported from here. Names are imported on first use: `load`, `heads`, `history`
and a plain `revision` never import SQLAlchemy, so a script that only reads the graph starts fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orch_core.api.graph import heads, history
    from orch_core.api.loading import Overrides, load
    from orch_core.api.moving import downgrade, plan, stamp, upgrade
    from orch_core.api.offline import DatabaseSql, sql
    from orch_core.api.reading import check, current, status, verify
    from orch_core.api.revisions import revision
    from orch_core.audit.trail import configure_logging
    from orch_core.autogenerate.changes import Change
    from orch_core.autogenerate.drift import DatabaseCheck
    from orch_core.autogenerate.revision_request import RevisionResult
    from orch_core.errors import (
        ConfigError,
        ConfigNotFound,
        DependencyFailed,
        LockTimeout,
        MigrationFailed,
        NotAtHeads,
        OrchError,
        PartialMigrationPending,
        ResumeRefused,
        RevisionRequestError,
        ScriptError,
        UndefinedVariable,
    )
    from orch_core.fleet.outcomes import DatabaseOutcome, Outcome, RunSummary
    from orch_core.fleet.progress import Progress
    from orch_core.project import Project
    from orch_core.runtime.results import DatabaseResult, StepResult
    from orch_core.runtime.state import DatabaseState
    from orch_core.runtime.verify import ScriptDrift
    from orch_graph.errors import (
        AmbiguousRevision,
        BadTarget,
        GraphError,
        MultipleHeads,
        UnknownRevision,
    )
    from orch_graph.plan import Plan, Step
    from orch_graph.revision import Revision

# Each public name and the module it lives in, imported when the name is first read.
_HOMES = {
    "load": "orch_core.api.loading",
    "Overrides": "orch_core.api.loading",
    "heads": "orch_core.api.graph",
    "history": "orch_core.api.graph",
    "plan": "orch_core.api.moving",
    "upgrade": "orch_core.api.moving",
    "downgrade": "orch_core.api.moving",
    "stamp": "orch_core.api.moving",
    "sql": "orch_core.api.offline",
    "DatabaseSql": "orch_core.api.offline",
    "current": "orch_core.api.reading",
    "status": "orch_core.api.reading",
    "check": "orch_core.api.reading",
    "verify": "orch_core.api.reading",
    "revision": "orch_core.api.revisions",
    "configure_logging": "orch_core.audit.trail",
    "Project": "orch_core.project",
    "Plan": "orch_graph.plan",
    "Step": "orch_graph.plan",
    "Revision": "orch_graph.revision",
    "RunSummary": "orch_core.fleet.outcomes",
    "DatabaseOutcome": "orch_core.fleet.outcomes",
    "Outcome": "orch_core.fleet.outcomes",
    "Progress": "orch_core.fleet.progress",
    "DatabaseResult": "orch_core.runtime.results",
    "StepResult": "orch_core.runtime.results",
    "DatabaseState": "orch_core.runtime.state",
    "DatabaseCheck": "orch_core.autogenerate.drift",
    "Change": "orch_core.autogenerate.changes",
    "ScriptDrift": "orch_core.runtime.verify",
    "RevisionResult": "orch_core.autogenerate.revision_request",
    "OrchError": "orch_core.errors",
    "ConfigError": "orch_core.errors",
    "ConfigNotFound": "orch_core.errors",
    "UndefinedVariable": "orch_core.errors",
    "MigrationFailed": "orch_core.errors",
    "ScriptError": "orch_core.errors",
    "LockTimeout": "orch_core.errors",
    "PartialMigrationPending": "orch_core.errors",
    "ResumeRefused": "orch_core.errors",
    "DependencyFailed": "orch_core.errors",
    "RevisionRequestError": "orch_core.errors",
    "NotAtHeads": "orch_core.errors",
    "GraphError": "orch_graph.errors",
    "UnknownRevision": "orch_graph.errors",
    "AmbiguousRevision": "orch_graph.errors",
    "MultipleHeads": "orch_graph.errors",
    "BadTarget": "orch_graph.errors",
}

__all__ = [
    "AmbiguousRevision",
    "BadTarget",
    "Change",
    "ConfigError",
    "ConfigNotFound",
    "DatabaseCheck",
    "DatabaseOutcome",
    "DatabaseResult",
    "DatabaseSql",
    "DatabaseState",
    "DependencyFailed",
    "GraphError",
    "LockTimeout",
    "MigrationFailed",
    "MultipleHeads",
    "NotAtHeads",
    "OrchError",
    "Outcome",
    "Overrides",
    "PartialMigrationPending",
    "Plan",
    "Progress",
    "Project",
    "ResumeRefused",
    "Revision",
    "RevisionRequestError",
    "RevisionResult",
    "RunSummary",
    "ScriptDrift",
    "ScriptError",
    "Step",
    "StepResult",
    "UndefinedVariable",
    "UnknownRevision",
    "check",
    "configure_logging",
    "current",
    "downgrade",
    "heads",
    "history",
    "load",
    "plan",
    "revision",
    "sql",
    "stamp",
    "status",
    "upgrade",
    "verify",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # read once: later reads skip this function
    return value


def __dir__() -> list[str]:
    """List the public names, imported or not."""
    return sorted({*globals(), *_HOMES})
