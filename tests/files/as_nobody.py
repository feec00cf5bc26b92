"""Run a function in a forked child that has become ``nobody``: real permission checks, no DAC override.

Tests run as root here; a subprocess cannot be used (the interpreter under /root is not readable
by ``nobody``), so the child is a fork that drops its privileges and sends back one line.
"""
from __future__ import annotations

import os
from collections.abc import Callable

NOBODY = 65534


def run_as_nobody(action: Callable[[], str]) -> str:
    """``action()``'s result in the child, or ``CRASHED <exception>`` when it raised."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            try:
                outcome = action()
            except BaseException as exc:
                outcome = f"CRASHED {exc!r}"
            os.write(write, outcome.encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as handle:
        outcome = handle.read()
    os.waitpid(pid, 0)
    return outcome
