"""Closing a job's LocalCluster while the client goes on with the job's serial end.

Closing a LocalCluster takes 0.5-1.7 s at 10M datasets (the scheduler stops each worker, each nanny
waits for its worker process to exit), all of it waiting: the client could meanwhile gather, print and
write the results it already holds. Within :func:`closing_in_background` (a command's whole run),
:func:`close_later` starts such a close in a thread, and leaving the scope waits for every close it
started, so that the command never exits, or returns, with its workers still alive. Outside a scope
:func:`close_later` closes at once (library callers, tests).
"""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

_scopes: list[list[tuple[threading.Thread, list[BaseException]]]] = []
_lock = threading.Lock()


@contextlib.contextmanager
def closing_in_background() -> Iterator[None]:
    """Let closes given to :func:`close_later` inside run in threads; wait for them all on leaving.

    A close that failed raises here (after every close has ended), unless the scope is left by an error.
    """
    started: list[tuple[threading.Thread, list[BaseException]]] = []
    with _lock:
        _scopes.append(started)
    failed = True
    try:
        yield
        failed = False
    finally:
        with _lock:
            _scopes.remove(started)
        for thread, _errors in started:
            thread.join()
        errors = [error for _thread, found in started for error in found]
        if errors and not failed:
            raise errors[0]


def close_later(close: Callable[[], None]) -> None:
    """Run ``close()`` in a thread when a :func:`closing_in_background` scope is open, else now."""
    with _lock:
        scope = _scopes[-1] if _scopes else None
    if scope is None:
        close()
        return
    errors: list[BaseException] = []

    def run() -> None:
        try:
            close()
        except BaseException as error:  # raised by the scope, in the thread that opened it
            errors.append(error)

    thread = threading.Thread(target=run, name="crds-batch-close", daemon=True)
    thread.start()
    scope.append((thread, errors))
