"""`${VAR}` and `${VAR:-default}` in configuration strings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

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


def interpolate_url(value: str, environ: Mapping[str, str]) -> str:
    """Return a URL with its `${VAR}`s replaced, those in the user:password part percent-encoded.

    A password such as `p@ss/word` then reaches the driver as it is, instead of ending the
    user part early; a whole URL from one variable (`${DATABASE_URL}`) is taken as written.
    """
    scheme_end = value.find("://")
    userinfo_end = _userinfo_end(value, scheme_end + 3) if scheme_end > 0 else -1

    def replace(match: re.Match[str]) -> str:
        text = interpolate(match.group(0), environ)
        if scheme_end < match.start() and match.end() <= userinfo_end:
            return quote(text, safe="")
        return text

    return _REFERENCE.sub(replace, value)


def _userinfo_end(value: str, start: int) -> int:
    """Return where the user part of the URL template ends (its `@`), or -1 if it has none."""
    literal = _REFERENCE.sub(lambda m: " " * len(m.group(0)), value)
    host_start = min((i for i in (literal.find(c, start) for c in "/?#") if i >= 0), default=-1)
    return literal.rfind("@", start, host_start if host_start >= 0 else len(literal))
