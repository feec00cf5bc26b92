"""Where batch work's memory comes from: Arrow's pool, and (for a whole job in one process) malloc's settings.

A partition task allocates and frees hundreds of MB of Arrow buffers; with mimalloc, the default of
the pyarrow wheels, that churn cost a worker more system time (pages returned and faulted in again)
and a higher peak RSS than with jemalloc: on the 1M store, `affected --no-cluster` took 1.4-2.2 system
CPU-s and peaked at 925 MB with mimalloc, 0.7-0.8 s and 770 MB with jemalloc, the same user time
(docs/performance.md, issue 15, sixth step). A pool named in ``ARROW_DEFAULT_MEMORY_POOL`` is kept.

A command that runs a whole job in its own process (bestrefs --load-pickles, check-context below the
cluster threshold) does better still with :func:`keep_freed_memory`: glibc's malloc returns large freed
blocks (numpy/pandas arrays of a partition, Arrow buffers through the system pool) to the system at
once by default, and the next partition faults the same pages in again; kept, the 1M bestrefs made
~130k fewer page faults and spent 0.5-0.8 fewer system CPU-s (docs/performance.md, issue 15, ninth
step, perfo).
"""
from __future__ import annotations

import ctypes
import os

import pyarrow as pa

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8  # glibc mallopt parameters
#: Blocks below this are taken from the heap (not mapped apart, so not unmapped when freed): any array of a job.
_KEPT_MMAP_THRESHOLD = 1 << 30
#: Free memory at the top of the heap is returned to the system only beyond this (mallopt takes a C int).
_KEPT_TRIM_THRESHOLD = (1 << 31) - 1
#: Heaps (arenas) the threads allocate from: each keeps its own freed memory, so fewer arenas keep less (glibc's
#: default is 8 per core; 1M bestrefs peaked at 1.04 GB with it, 0.93 GB with 2, ~0.91 GB with 1, the same CPU).
_KEPT_ARENAS = 2

_memory_kept = False


def use_batch_memory_pool() -> str:
    """Make jemalloc (or, where pyarrow lacks it, the system allocator) this process's default Arrow pool,
    unless ``ARROW_DEFAULT_MEMORY_POOL`` chose one or :func:`keep_freed_memory` ran; return the pool's
    backend name. Buffers already allocated are freed by the pool that allocated them."""
    if (_memory_kept or os.environ.get("ARROW_DEFAULT_MEMORY_POOL")
            or pa.default_memory_pool().backend_name == "jemalloc"):
        return pa.default_memory_pool().backend_name
    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without jemalloc (e.g. Windows)
        pool = pa.system_memory_pool()
    pa.set_memory_pool(pool)
    return pool.backend_name


def keep_freed_memory() -> bool:
    """For the rest of this process, malloc keeps what is freed for the next allocations, and Arrow allocates
    through malloc (the system pool) so its buffers are kept too, unless ``ARROW_DEFAULT_MEMORY_POOL`` chose a
    pool. For a command process doing a whole job, not for a library caller or a long-lived worker: memory
    freed mid-heap is not returned until the process ends. Returns False where malloc is not glibc's."""
    global _memory_kept
    try:
        libc = ctypes.CDLL("libc.so.6")
        if not (libc.mallopt(_M_MMAP_THRESHOLD, _KEPT_MMAP_THRESHOLD)
                and libc.mallopt(_M_TRIM_THRESHOLD, _KEPT_TRIM_THRESHOLD)
                and libc.mallopt(_M_ARENA_MAX, _KEPT_ARENAS)):
            return False
    except (OSError, AttributeError):  # not glibc/Linux: leave the defaults
        return False
    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        pa.set_memory_pool(pa.system_memory_pool())
    _memory_kept = True
    return True
