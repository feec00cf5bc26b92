"""Header updates: crds's keywords and values, data bytes kept, checksums kept true, atomic replace."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from astropy.io import fits

from crds_batch.files import atomic
from crds_batch.files.fits_update import update_fits_keywords
from crds_batch.files.headers import HeaderError
from crds_batch.files.update import RefUpdate, header_assignments, write_bestrefs


@pytest.fixture
def raw(test_data_dir, tmp_path):
    # copyfile, not copy: the shared originals are read-only, and read-only files are not updated.
    return str(shutil.copyfile(test_data_dir / "hst" / "j8bt05njq_raw.fits", tmp_path / "j8bt05njq_raw.fits"))


def _primary_size(path):
    with fits.open(path) as hdulist:
        return hdulist[0]._data_offset


def test_assignments_follow_crds_conventions():
    updates = [RefUpdate("ACS", "darkfile", None, "N3O1059HJ_DRK.FITS"), RefUpdate("ACS", "atodtab", None, "N/A")]
    pairs = header_assignments("hst", "hst_0729.pmap", updates)
    assert pairs[0] == ("CRDS_CTX", "hst_0729.pmap") and pairs[1][0] == "CRDS_VER"
    assert pairs[2:] == [("ATODTAB", "N/A"), ("DARKFILE", "jref$n3o1059hj_drk.fits")]
    jwst = header_assignments("jwst", "jwst_0541.pmap", [RefUpdate("NIRCAM", "dark", None, "JWST_NIRCAM_DARK_0001.FITS")])
    assert jwst[2] == ("R_DARK", "crds://jwst_nircam_dark_0001.fits")


def test_data_bytes_and_mode_kept(raw):
    os.chmod(raw, 0o640)
    before = open(raw, "rb").read()
    offset = _primary_size(raw)
    update_fits_keywords(raw, [("CRDS_CTX", "hst_0729.pmap"), ("DARKFILE", "jref$x.fits")])
    after = open(raw, "rb").read()
    new_offset = _primary_size(raw)
    assert after[new_offset:] == before[offset:]
    assert os.stat(raw).st_mode & 0o777 == 0o640
    assert fits.getval(raw, "DARKFILE") == "jref$x.fits"
    assert not [name for name in os.listdir(os.path.dirname(raw)) if name.endswith(".tmp")]


def test_checksums_stay_valid(raw, tmp_path):
    path = str(tmp_path / "summed.fits")
    with fits.open(raw) as hdulist:
        hdulist.writeto(path, checksum=True)
    # Enough new cards to grow the header by a block.
    update_fits_keywords(path, [(f"TESTK{i:03d}", "x" * 40) for i in range(40)] + [("CRDS_CTX", "hst_0729.pmap")])
    with fits.open(path, checksum=True) as hdulist:  # filterwarnings=error: a bad checksum warns, fails
        for hdu in hdulist:
            assert hdu.verify_checksum() == 1 and hdu.verify_datasum() == 1
        assert hdulist[0].header["CRDS_CTX"] == "hst_0729.pmap"


def test_no_checksum_added_when_absent(raw):
    update_fits_keywords(raw, [("CRDS_CTX", "hst_0729.pmap")])
    assert "CHECKSUM" not in fits.getheader(raw)


@pytest.mark.parametrize("content", [b"not a fits file at all\n" * 200, b"SIMPLE  =" + b" " * 200])
def test_bad_files_untouched(tmp_path, content):
    path = tmp_path / "bad.fits"
    path.write_bytes(content)
    with pytest.raises(HeaderError):
        update_fits_keywords(str(path), [("CRDS_CTX", "x")])
    assert path.read_bytes() == content


def test_asdf_is_not_written(tmp_path):
    path = tmp_path / "x.asdf"
    path.write_bytes(b"#ASDF 1.0.0\n")
    assert write_bestrefs(str(path), "jwst", "jwst_0541.pmap", [RefUpdate("NIRCAM", "dark", None, "N/A")]) is False
    assert path.read_bytes() == b"#ASDF 1.0.0\n"


_KILLED_WRITER = """
import sys
from crds_batch.files.fits_update import update_fits_keywords
update_fits_keywords(sys.argv[1], [("CRDS_CTX", "hst_0729.pmap")] + [(f"K{i:05d}", "v" * 60) for i in range(300)])
"""


def test_killed_mid_write_leaves_original(raw, tmp_path):
    before = open(raw, "rb").read()
    marker = tmp_path / "paused"
    env = dict(os.environ, **{atomic.PAUSE_ENV: str(marker)})
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, raw], env=env)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, "writer ended before pausing"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        leftovers = [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
        assert leftovers, "the temp file should exist mid-write"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert open(raw, "rb").read() == before
    # A later run removes the dead writer's temp file and succeeds.
    update_fits_keywords(raw, [("CRDS_CTX", "hst_0729.pmap")])
    assert fits.getval(raw, "CRDS_CTX") == "hst_0729.pmap"
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


def test_parallel_runner_updates_every_file(raw, tmp_path):
    from crds_batch.files.bestrefs import PARALLEL_MIN_FILES, FilesRequest, run_files

    files = [str(shutil.copyfile(raw, tmp_path / f"d{i:03d}_raw.fits")) for i in range(PARALLEL_MIN_FILES)]
    result = run_files(FilesRequest(tuple(files), new_context="hst_0729.pmap", update=True, workers=2))
    assert result.error_count == 0 and all(o.written for o in result.outcomes)
    assert {fits.getval(f, "DARKFILE") for f in files} == {fits.getval(files[0], "DARKFILE")}
