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
