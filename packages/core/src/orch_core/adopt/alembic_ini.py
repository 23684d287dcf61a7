"""Read the settings of an Alembic project from its alembic.ini, as Alembic reads them."""

from __future__ import annotations

import configparser
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orch_core.errors import ConfigError

# Alembic's separators for version_locations, by the name path_separator gives them.
_SEPARATORS = {"space": " ", "newline": "\n", "os": os.pathsep, ":": ":", ";": ";"}
# The placeholder `alembic init` writes: no database at all.
_PLACEHOLDER_URL = "driver://user:pass@localhost/dbname"


@dataclass(frozen=True)
class AlembicIni:
    """The [alembic] settings orch can use, with paths made absolute."""

    path: Path
    script_location: Path
    version_locations: tuple[Path, ...]
    recursive_version_locations: bool
    url: str | None
    # Settings for writing new scripts: (name, value as written in the file).
    revision_settings: tuple[tuple[str, str], ...]
    post_write_hooks: tuple[str, ...]
    has_version_locations: bool  # False: the scripts are in script_location/versions
    flask_migrate: bool = False  # no script_location: Flask-Migrate's folder of alembic.ini
    other_databases: tuple[str, ...] = ()  # the multidb template's engines

    @property
    def env_py(self) -> Path:
        """Return the project's env.py."""
        return self.script_location / "env.py"


def read_alembic_ini(path: Path) -> AlembicIni:
    """Return the settings of alembic.ini's [alembic] section, and of [tool.alembic] in the
    pyproject.toml beside it (Alembic 1.16's place for them); a missing key names the file."""
    options = _Options(path, _read_ini(path), _read_pyproject(path.parent / "pyproject.toml"))
    location = options.text("script_location") or _flask_migrate_location(path)
    if not location:
        raise ConfigError("is required", path, "script_location")
    if ":" in location and not Path(location).is_absolute() and location[1:3] != ":\\":
        reason = "names a package resource; orch needs a folder: write the path instead"
        raise ConfigError(reason, path, "script_location")
    script_location = _folder(path, location)
    url = options.text("sqlalchemy.url")
    locations = options.version_locations()
    return AlembicIni(
        path=path,
        script_location=script_location,
        version_locations=tuple(_folder(path, folder) for folder in locations)
        or (script_location / "versions",),
        recursive_version_locations=options.text("recursive_version_locations") == "true",
        url=None if url == _PLACEHOLDER_URL else url,
        revision_settings=tuple(
            (key, value)
            for key in ("file_template", "truncate_slug_length", "timezone")
            if (value := options.text(key))
        ),
        post_write_hooks=options.post_write_hooks(),
        has_version_locations=bool(locations),
        flask_migrate=not options.text("script_location"),
        other_databases=tuple(_split(options.text("databases") or "")),
    )


def _read_ini(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(defaults={"here": str(path.parent.resolve())})
    try:
        if not parser.read(path, encoding="utf-8"):
            raise ConfigError("does not exist (pass the path of alembic.ini)", path)
    except configparser.Error as exc:
        raise ConfigError(f"cannot be read: {exc.message}", path) from exc
    if not parser.has_section("alembic"):
        raise ConfigError("has no [alembic] section", path)
    return parser


def _read_pyproject(path: Path) -> dict[str, Any]:
    """Return pyproject.toml's [tool.alembic] table with `%(here)s` filled in, if it has one."""
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("alembic")
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot be read: {exc}", path) from exc
    if not isinstance(table, dict):
        return {}
    here = {"here": str(path.parent.resolve())}
    return {key: _fill(value, here) for key, value in table.items()}


def _fill(value: object, here: dict[str, str]) -> object:
    if isinstance(value, str):
        return value % here
    if isinstance(value, list):
        return [_fill(item, here) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, here) for key, item in value.items()}
    return value


class _Options:
    """Alembic's options where Alembic looks for them: alembic.ini first, then pyproject.toml."""

    def __init__(
        self, ini: Path, parser: configparser.ConfigParser, pyproject: dict[str, Any]
    ) -> None:
        self.ini = ini
        self.parser = parser
        self.section = parser["alembic"]
        self.pyproject = pyproject

    def text(self, name: str) -> str | None:
        """Return an option as text (a TOML boolean as Alembic's "true"/"false")."""
        if self.section.get(name):
            return self.section[name]
        value = self.pyproject.get(name)
        if isinstance(value, bool):
            return "true" if value else "false"
        return None if value is None or isinstance(value, list | dict) else str(value)

    def version_locations(self) -> list[str]:
        """Return the version_locations, split as Alembic splits them."""
        text = self.section.get("version_locations")
        if not text:
            listed = self.pyproject.get("version_locations")
            return [str(item) for item in listed] if isinstance(listed, list) else []
        separator_name = self.text("path_separator") or self.text("version_path_separator")
        if separator_name is None:
            return _split(text)  # Alembic's legacy splitting
        if separator_name not in _SEPARATORS:
            allowed = ", ".join(_SEPARATORS)
            raise ConfigError(f"must be one of {allowed}", self.ini, "path_separator")
        return [part.strip() for part in text.split(_SEPARATORS[separator_name]) if part.strip()]

    def post_write_hooks(self) -> tuple[str, ...]:
        """Return the names of the post-write hooks."""
        if self.parser.has_section("post_write_hooks"):
            return tuple(_split(self.parser["post_write_hooks"].get("hooks", "")))
        listed = self.pyproject.get("post_write_hooks")
        if not isinstance(listed, list):
            return ()
        return tuple(str(hook.get("name", "?")) for hook in listed if isinstance(hook, dict))


def _split(text: str) -> list[str]:
    return [part for part in re.split(r", *|(?: +)", text.strip()) if part]


def _flask_migrate_location(ini: Path) -> str | None:
    """Return the ini's own folder where Flask-Migrate keeps env.py and versions/ beside it.

    Flask-Migrate sets script_location in code, to the folder that holds its alembic.ini."""
    folder = ini.parent
    if (folder / "env.py").is_file() and (folder / "versions").is_dir():
        return str(folder.resolve())
    return None


def _folder(ini: Path, location: str) -> Path:
    """Return a folder of alembic.ini as an absolute path (relative ones to the ini's folder)."""
    return (ini.parent / location).resolve()
