"""A thread of a run's own that works beside a block: started when the block starts, told when
it ends, and waited for before the block's caller goes on."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def beside(work: Callable[[threading.Event], None], name: str) -> Iterator[None]:
    """Run work(done) on a daemon thread named `name` while the block runs; `done` is set when
    the block ends, and the thread is joined then (work returns soon after `done`)."""
    done = threading.Event()
    thread = threading.Thread(target=work, args=(done,), name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
