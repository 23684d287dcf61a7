"""Database URLs as people may see them: with the password masked."""

from __future__ import annotations

import re

_PASSWORD_IN_URL = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.\-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)@")


def mask_url(url: str) -> str:
    """Return the URL with any password replaced by ***."""
    return _PASSWORD_IN_URL.sub(r"\g<head>***@", url)


def mask_text(text: str) -> str:
    """Return text with the password of every URL in it masked (for error messages, logs)."""
    return _PASSWORD_IN_URL.sub(r"\g<head>***@", text)
