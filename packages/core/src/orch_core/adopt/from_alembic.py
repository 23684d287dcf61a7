"""Write orch.toml for an Alembic project as it is: alembic.ini and env.py's literal settings.

env.py is read, never run. Every setting orch cannot carry over is listed with its reason, so
that nothing is dropped without a word.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from orch_core.adopt.alembic_ini import AlembicIni, read_alembic_ini
from orch_core.adopt.env_py import EnvSettings, read_env_py
from orch_core.config.alembic_keys import NOT_KEYS
from orch_core.config.documents import CONFIG_NAME
from orch_core.config.keys import accepted_keys

# What env.py passes to wire Alembic up, not settings: orch does this itself.
_PLUMBING = frozenset({"connection", "url", "fn", "destination_rev", "as_sql", "dialect_name"})
# Environment variables an env.py reads that look like they hold the database URL.
_URL_VARIABLE = re.compile(r"URL|DSN|DATABASE|(^|_)DB(_|$)", re.IGNORECASE)


@dataclass(frozen=True)
class Note:
    """One Alembic setting and what became of it."""

    source: str  # "alembic.ini" or "env.py"
    setting: str
    detail: str


@dataclass(frozen=True)
class Adoption:
    """The orch.toml for an Alembic project, and what was and was not carried over."""

    path: Path
    text: str
    carried: tuple[Note, ...]
    not_carried: tuple[Note, ...]
    variables: tuple[str, ...]  # environment variables the url needs (no default)


@dataclass(frozen=True)
class _Table:
    """One TOML table being written: its header and its `key = value` lines."""

    header: str
    lines: tuple[str, ...]


def adopt_alembic(ini_path: Path, service: str = "app") -> Adoption:
    """Return the orch.toml that runs this Alembic project as it is, next to its alembic.ini."""
    ini = read_alembic_ini(ini_path)
    env = read_env_py(ini.env_py)
    root = ini.path.parent.resolve()
    carried: list[Note] = []
    skipped: list[Note] = []
    orch_lines = ['audit_log = ".orch/audit.jsonl"']
    orch_lines += _env_keys(env, carried, skipped)
    orch_lines += _revision_keys(ini, carried, skipped)
    services = _services(ini, service, root, carried, skipped)
    url, variables = _url(ini, env, service, carried, skipped)
    tables = [_Table("[orch]", tuple(orch_lines))]
    tables += [
        _Table(f"[services.{name}]", (f"scripts = {_toml(folder)}",)) for name, folder in services
    ]
    names = [name for name, _ in services]
    database = (f"url = {_toml(url)}", f"services = {_toml(names)}")
    tables.append(_Table(f"[databases.{service}]", database))
    if ini.other_databases:
        engines = ", ".join(ini.other_databases)
        note = f"{engines}: the multidb template; only [databases.{service}] is written"
        skipped.append(Note("alembic.ini", "databases", note))
    if ini.flask_migrate:
        where = os.path.relpath(ini.script_location, root)
        note = f"not set: {where}, the folder of alembic.ini, as Flask-Migrate takes it"
        carried.append(Note("alembic.ini", "script_location", note))
    if not env.found:
        skipped.append(Note("env.py", str(ini.env_py), "not found: no settings read from it"))
    header = "# Written by `orch init --from-alembic` from alembic.ini and env.py (never run).\n"
    text = header + "\n".join(f"\n{t.header}\n" + "\n".join(t.lines) for t in tables) + "\n"
    return Adoption(root / CONFIG_NAME, text, tuple(carried), tuple(skipped), variables)


def _env_keys(env: EnvSettings, carried: list[Note], skipped: list[Note]) -> list[str]:
    """Return the [orch] lines for env.py's literal configure keywords; note the rest."""
    accepted = accepted_keys("orch")
    lines = []
    literals = dict(env.literals)
    for name, value in literals.items():
        if name in accepted and _is_toml_scalar(value):
            lines.append(f"{name} = {_toml(value)}")
            carried.append(Note("env.py", name, f"{name} = {_toml(value)}"))
        elif name not in _PLUMBING:
            skipped.append(Note("env.py", name, _why_not(name, f"{name}={value!r}")))
    if "transaction_per_migration" not in literals:
        lines.append("# Alembic's default: every step of a run in one transaction.")
        lines.append("transaction_per_migration = false")
    for name, source in env.others:
        if name in _PLUMBING:
            continue
        reason = NOT_KEYS.get(name) or "its value is not a literal: set the key by hand"
        skipped.append(Note("env.py", name, f"{name}={source}: {reason}"))
    return lines


def _why_not(name: str, shown: str) -> str:
    reason = NOT_KEYS.get(name) or "orch has no key of that name"
    return f"{shown}: {reason}"


def _revision_keys(ini: AlembicIni, carried: list[Note], skipped: list[Note]) -> list[str]:
    """Return [orch] lines for the settings of new scripts that orch's config accepts."""
    accepted = accepted_keys("orch")
    lines = []
    for name, value in ini.revision_settings:
        if name in accepted:
            typed: object = int(value) if value.isdigit() else value
            lines.append(f"{name} = {_toml(typed)}")
            carried.append(Note("alembic.ini", name, f"{name} = {_toml(typed)}"))
        else:
            skipped.append(Note("alembic.ini", name, f"{value}: orch has no key of that name"))
    if ini.post_write_hooks:
        hooks = ", ".join(ini.post_write_hooks)
        skipped.append(
            Note("alembic.ini", "post_write_hooks", f"{hooks}: run them on new scripts yourself")
        )
    return lines


def _services(
    ini: AlembicIni, service: str, root: Path, carried: list[Note], skipped: list[Note]
) -> list[tuple[str, str]]:
    """Return a service per folder of scripts: its name and its folder relative to root."""
    folders = ini.version_locations
    names = [service] if len(folders) == 1 else _folder_names(folders, service)
    services = []
    for name, folder in zip(names, folders, strict=True):
        relative = os.path.relpath(folder, root)
        services.append((name, relative))
        source = "version_locations" if ini.has_version_locations else "script_location"
        carried.append(Note("alembic.ini", source, f"services.{name}: scripts in {relative}"))
        nested = _scripts_in_subfolders(folder)
        if nested and not ini.recursive_version_locations:
            skipped.append(
                Note(
                    "alembic.ini",
                    "recursive_version_locations",
                    f"off, but orch always reads subfolders: {nested} script(s) below "
                    f"{relative} that Alembic skips become revisions",
                )
            )
    return services


def _folder_names(folders: tuple[Path, ...], service: str) -> list[str]:
    names: list[str] = []
    for folder in folders:
        name = re.sub(r"\W+", "_", folder.name).strip("_") or service
        while name in names:
            name += "_"
        names.append(name)
    return names


def _scripts_in_subfolders(folder: Path) -> int:
    return sum(
        1
        for path in folder.glob("*/**/*.py")
        if "__pycache__" not in path.parts and path.name != "__init__.py"
    )


def _url(
    ini: AlembicIni, env: EnvSettings, service: str, carried: list[Note], skipped: list[Note]
) -> tuple[str, tuple[str, ...]]:
    """Return the database's url setting and the variables it reads; never a password."""
    variable = re.sub(r"\W+", "_", service).upper() + "_DATABASE_URL"
    if ini.url is None:
        candidates = [name for name in env.environment if _URL_VARIABLE.search(name)]
        if len(candidates) == 1:
            carried.append(Note("env.py", "url", f"read from ${{{candidates[0]}}}, as env.py does"))
            return f"${{{candidates[0]}}}", (candidates[0],)
        skipped.append(
            Note("alembic.ini", "sqlalchemy.url", f"not set (env.py builds it): set {variable}")
        )
        return f"${{{variable}}}", (variable,)
    url = sa.make_url(ini.url)
    if url.password is None:
        carried.append(Note("alembic.ini", "sqlalchemy.url", f"the default of ${{{variable}}}"))
        return f"${{{variable}:-{ini.url}}}", ()
    password = variable.removesuffix("_URL") + "_PASSWORD"
    without = sa.URL.create(
        url.drivername, url.username, None, url.host, url.port, url.database, url.query
    )
    head, _, tail = without.render_as_string(hide_password=False).partition("@")
    carried.append(
        Note("alembic.ini", "sqlalchemy.url", f"its password left out: set ${{{password}}}")
    )
    return f"{head}:${{{password}}}@{tail}", (password,)


def _is_toml_scalar(value: object) -> bool:
    return isinstance(value, str | bool | int | float)


def _toml(value: object) -> str:
    """Return value as a TOML value (strings and lists of them through JSON's escaping)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)
