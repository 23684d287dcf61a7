"""orch-core: operations, dialects, configuration, the runner and the orchestrator."""

__version__ = "0.1.0"
