"""Batch work allocates Arrow memory from jemalloc (or the system allocator), not the wheels' mimalloc,
unless ARROW_DEFAULT_MEMORY_POOL names a pool. Each case runs in a fresh interpreter: the default pool is
a process-wide setting."""
from __future__ import annotations

import os
import subprocess
import sys

import pyarrow as pa

SCRIPT = ("import pyarrow as pa; from crds_batch.batch.arrow_pool import use_batch_memory_pool as use; "
          "before = pa.default_memory_pool().backend_name; chosen = use(); "
          "print(before, chosen, pa.default_memory_pool().backend_name)")


def _run(**environ) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    env.update(environ)
    return subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                          check=True, timeout=120).stdout.split()


def test_jemalloc_replaces_the_default_pool():
    before, chosen, after = _run()
    expected = "jemalloc" if _has_jemalloc() else "system"
    assert (chosen, after) == (expected, expected)
    assert before != after, "the wheel's own default is another pool (mimalloc), else this test proves nothing"


def test_a_pool_the_user_chose_is_kept():
    assert _run(ARROW_DEFAULT_MEMORY_POOL="system") == ["system", "system", "system"]


def _has_jemalloc() -> bool:
    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        return False
    return True



# A 64 MB array allocated and freed: the free bytes malloc then holds (glibc's mallinfo2().fordblks).
REUSE_SCRIPT = ("import ctypes, sys, numpy as np, pyarrow as pa; from crds_batch.batch import arrow_pool; "
                "from crds_batch.kept_memory import keep_freed_memory; "
                "kept = sys.argv[1] == 'kept' and keep_freed_memory(); "
                "np.ones(1 << 23); libc = ctypes.CDLL('libc.so.6'); "
                "libc.mallinfo2.restype = type('Info', (ctypes.Structure,), "
                "{'_fields_': [(f'f{i}', ctypes.c_size_t) for i in range(10)]}); "
                "print(kept, libc.mallinfo2().f8, arrow_pool.use_batch_memory_pool(), pa.default_memory_pool().backend_name)")
ARRAY_BYTES = 8 << 23


def _reuse(mode: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    return subprocess.run([sys.executable, "-c", REUSE_SCRIPT, mode], env=env, capture_output=True, text=True,
                          check=True, timeout=120).stdout.split()


def test_kept_memory_stays_with_malloc_and_arrow_allocates_through_malloc():
    kept, free_bytes, chosen, after = _reuse("kept")
    if kept != "True":
        return  # not glibc: nothing was changed
    assert int(free_bytes) >= ARRAY_BYTES, "the freed array's memory is kept for the next allocations"
    assert (chosen, after) == ("system", "system"), "the batch pool does not replace malloc's pool afterwards"


def test_by_default_a_freed_large_array_is_returned_to_the_system():
    kept, free_bytes, _, _ = _reuse("default")
    assert kept == "False"
    assert int(free_bytes) < ARRAY_BYTES, "else the kept-memory test above proves nothing"
