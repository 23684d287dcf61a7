"""The errors orch-core raises: one base class, subclasses carrying the fields that explain them.

Only the CLI turns these into messages, hints and exit codes.
"""

from __future__ import annotations


class OrchError(Exception):
    """Base of every error orch-core raises on purpose."""
