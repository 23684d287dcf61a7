"""Database URLs as people may see them: with the password masked."""

from __future__ import annotations

import re

_PASSWORD_IN_URL = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.\-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)@")


def mask_passwords(text: str) -> str:
    """Return text (a URL, a message, a log value) with every URL's password replaced by ***."""
    return _PASSWORD_IN_URL.sub(r"\g<head>***@", text)
