"""orch-cli: the orch command."""

__version__ = "0.1.0"
