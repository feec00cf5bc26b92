"""A process that ends skips the garbage collector's passes over everything it still holds.

The interpreter's finalization collects cyclic garbage over every object left (rules, compiled evaluators,
plans, modules) before freeing them: 0.3-0.6 s per Dask worker at 1M datasets (perf: gc_collect_main),
after the job's last result, and 0.4 s of a 1M-dataset ``bestrefs --load-pickles`` command after its
last line (docs/performance.md, issue 15, tenth step). Objects frozen at exit are left out of those
passes; the process's memory goes back to the system whole.
"""
from __future__ import annotations

import atexit
import gc

_final_collections_skipped = False


def exit_without_final_collections() -> None:
    """Have this process freeze its objects when it exits (once; later calls do nothing).

    The freeze is an atexit handler, so it runs before the finalization's collections and after every
    handler registered later (atexit runs them last in, first out); ``weakref.finalize`` callbacks and
    handlers registered earlier still run. Objects in unreachable cycles at that point are not collected,
    so their ``__del__`` does not run: what must happen at exit uses atexit or ``weakref.finalize``.
    """
    global _final_collections_skipped
    if not _final_collections_skipped:
        atexit.register(gc.freeze)
        _final_collections_skipped = True
