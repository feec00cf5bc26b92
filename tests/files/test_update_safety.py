"""--update-bestrefs follows the file as an in-place write would: permissions, symlinks, hard links, owner, mode.

The tests run as root here; the unprivileged cases run the update in a forked
child that becomes ``nobody`` (skipped when not run as root).
"""
from __future__ import annotations

import os
import shutil
import stat
import tempfile

import pytest
from astropy.io import fits

from crds_batch.errors import FileUpdateError
from crds_batch.files.fits_update import update_fits_keywords
from tests.files.as_nobody import NOBODY, run_as_nobody

SMALL = [("CRDS_CTX", "hst_0729.pmap")]  # fits in the blocks of the test file's header
BIG = SMALL + [(f"K{i:05d}", "v" * 60) for i in range(300)]  # needs more header blocks
OTHER_UID = 12345


@pytest.fixture
def raw(test_data_dir, tmp_path):
    return str(shutil.copyfile(test_data_dir / "hst" / "j8bt05njq_raw.fits", tmp_path / "j8bt05njq_raw.fits"))


def _ctx(path):
    return fits.getval(path, "CRDS_CTX") if "CRDS_CTX" in fits.getheader(path) else None


def test_read_only_file_refused(raw):
    os.chmod(raw, 0o444)
    before = open(raw, "rb").read()
    with pytest.raises(FileUpdateError, match="permission denied.*-r--r--r--"):
        update_fits_keywords(raw, SMALL)
    assert open(raw, "rb").read() == before
    assert os.stat(raw).st_mode & 0o777 == 0o444


def test_symlink_written_through(raw, tmp_path):
    link = tmp_path / "link_raw.fits"
    link.symlink_to(raw)
    update_fits_keywords(str(link), SMALL)
    assert link.is_symlink() and os.readlink(link) == raw
    assert _ctx(raw) == "hst_0729.pmap"


def test_symlink_to_read_only_target_refused(raw, tmp_path):
    os.chmod(raw, 0o444)
    link = tmp_path / "link_raw.fits"
    link.symlink_to(raw)
    with pytest.raises(FileUpdateError, match="permission denied"):
        update_fits_keywords(str(link), SMALL)
    assert link.is_symlink() and _ctx(raw) is None


def test_hard_links_kept(raw, tmp_path):
    other = tmp_path / "other_raw.fits"
    os.link(raw, other)
    inode = os.stat(raw).st_ino
    before = open(raw, "rb").read()
    update_fits_keywords(raw, SMALL)
    assert os.stat(raw).st_ino == os.stat(other).st_ino == inode and os.stat(raw).st_nlink == 2
    assert _ctx(str(other)) == "hst_0729.pmap"
    after = open(raw, "rb").read()
    assert len(after) == len(before)
    with fits.open(raw) as new, fits.open(shutil.copyfile(raw, tmp_path / "check.fits")) as copy:
        assert (new[1].data == copy[1].data).all()


def test_hard_links_refused_when_the_header_must_grow(raw, tmp_path):
    other = tmp_path / "other_raw.fits"
    os.link(raw, other)
    before = open(raw, "rb").read()
    with pytest.raises(FileUpdateError, match="2 hard links.*must grow"):
        update_fits_keywords(raw, BIG)
    assert open(raw, "rb").read() == before and os.stat(raw).st_nlink == 2


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the file away")
def test_other_users_file_keeps_owner_and_mode(raw):
    os.chown(raw, OTHER_UID, OTHER_UID)
    os.chmod(raw, 0o640)
    update_fits_keywords(raw, BIG)
    status = os.stat(raw)
    assert (status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode)) == (OTHER_UID, OTHER_UID, 0o640)
    assert _ctx(raw) == "hst_0729.pmap"


# -- as an unprivileged user ---------------------------------------------------------------------------

@pytest.fixture
def world_file(test_data_dir):
    """A world-writable directory (no sticky bit) that ``nobody`` can reach, holding a copy of a raw file."""
    if os.geteuid() != 0:
        pytest.skip("needs root to run a child as another user")
    directory = tempfile.mkdtemp(prefix="crds-batch-perm-", dir="/tmp")
    os.chmod(directory, 0o777)
    path = shutil.copyfile(test_data_dir / "hst" / "j8bt05njq_raw.fits", os.path.join(directory, "x_raw.fits"))
    yield path
    shutil.rmtree(directory)


def _update_as_nobody(path: str) -> str:
    """Update ``path`` as ``nobody``: ``UPDATED``, ``REFUSED <reason>`` or ``CRASHED <exception>``."""
    def update() -> str:
        try:
            update_fits_keywords(path, SMALL)
        except FileUpdateError as exc:
            return f"REFUSED {exc}"
        return "UPDATED"

    return run_as_nobody(update)


@pytest.mark.parametrize("owner", [NOBODY, OTHER_UID])
def test_unprivileged_user_cannot_replace_a_read_only_file(world_file, owner):
    os.chown(world_file, owner, owner)
    os.chmod(world_file, 0o444 if owner == NOBODY else 0o644)
    before = open(world_file, "rb").read()
    assert _update_as_nobody(world_file).startswith(f"REFUSED {world_file}: not updated: permission denied")
    assert open(world_file, "rb").read() == before
    assert os.stat(world_file).st_uid == owner


def test_unprivileged_user_updates_a_shared_file_in_place(world_file):
    os.chown(world_file, OTHER_UID, OTHER_UID)
    os.chmod(world_file, 0o666)
    inode = os.stat(world_file).st_ino
    assert _update_as_nobody(world_file) == "UPDATED"
    status = os.stat(world_file)
    assert (status.st_ino, status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode)) == \
        (inode, OTHER_UID, OTHER_UID, 0o666)
    assert _ctx(world_file) == "hst_0729.pmap"
