"""Database URLs as people may see them: with the password masked."""

from __future__ import annotations

import re

# `scheme://user:PASSWORD@host`: the password runs to the last `@` before a space, a quote or the
# query, so one with an `@` that was never percent-encoded is masked whole, not cut at its first.
_PASSWORD_IN_URL = re.compile(
    r"(?P<head>[a-zA-Z][a-zA-Z0-9+.\-]*://[^:/@\s'\"]*:)(?P<pw>[^\s'\"?#]*)@"
)
# `password=...`, `pwd=...`, `passwd=...` in a query string, a libpq DSN or a message, any case.
_PASSWORD_PARAMETER = re.compile(
    r"(?P<head>(?<![A-Za-z0-9_])(?:password|passwd|pwd)\s*=\s*)(?P<pw>[^&\s\"]*)",
    re.IGNORECASE,
)
# The same as a mapping's item, as a dict's repr shows it: `'password': 'secret'`.
_PASSWORD_ITEM = re.compile(
    r"(?P<head>['\"](?:password|passwd|pwd)['\"]\s*:\s*)(?P<pw>'[^']*'|\"[^\"]*\")",
    re.IGNORECASE,
)
MASK = "***"


def mask_passwords(text: str) -> str:
    """Return text (a URL, a message, a log value) with every password in it replaced by ***.

    Covers a URL's user:password part, `password=`/`pwd=`/`passwd=` parameters (in a URL's
    query or in free text, any case) and `'password': '...'` items of a printed mapping."""
    if not text:
        return text
    text = _mask_urls(text)
    # Both other patterns need one of these words; casefold() matches them as the patterns'
    # IGNORECASE does (the long s included). A megabyte of `--sql` output is looked at once.
    folded = text.casefold()
    if "passw" not in folded and "pwd" not in folded:
        return text
    text = _PASSWORD_PARAMETER.sub(rf"\g<head>{MASK}", text)
    return _PASSWORD_ITEM.sub(rf"\g<head>'{MASK}'", text)


def _mask_urls(text: str) -> str:
    """Mask the passwords of URLs, searching only the lines that hold `://`.

    A match never spans a line (no part of the pattern takes a newline), so this is the same
    as searching the whole text, where every letter would start a try at a scheme."""
    if "://" not in text:
        return text
    lines = text.split("\n")
    masked = (_PASSWORD_IN_URL.sub(rf"\g<head>{MASK}@", ln) if "://" in ln else ln for ln in lines)
    return "\n".join(masked)
