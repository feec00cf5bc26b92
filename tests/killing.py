"""Killing a process at a chosen moment of its work (the interrupted-write tests)."""
from __future__ import annotations

import glob
import signal
import subprocess
import time


def sigkill_when(proc: subprocess.Popen, pattern: str, timeout: float = 120) -> None:
    """SIGKILL ``proc`` as soon as a path matching the glob ``pattern`` exists (it must not finish first), and
    reap it."""
    try:
        deadline = time.monotonic() + timeout
        while not glob.glob(pattern):
            assert proc.poll() is None, f"the process finished before it could be killed ({pattern})"
            assert time.monotonic() < deadline, f"nothing matched {pattern} in {timeout} s"
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
