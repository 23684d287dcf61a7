"""Compiled revision scripts kept on disk in one file, for runs after this one.

One file, not one per script: a run that loads 3,000 scripts reads one file instead of opening
3,000. The file is orch-graph's cache file (the header cache's format: tag, checksum, marshal),
tagged with Python's bytecode magic number; each entry is keyed by the script's path, size and
mtime. Anything that does not match, or does not read back, is ignored (the script is compiled
again), never trusted. Two processes saving at once can only cost a later run some recompiling.
"""

from __future__ import annotations

import importlib.util
import marshal
import threading
import types
from pathlib import Path

from orch_graph.cache_file import read_cache, write_cache

# path -> (size, mtime_ns, sha256 of the source, marshalled code)
_Entries = dict[str, tuple[int, int, str, bytes]]
_FORMAT = 2
# Code objects marshal differently from one Python version to the next: the magic number says.
_TAG = b"orch-code-%d:" % _FORMAT + importlib.util.MAGIC_NUMBER


class CodeCache:
    """Compiled code of scripts by path, read from and saved to one file (or kept in memory)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._entries: _Entries | None = None
        self._added: _Entries = {}
        self._lock = threading.Lock()

    def get(self, filename: str, size: int, mtime_ns: int) -> tuple[str, types.CodeType] | None:
        """Return (sha256, code) kept for exactly this file, or None."""
        with self._lock:
            if self._entries is None:
                self._entries = self._read()
            entry = self._entries.get(filename)
        if entry is None:
            return None
        try:
            kept_size, kept_mtime, sha256, blob = entry
            code = marshal.loads(blob)
        except (ValueError, EOFError, TypeError):
            return None
        if (kept_size, kept_mtime) != (size, mtime_ns) or not isinstance(code, types.CodeType):
            return None
        return sha256, code

    def put(
        self, filename: str, size: int, mtime_ns: int, sha256: str, code: types.CodeType
    ) -> None:
        """Keep a freshly compiled script; it reaches the disk with the next save()."""
        with self._lock:
            self._added[filename] = (size, mtime_ns, sha256, marshal.dumps(code))

    def save(self) -> None:
        """Write the scripts added since the last save, merged into what the file holds now.

        Entries of scripts that no longer exist are dropped. A file that cannot be written is
        simply not kept."""
        with self._lock:
            if self.path is None or not self._added:
                return
            entries = {**self._read(), **self._added}
            self._added = {}
            self._entries = entries
        entries = {name: entry for name, entry in entries.items() if Path(name).exists()}
        write_cache(self.path, _TAG, entries)

    def _read(self) -> _Entries:
        entries = read_cache(self.path, _TAG)
        return entries if isinstance(entries, dict) else {}
