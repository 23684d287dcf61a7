"""Read the settings of an Alembic project from its alembic.ini, as Alembic reads them."""

from __future__ import annotations

import configparser
import os
import re
from dataclasses import dataclass
from pathlib import Path

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

    @property
    def env_py(self) -> Path:
        """Return the project's env.py."""
        return self.script_location / "env.py"


def read_alembic_ini(path: Path) -> AlembicIni:
    """Return the settings of alembic.ini's [alembic] section; a missing key names the file."""
    parser = configparser.ConfigParser(defaults={"here": str(path.parent.resolve())})
    try:
        if not parser.read(path, encoding="utf-8"):
            raise ConfigError("does not exist (pass the path of alembic.ini)", path)
    except configparser.Error as exc:
        raise ConfigError(f"cannot be read: {exc.message}", path) from exc
    if not parser.has_section("alembic"):
        raise ConfigError("has no [alembic] section", path)
    section = parser["alembic"]
    location = section.get("script_location") or _flask_migrate_location(path)
    if not location:
        raise ConfigError("is required", path, "script_location")
    if ":" in location and not Path(location).is_absolute() and location[1:3] != ":\\":
        reason = "names a package resource; orch needs a folder: write the path instead"
        raise ConfigError(reason, path, "script_location")
    script_location = _folder(path, location)
    url = section.get("sqlalchemy.url") or None
    return AlembicIni(
        path=path,
        script_location=script_location,
        version_locations=_version_locations(path, section, script_location),
        recursive_version_locations=section.getboolean("recursive_version_locations", False),
        url=None if url == _PLACEHOLDER_URL else url,
        revision_settings=tuple(
            (key, section[key])
            for key in ("file_template", "truncate_slug_length", "timezone")
            if section.get(key)
        ),
        post_write_hooks=_post_write_hooks(parser),
        has_version_locations=bool(section.get("version_locations")),
        flask_migrate=not section.get("script_location"),
    )


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


def _version_locations(
    ini: Path, section: configparser.SectionProxy, script_location: Path
) -> tuple[Path, ...]:
    """Return the folders of revision scripts: version_locations, else script_location/versions."""
    text = section.get("version_locations")
    if not text:
        return (script_location / "versions",)
    separator_name = section.get("path_separator") or section.get("version_path_separator")
    if separator_name is None:
        parts = re.split(r", *|(?: +)", text)  # Alembic's legacy splitting
    elif separator_name in _SEPARATORS:
        parts = text.split(_SEPARATORS[separator_name])
    else:
        allowed = ", ".join(_SEPARATORS)
        raise ConfigError(f"must be one of {allowed}", ini, "path_separator")
    return tuple(_folder(ini, part.strip()) for part in parts if part.strip())


def _post_write_hooks(parser: configparser.ConfigParser) -> tuple[str, ...]:
    if not parser.has_section("post_write_hooks"):
        return ()
    names = parser["post_write_hooks"].get("hooks", "")
    return tuple(name for name in re.split(r", *|(?: +)", names) if name)
