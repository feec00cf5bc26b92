"""The cyclic garbage collector during a long job: loaded objects kept out of its walks, and fewer collections."""
from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

#: Net container allocations between two collections of the youngest generation during a job (Python's default
#: is 700): a 1M-dataset bestrefs or check-context made ~1,000-1,300 young and 7-9 full collections, 0.55-0.65
#: CPU-s of its ~5-6; with 100,000, 6 young ones and no full one, ~0.13 CPU-s, the same peak RSS
#: (docs/performance.md, issue 15, ninth step, perfo).
JOB_YOUNG_THRESHOLD = 100_000


@contextlib.contextmanager
def loaded_objects_frozen() -> Iterator[None]:
    """During the block, what exists now is not walked again at every full collection (~0.2-0.3 CPU-s of a
    1M-dataset bestrefs or check-context); unfrozen afterwards, so in-process callers (tests, a server)
    keep nothing for ever."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def fewer_collections(young: int = JOB_YOUNG_THRESHOLD) -> Iterator[None]:
    """During the block, the youngest generation is collected every ``young`` net allocations of containers
    (older generations in proportion, as their thresholds count young collections), then the thresholds are
    restored. A job allocates millions of objects that live on (plans, frames, error rows): each collection
    walks what is young, and each full one everything. Cyclic garbage is still collected, later."""
    thresholds = gc.get_threshold()
    gc.set_threshold(young, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
