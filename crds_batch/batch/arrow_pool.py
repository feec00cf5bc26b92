"""Arrow's memory pool for batch work: jemalloc (else the system allocator) instead of the wheels' mimalloc.

A partition task allocates and frees hundreds of MB of Arrow buffers; with mimalloc, the default of
the pyarrow wheels, that churn cost a worker more system time (pages returned and faulted in again)
and a higher peak RSS than with jemalloc: on the 1M store, `affected --no-cluster` took 1.4-2.2 system
CPU-s and peaked at 925 MB with mimalloc, 0.7-0.8 s and 770 MB with jemalloc, the same user time
(docs/performance.md, issue 15, sixth step). A pool named in ``ARROW_DEFAULT_MEMORY_POOL`` is kept.

A process that lives only for one job keeps the memory it frees instead, Arrow allocating through malloc
(:mod:`crds_batch.kept_memory`); this pool is then left alone.
"""
from __future__ import annotations

import os

import pyarrow as pa

from ..kept_memory import memory_kept


def use_batch_memory_pool() -> str:
    """Make jemalloc (or, where pyarrow lacks it, the system allocator) this process's default Arrow pool,
    unless ``ARROW_DEFAULT_MEMORY_POOL`` chose one or :func:`~crds_batch.kept_memory.keep_freed_memory` ran;
    return the pool's backend name. Buffers already allocated are freed by the pool that allocated them."""
    if (memory_kept() or os.environ.get("ARROW_DEFAULT_MEMORY_POOL")
            or pa.default_memory_pool().backend_name == "jemalloc"):
        return pa.default_memory_pool().backend_name
    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without jemalloc (e.g. Windows)
        pool = pa.system_memory_pool()
    pa.set_memory_pool(pool)
    return pool.backend_name
