"""Adopting an Alembic project as it is: orch.toml from alembic.ini and env.py (never run)."""

from orch_core.adopt.from_alembic import Adoption, Note, adopt_alembic

__all__ = ["Adoption", "Note", "adopt_alembic"]
