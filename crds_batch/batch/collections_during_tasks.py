"""Fewer cyclic garbage collections while a worker process runs partition tasks.

A partition task allocates hundreds of thousands of container objects that live until the task ends
(plans, chains, value registries, frames' Python objects); with Python's default threshold (a young
collection every 700 net allocations, a full one every 100 young ones) each task walked them again and
again: on a warm 246k-row ACS partition, 0.87 CPU-s with the default, 0.79 with a young collection every
100,000 allocations (docs/performance.md, issue 15, ninth step). The threshold is raised while at least
one task runs in the process and restored when none does (a shared cluster's workers run other work too).
(A process that ends skips the collections over what it holds: :mod:`crds_batch.process_exit`.)
"""
from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

#: Net container allocations between two young collections while tasks run (Python's default: 700).
TASK_YOUNG_THRESHOLD = 100_000

_lock = threading.Lock()
_running = 0
_saved: tuple[int, ...] | None = None


@contextlib.contextmanager
def fewer_collections_during_task(young: int = TASK_YOUNG_THRESHOLD) -> Iterator[None]:
    """Raise the young generation's threshold to ``young`` for the block; the first task in sets it, the last
    one out restores what was there (tasks of one process may overlap on its threads)."""
    global _running, _saved
    with _lock:
        if _running == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(young, *_saved[1:])
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
