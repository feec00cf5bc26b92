"""Replace a file atomically: temp file beside it, fsync, rename.

A reader (or a crash, or SIGKILL) sees either the old file or the new one,
never a mix.  The temp file sits in the same directory so the rename never
crosses file systems; its name starts with a dot and ends in ``.tmp`` so
shell globs like ``*.fits`` never pick it up, and it carries the writer's
pid so that a later run can tell a dead writer's leftover from a live one.
"""
from __future__ import annotations

import contextlib
import errno
import os
import re
import time
from collections.abc import Iterator
from typing import BinaryIO

#: Test hook: when set, the writer creates this file once the temp file is half
#: written, then sleeps, so a test can SIGKILL it mid-write.  Never set in use.
PAUSE_ENV = "CRDS_BATCH_TEST_PAUSE_MARKER"
_TEMP_SUFFIX = ".crds-batch.tmp"


def temp_path(path: str, pid: int | None = None) -> str:
    """The temp file name used while replacing ``path``."""
    directory, name = os.path.split(os.path.abspath(path))
    return os.path.join(directory, f".{name}.{os.getpid() if pid is None else pid}{_TEMP_SUFFIX}")


def remove_stale_temps(path: str) -> list[str]:
    """Delete temp files of ``path`` left by writers that no longer run; return their names."""
    directory, name = os.path.split(os.path.abspath(path))
    pattern = re.compile(rf"^\.{re.escape(name)}\.(\d+){re.escape(_TEMP_SUFFIX)}$")
    removed = []
    try:
        entries = os.listdir(directory)
    except OSError:
        return removed
    for entry in entries:
        match = pattern.match(entry)
        if match and not _pid_alive(int(match.group(1))):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(directory, entry))
                removed.append(entry)
    return removed


@contextlib.contextmanager
def replace_atomically(path: str) -> Iterator[BinaryIO]:
    """Yield a binary file to write the new content of ``path``; on success it replaces ``path``.

    The new file gets the original's mode and (where permitted) owner and group.
    On any exception the temp file is removed and ``path`` is untouched.
    """
    remove_stale_temps(path)
    status = os.stat(path)
    temp = temp_path(path)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        _copy_ownership(temp, status)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_dir(os.path.dirname(os.path.abspath(path)))


def pause_hook() -> None:
    """The mid-write pause of :data:`PAUSE_ENV` (a no-op unless a test sets it)."""
    marker = os.environ.get(PAUSE_ENV)
    if marker:
        with open(marker, "w") as handle:
            handle.write(str(os.getpid()))
        time.sleep(3600)


def _copy_ownership(temp: str, status: os.stat_result) -> None:
    os.chmod(temp, status.st_mode & 0o7777)
    if hasattr(os, "chown"):
        try:
            os.chown(temp, status.st_uid, status.st_gid)
        except PermissionError:
            pass  # a non-root user cannot give files away; the file is then theirs, as with any edit


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
