"""orch-graph: the revision graph of a monorepo, read without importing its scripts."""

__version__ = "0.1.0"
