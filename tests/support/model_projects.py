"""Projects whose service names SQLAlchemy models: a models module under src/, an orch.toml."""

from __future__ import annotations

import json
import uuid
from pathlib import Path


def _toml(value: object) -> str:
    """Return a TOML value: JSON's strings, numbers, booleans and lists are TOML's too."""
    return json.dumps(value)


MODELS_HEADER = """import sqlalchemy as sa

metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})
"""

USERS = """
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(100), nullable=False, unique=True),
)
"""


def write_models(root: Path, body: str) -> str:
    """Write a models module with a name no other test uses; return `module:metadata`."""
    module = f"models_{uuid.uuid4().hex[:10]}"
    folder = root / "src"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{module}.py").write_text(MODELS_HEADER + body)
    return f"{module}:metadata"


def write_model_project(
    root: Path,
    databases: dict[str, str],
    metadata: str,
    service_extra: dict[str, object] | None = None,
    orch_extra: dict[str, object] | None = None,
) -> Path:
    """Write orch.toml: one service `app` with these models, carried by every database."""
    lines = ["[orch]", 'python_path = ["src"]']
    lines += [f"{key} = {_toml(value)}" for key, value in (orch_extra or {}).items()]
    lines += [
        "",
        "[services.app]",
        'scripts = "migrations/versions"',
        f"metadata = {_toml(metadata)}",
    ]
    lines += [f"{key} = {_toml(value)}" for key, value in (service_extra or {}).items()]
    for name, url in databases.items():
        lines += ["", f"[databases.{name}]", f"url = {_toml(url)}", 'services = ["app"]']
    config = root / "orch.toml"
    config.write_text("\n".join(lines) + "\n")
    return config


def set_metadata(config: Path, metadata: str) -> None:
    """Point the service at another models module (a changed model, as a new import)."""
    lines = [
        f"metadata = {_toml(metadata)}" if line.startswith("metadata = ") else line
        for line in config.read_text().splitlines()
    ]
    config.write_text("\n".join(lines) + "\n")
