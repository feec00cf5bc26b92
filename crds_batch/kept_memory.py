"""Processes that keep the memory they free: a command doing a whole job, and the workers it starts.

glibc's malloc returns large freed blocks to the system at once (each numpy/pandas array of a partition,
Arrow buffers through the system pool), and the next partition faults the same pages in again: on a VM
that costs as much as the work. A process that lives only as long as its job keeps them instead: the
bestrefs/check-context command process (:func:`keep_freed_memory`), the ingest's block parsers
(store.blocks), and the workers of the LocalCluster a command starts (:func:`kept_memory_environ`; 10M
all-types with 2 workers: 5.3-5.8 -> 2.9-3.2 system CPU-s, 1.9M -> 0.85M page faults, the same peak;
docs/performance.md, issue 15, ninth step).
"""
from __future__ import annotations

import ctypes
import os

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8  # glibc mallopt parameters
#: Blocks below this are taken from the heap (not mapped apart, so not unmapped when freed): any array of a job.
_KEPT_MMAP_THRESHOLD = 1 << 30
#: Free memory at the top of the heap is returned to the system only beyond this (mallopt takes a C int).
_KEPT_TRIM_THRESHOLD = (1 << 31) - 1
#: Heaps (arenas) the threads allocate from: each keeps its own freed memory, so fewer arenas keep less (glibc's
#: default is 8 per core; 1M bestrefs peaked at 1.04 GB with it, 0.93 GB with 2, ~0.91 GB with 1, the same CPU).
_KEPT_ARENAS = 2

_memory_kept = False


def memory_kept() -> bool:
    """Whether :func:`keep_freed_memory` ran in this process."""
    return _memory_kept


def kept_memory_environ() -> dict[str, str]:
    """The environment that makes a new process start as :func:`keep_freed_memory` leaves this one (glibc reads
    ``MALLOC_*_`` at start-up, pyarrow ``ARROW_DEFAULT_MEMORY_POOL``): for the worker processes of the
    LocalCluster a command starts, which live only as long as its job. A pool named in this process's
    ``ARROW_DEFAULT_MEMORY_POOL`` is left to be inherited."""
    environ = {"MALLOC_MMAP_THRESHOLD_": str(_KEPT_MMAP_THRESHOLD), "MALLOC_TRIM_THRESHOLD_": str(_KEPT_TRIM_THRESHOLD),
               "MALLOC_ARENA_MAX": str(_KEPT_ARENAS)}
    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        environ["ARROW_DEFAULT_MEMORY_POOL"] = "system"
    return environ


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
        import pyarrow as pa  # here: the workers' environment is read before pyarrow is needed

        pa.set_memory_pool(pa.system_memory_pool())
    _memory_kept = True
    return True
