"""`${VAR}` and `${VAR:-default}` in configuration strings."""

from __future__ import annotations

import re
from collections.abc import Mapping

from orch_core.errors import UndefinedVariable

_REFERENCE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


def interpolate(value: str, environ: Mapping[str, str]) -> str:
    """Return value with each `${VAR}` or `${VAR:-default}` replaced from environ."""

    def replace(match: re.Match[str]) -> str:
        name, default = match.group("name"), match.group("default")
        if name in environ and (environ[name] or default is None):
            return environ[name]
        if default is not None:
            return default
        raise UndefinedVariable(name)

    return _REFERENCE.sub(replace, value)
