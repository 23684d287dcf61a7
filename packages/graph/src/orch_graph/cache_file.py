"""A cache kept in one file: a tag, a CRC-32 of the payload, the payload (marshal).

Both of orch's disk caches are such files: the scanner's headers (here, in orch-graph) and the
compiled scripts (orch_core.runtime.code_cache, which may import orch-graph, never the other
way). marshal reads a header cache of 10,000 revisions in milliseconds. Only a file this
version wrote whole passes the tag and the checksum, so what it holds can be trusted without
checking each entry; anything else reads as no cache. Writers replace the file atomically;
a cache that cannot be written is simply not kept.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import threading
import zlib
from pathlib import Path
from typing import Any


def read_cache(path: Path | None, tag: bytes) -> Any:
    """Return what the file holds, or None: no path, no file, another tag, or corrupt."""
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    checksum = data[len(tag) : len(tag) + 4]
    payload = data[len(tag) + 4 :]
    if not data.startswith(tag) or checksum != zlib.crc32(payload).to_bytes(4, "big"):
        return None
    try:
        return marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None


def write_cache(path: Path, tag: bytes, value: Any) -> None:
    """Write value (marshal-able) under tag, atomically; give up quietly if it cannot be."""
    # Per process and thread: two writers at once each rename a whole file of their own.
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = marshal.dumps(value)
        temporary.write_bytes(tag + zlib.crc32(payload).to_bytes(4, "big") + payload)
        temporary.replace(path)
    except OSError:
        with contextlib.suppress(OSError):  # its folder may be what could not be made
            temporary.unlink(missing_ok=True)
