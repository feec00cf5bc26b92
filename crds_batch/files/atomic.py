"""Replace a file atomically: temp file beside it, fsync, rename.

A reader (or a crash, or SIGKILL) sees either the old file or the new one,
never a mix.  The temp file sits in the same directory so the rename never
crosses file systems; its name starts with a dot and ends in ``.tmp`` so
shell globs like ``*.fits`` never pick it up, and it carries the writer's
pid and host so that a later run can tell a dead writer's leftover from a
live one: see :func:`remove_stale_temps`.
"""
from __future__ import annotations

import contextlib
import errno
import os
import re
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

#: Test hook: when set, the writer creates this file once the temp file is half
#: written, then sleeps, so a test can SIGKILL it mid-write.  Never set in use.
PAUSE_ENV = "CRDS_BATCH_TEST_PAUSE_MARKER"
_TEMP_SUFFIX = ".crds-batch.tmp"
#: A temp file untouched this long is stale whoever wrote it (a live writer writes without pause).
STALE_TEMP_SECONDS = 6 * 3600
#: ``.<name>.<pid>[@<host>].crds-batch.tmp`` (files of versions before the host was added have none).
_TEMP_NAME = re.compile(rf"^\.(?P<name>.+)\.(?P<pid>\d+)(?:@(?P<host>[A-Za-z0-9._-]+))?{re.escape(_TEMP_SUFFIX)}$")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", socket.gethostname()) or "localhost"


def temp_path(path: str, pid: int | None = None) -> str:
    """The temp file name used while replacing ``path``."""
    directory, name = os.path.split(os.path.abspath(path))
    return os.path.join(directory, f".{name}.{os.getpid() if pid is None else pid}@{_host()}{_TEMP_SUFFIX}")


@dataclass(frozen=True)
class RemovedTemp:
    """A stale temp file that was deleted."""

    name: str
    size: int


def remove_stale_temps(directory: str, only_for: str | None = None, now: float | None = None) -> list[RemovedTemp]:
    """Delete our temp files in ``directory`` whose writer is gone; return what was removed.

    A temp file is stale when the writer it names ran on this host and no
    longer runs, or when it has not been modified for :data:`STALE_TEMP_SECONDS`
    (writers on other hosts sharing the directory). ``only_for`` limits the
    cleanup to the temp files of that one file name.
    """
    now = time.time() if now is None else now
    host = _host()
    removed = []
    try:
        entries = os.listdir(directory)
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.match(entry)
        if not match or (only_for is not None and match.group("name") != only_for):
            continue
        path = os.path.join(directory, entry)
        try:
            status = os.lstat(path)
        except FileNotFoundError:
            continue
        local = match.group("host") in (None, host)
        if (local and not _pid_alive(int(match.group("pid")))) or now - status.st_mtime > STALE_TEMP_SECONDS:
            try:
                os.unlink(path)
            except OSError:  # gone already, or not ours to remove (a directory we may not write)
                continue
            removed.append(RemovedTemp(entry, status.st_size))
    return removed


@contextlib.contextmanager
def replace_atomically(path: str) -> Iterator[BinaryIO]:
    """Yield a binary file to write the new content of ``path``; on success it replaces ``path``.

    The new file gets the original's owner, group and mode (or the replacement
    fails and ``path`` stays as it was: callers check first, see :mod:`.write_plan`).
    On any exception the temp file is removed and ``path`` is untouched.
    """
    status = os.stat(path)
    with _written_then_renamed(path, lambda temp: _copy_ownership(temp, status)) as handle:
        yield handle


@contextlib.contextmanager
def write_atomically(path: str, mode: int = 0o644) -> Iterator[BinaryIO]:
    """Yield a binary file for the content of ``path``, which may not exist yet; on success it
    becomes ``path`` (temp file beside it, fsync, rename). On any exception ``path`` is untouched."""
    with _written_then_renamed(path, lambda temp: os.chmod(temp, mode)) as handle:
        yield handle


@contextlib.contextmanager
def _written_then_renamed(path: str, finish: Callable[[str], None]) -> Iterator[BinaryIO]:
    """A temp file beside ``path``, fsynced, ``finish(temp)`` (owner/mode), renamed over ``path``."""
    directory, name = os.path.split(os.path.abspath(path))
    remove_stale_temps(directory, only_for=name)
    temp = temp_path(path)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        finish(temp)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_dir(directory)


def overwrite_start(path: str, data: bytes) -> None:
    """Overwrite the first ``len(data)`` bytes of ``path`` in place (same inode) and fsync.

    One ``pwrite`` of a header's few blocks: a kill cannot stop it half way
    (it is not a mix of old and new unless the machine itself fails mid-write).
    """
    fd = os.open(path, os.O_WRONLY)
    try:
        written = os.pwrite(fd, data, 0)
        if written != len(data):  # pragma: no cover - short writes to regular files mean a full disk
            raise OSError(errno.ENOSPC, f"short write ({written} of {len(data)} bytes)", path)
        os.fsync(fd)
    finally:
        os.close(fd)


def pause_hook() -> None:
    """The mid-write pause of :data:`PAUSE_ENV` (a no-op unless a test sets it)."""
    marker = os.environ.get(PAUSE_ENV)
    if marker:
        with open(marker, "w") as handle:
            handle.write(str(os.getpid()))
        time.sleep(3600)


def _copy_ownership(temp: str, status: os.stat_result) -> None:
    # Owner first: changing it may clear set-id bits, which the mode then restores.
    if hasattr(os, "chown") and (os.stat(temp).st_uid, os.stat(temp).st_gid) != (status.st_uid, status.st_gid):
        os.chown(temp, status.st_uid, status.st_gid)
    os.chmod(temp, status.st_mode & 0o7777)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM
    return True


def _fsync_dir(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on directories
    finally:
        os.close(fd)
