"""Temp files of killed updates are removed by the next update in their directory, which says so."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest
from astropy.io import fits

from crds_batch.files import atomic
from crds_batch.files.bestrefs import FilesRequest, run_files
from tests.files.as_nobody import run_as_nobody

_KILLED_WRITER = """
import sys
from crds_batch.files.fits_update import update_fits_keywords
update_fits_keywords(sys.argv[1], [("CRDS_CTX", "hst_0729.pmap")] + [(f"K{i:05d}", "v" * 60) for i in range(300)])
"""


@pytest.fixture
def two_raws(test_data_dir, tmp_path):
    source = test_data_dir / "hst" / "j8bt05njq_raw.fits"
    return [str(shutil.copyfile(source, tmp_path / name)) for name in ("a_raw.fits", "b_raw.fits")]


def _kill_mid_write(path: str, marker) -> None:
    """Start an update of ``path`` in a child process and SIGKILL it while its temp file is half written."""
    env = dict(os.environ, **{atomic.PAUSE_ENV: str(marker)})
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, path], env=env)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, "writer ended before pausing"
            assert time.monotonic() < deadline, "writer did not pause in time"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)


def _temps(directory):
    return sorted(n for n in os.listdir(directory) if n.endswith(".tmp"))


def test_next_run_in_the_directory_removes_a_killed_update_temp(two_raws, tmp_path):
    killed, other = two_raws
    _kill_mid_write(killed, tmp_path / "paused")
    [left] = _temps(tmp_path)
    size = os.path.getsize(tmp_path / left)
    assert left.startswith(".a_raw.fits.") and size > 0
    # The next run updates only the *other* file of that directory.
    result = run_files(FilesRequest((other,), new_context="hst_0729.pmap", update=True, workers=1))
    assert result.error_count == 0 and result.outcomes[0].written
    assert _temps(tmp_path) == []
    [note] = result.outcomes[0].warnings
    assert note.startswith(f"{tmp_path}: removed 1 stale temp file(s) of interrupted updates ({size / 1e6:.1f} MB)")
    assert left in note
    assert "CRDS_CTX" not in fits.getheader(killed)


def test_live_and_recent_foreign_temps_are_kept(tmp_path):
    name = "x_raw.fits"
    mine = tmp_path / os.path.basename(atomic.temp_path(str(tmp_path / name)))  # this (live) process
    foreign = tmp_path / f".{name}.4242@some-other-host.crds-batch.tmp"  # another host: age decides
    old_foreign = tmp_path / f".{name}.4243@some-other-host.crds-batch.tmp"
    not_ours = tmp_path / f".{name}.4244.other-tool.tmp"
    for path in (mine, foreign, old_foreign, not_ours):
        path.write_bytes(b"x" * 10)
    old = time.time() - atomic.STALE_TEMP_SECONDS - 60
    os.utime(old_foreign, (old, old))
    os.utime(not_ours, (old, old))
    removed = atomic.remove_stale_temps(str(tmp_path))
    assert [r.name for r in removed] == [old_foreign.name]
    assert sorted(_temps(tmp_path)) == sorted([mine.name, foreign.name, not_ours.name])


def test_dead_local_writer_temp_is_removed_at_once(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=60)
    dead = tmp_path / os.path.basename(atomic.temp_path(str(tmp_path / "y_raw.fits"), pid=proc.pid))
    legacy = tmp_path / f".y_raw.fits.{proc.pid}.crds-batch.tmp"  # name written before hosts were added
    for path in (dead, legacy):
        path.write_bytes(b"")
    assert sorted(r.name for r in atomic.remove_stale_temps(str(tmp_path))) == sorted([dead.name, legacy.name])


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run a child as another user")
def test_temps_we_may_not_remove_are_left_alone():
    """A directory the user may read but not write: its stale temps stay, and the cleanup does not fail."""
    directory = tempfile.mkdtemp(prefix="crds-batch-temps-", dir="/tmp")
    try:
        os.chmod(directory, 0o755)
        stale = os.path.join(directory, ".z_raw.fits.999999999@elsewhere.crds-batch.tmp")
        open(stale, "wb").close()
        old = time.time() - atomic.STALE_TEMP_SECONDS - 60
        os.utime(stale, (old, old))
        outcome = run_as_nobody(lambda: f"REMOVED {len(atomic.remove_stale_temps(directory))}")
        assert outcome == "REMOVED 0" and os.path.exists(stale)
    finally:
        shutil.rmtree(directory)
