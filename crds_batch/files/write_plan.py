"""Whether and how a dataset file may be updated, decided before anything is written.

``crds bestrefs --update-bestrefs`` opens each file with astropy's update
mode: an in-place write, so the file's permission bits decide, a symlink is
written through to its target, and hard links, owner and mode stay as they
are. Our update replaces the file atomically instead (temp file, fsync,
rename: see :mod:`.atomic`), which needs none of those permissions and
would give the file a new inode. So, before writing:

- symlinks are resolved: the target is the file updated, the link stays;
- a file the user could not write in place is refused. Root is held to the
  owner's write bit (an ``r--r--r--`` file is refused, as astropy refuses
  it to everyone else);
- a file that renaming would change (more than one hard link, an owner or
  group we cannot give back, a directory we may not write) is updated in
  place, header blocks only, which is possible when the new header fits in
  the blocks of the old one; otherwise it is refused with the reason.

Refusals are :class:`~crds_batch.errors.FileUpdateError`, one line each.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass

from ..errors import FileUpdateError


@dataclass(frozen=True)
class WritePlan:
    """The file to write (symlinks resolved) and, if it may not be replaced, why."""

    path: str
    in_place_because: str | None = None

    @property
    def in_place(self) -> bool:
        return self.in_place_because is not None


def plan_write(path: str) -> WritePlan:
    """Check that ``path`` may be updated and choose how (raises :class:`FileUpdateError` if not)."""
    real = os.path.realpath(path)
    status = os.stat(real)
    if not stat.S_ISREG(status.st_mode):
        raise FileUpdateError(f"{path}: not updated: not a regular file")
    if not may_write(real, status):
        raise FileUpdateError(f"{path}: not updated: permission denied (mode {stat.filemode(status.st_mode)}, "
                              f"owner uid {status.st_uid}): make it writable to update it")
    reasons = []
    if status.st_nlink > 1:
        reasons.append(f"it has {status.st_nlink} hard links")
    if not can_keep_owner(status):
        reasons.append(f"it belongs to uid {status.st_uid} gid {status.st_gid}, which a new file could not keep")
    if not os.access(os.path.dirname(real), os.W_OK | os.X_OK):
        reasons.append("its directory is not writable")
    return WritePlan(real, " and ".join(reasons) or None)


def may_write(path: str, status: os.stat_result) -> bool:
    """True if an in-place write of ``path`` is allowed (root: only with the owner's write bit)."""
    if os.geteuid() == 0:
        return bool(status.st_mode & stat.S_IWUSR)
    if os.access in os.supports_effective_ids:
        return os.access(path, os.W_OK, effective_ids=True)
    return os.access(path, os.W_OK)


def can_keep_owner(status: os.stat_result) -> bool:
    """True if a file we create can be given ``status``'s owner and group."""
    if os.geteuid() == 0:
        return True
    return status.st_uid == os.geteuid() and (status.st_gid == os.getegid() or status.st_gid in os.getgroups())


def refuse_growth(path: str, plan: WritePlan, old_size: int, new_size: int) -> FileUpdateError:
    """The refusal of an in-place update whose header would need more blocks."""
    return FileUpdateError(f"{path}: not updated: {plan.in_place_because}, so it must be written in place, but its "
                           f"header must grow from {old_size} to {new_size} bytes, which cannot be written in place "
                           "safely")
