"""Readers keep the generation they opened until they are done with it.

Each generation directory holds a ``.readers`` file. A :class:`~.store.Store`
takes a shared ``flock`` on it when it opens the generation its manifest
names, and keeps it until it is closed (or its process ends: the kernel
drops the locks of dead processes, so a killed reader holds nothing).
An ingest removes an old generation only after taking that lock
exclusively, without waiting: while any reader holds the generation, it is
kept, and a later ingest tries again.

The removal unlinks ``.readers`` first, under the exclusive lock; a reader
that opened the file just before checks, once it has its shared lock, that
the name still leads to the file it locked, else it reads the manifest
again (the generation it saw is gone, a newer one is live).

Generations written before this file existed have no ``.readers``: readers
of such a store read it unheld, and the next ingest adds the file to the
live generation.
"""
from __future__ import annotations

import os
import shutil

from . import schema as S

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no reader locks, old generations go at once
    fcntl = None  # type: ignore[assignment]


class GenerationHold:
    """A shared lock on one generation; :meth:`release` (or garbage collection) lets it go."""

    def __init__(self, fd: int | None):
        self._fd = fd  # None where there are no file locks: the hold then holds nothing

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops its lock
            self._fd = None

    def __del__(self):
        self.release()

    def __reduce__(self):
        raise TypeError("a generation hold belongs to its process and cannot be pickled")


def mark(gen_dir: str) -> None:
    """Give generation ``gen_dir`` its readers file (if it has none)."""
    with open(os.path.join(gen_dir, S.READERS_NAME), "a"):
        pass


def hold(gen_dir: str) -> GenerationHold | None:
    """Hold generation ``gen_dir`` for reading; None if it has no readers file (removed, or written without one)."""
    if fcntl is None:  # pragma: no cover - no file locks: read unheld, as before readers files
        return GenerationHold(None)
    path = os.path.join(gen_dir, S.READERS_NAME)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    held = GenerationHold(fd)
    fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while an ingest is removing this very generation
    try:
        current = os.stat(path)
    except FileNotFoundError:
        current = None
    mine = os.fstat(fd)
    if current is None or (current.st_dev, current.st_ino) != (mine.st_dev, mine.st_ino):
        held.release()  # removed before we got the lock
        return None
    return held


def remove_if_unread(gen_dir: str) -> bool:
    """Remove generation ``gen_dir`` unless a reader holds it; True if removed (call with the ingest lock held)."""
    path = os.path.join(gen_dir, S.READERS_NAME)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError):
        shutil.rmtree(gen_dir, ignore_errors=True)  # written before readers files: nobody can hold it
        return True
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
        os.unlink(path)  # first: a reader that opened it and waits for its lock will see it gone
        shutil.rmtree(gen_dir, ignore_errors=True)
        return True
    finally:
        os.close(fd)
