"""One sync at a time per cache: an OS file lock (``filelock``) with a timeout and a named holder.

The lock is ``flock``-style (``filelock.FileLock``): the kernel drops it when
the holding process ends, however it ends, so a sync that was SIGKILLed leaves
no lock to clear by hand. Beside the lock file, the holder writes who it is
(``pid@host since <time>``) so a sync that times out says whom it waited for.

Environment, as crds reads it (crds 13.2.7 has no ``CRDS_LOCKS``; its lock
settings are these): ``CRDS_USE_LOCKING=false`` turns locking off;
``CRDS_LOCK_PATH`` is the directory of the lock files (default ``/tmp``, as
crds), so the cache itself holds exactly the files crds would leave. The lock
is per cache: its name carries a digest of the cache's config path. Caches
shared between hosts need ``CRDS_LOCK_PATH`` on a file system those hosts
share. ``CRDS_LOCKING_MODE`` is not needed: this
lock is always a file lock (crds's default, a ``multiprocessing`` lock, does
not exclude a second process).
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import time
from collections.abc import Iterator, Mapping

import filelock

from ..files.atomic import write_atomically
from .errors import SyncLockTimeout

LOCK_NAME = "crds-batch.sync.lock"
DEFAULT_TIMEOUT_SECONDS = 600.0
#: crds's default lock directory (crds.core.config DEFAULT_LOCK_PATH).
DEFAULT_LOCK_DIR = "/tmp"
FALSE_WORDS = ("0", "false", "f", "no", "n", "off")


def lock_path(config_dir: str, env: Mapping[str, str] | None = None) -> str | None:
    """Where the sync lock of the cache whose config is ``config_dir`` lives (None: locking off)."""
    env = os.environ if env is None else env
    if env.get("CRDS_USE_LOCKING", "true").strip().lower() in FALSE_WORDS:
        return None
    directory = env.get("CRDS_LOCK_PATH", "").strip() or DEFAULT_LOCK_DIR
    digest = hashlib.sha1(os.path.abspath(config_dir).encode()).hexdigest()[:12]
    return os.path.join(directory, f"{LOCK_NAME[:-5]}.{digest}.lock")


def holder_text() -> str:
    return f"pid {os.getpid()} on {socket.gethostname()} since {time.strftime('%Y-%m-%d %H:%M:%S')}"


@contextlib.contextmanager
def sync_lock(path: str | None, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> Iterator[None]:
    """Hold the lock at ``path`` (None: no lock) for the body; :class:`SyncLockTimeout` names the holder."""
    if path is None:
        yield
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    lock = filelock.FileLock(path, timeout=timeout)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise SyncLockTimeout(f"Another sync holds the cache lock {path} ({read_holder(path)}); "
                              f"gave up after {timeout:g} s (--lock-timeout)") from None
    try:
        with write_atomically(path + ".holder") as out:
            out.write(holder_text().encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path + ".holder")
        lock.release()


def read_holder(path: str) -> str:
    try:
        with open(path + ".holder") as handle:
            return handle.read().strip() or "holder unknown"
    except OSError:
        return "holder unknown"


def clear_lock(path: str | None) -> list[str]:
    """``--clear-locks``: remove the lock file at ``path`` and its holder note, whoever holds it (as crds
    breaks its cache locks); the paths removed. A process holding the lock keeps it until it ends."""
    removed = []
    for name in (path, path + ".holder") if path else ():
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)
            removed.append(name)
    return removed
