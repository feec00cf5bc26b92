"""``crds-batch checksum`` against ``crds checksum`` on copies of crds's own test files: same bytes, same lines."""
from __future__ import annotations

import re
import shutil
import warnings

import pytest

from crds_batch.cli.main import main

from .crds_runner import crds_lines, run_crds

pytestmark = pytest.mark.oracle

#: Mappings and FITS references of crds's test data with something to say: bad/missing sha1sum,
#: duplicates, comments, nested selectors, contexts.
FILES = [
    "hst/hst-bad-xsum.rmap", "hst/hst-missing-xsum.rmap", "hst/hst_cos_tdstab_duplicate.rmap", "hst/hst_cos_dup.rmap",
    "hst/hst_acs_darkfile_comment.rmap", "hst/hst_acs_darkfile_invalid1.rmap", "hst/hst_acs.imap", "hst/hst.pmap",
    "hst/hst_cos_deadtab.rmap", "hst/synphot_tmctab.rmap", "jwst/jwst_miri_ipc_0002.rmap",
    "jwst/jwst_niriss_flat_na_omit.rmap", "jwst/jwst_na_omit.pmap", "roman/roman_wfi_flat_0004_duplicate.rmap",
    "roman/roman_wfi_flat_0004.rmap", "hst/s7g1700gl_dead.fits", "hst/s7g1700gl_dead_bad_xsum.fits",
    "hst/j4d1435jj_bpx.fits",
]


def _copies(test_data_dir, where):
    where.mkdir()
    for name in FILES:
        target = where / name.split("/")[1]
        shutil.copy(test_data_dir / name, target)
        target.chmod(0o644)
    return [name.split("/")[1] for name in FILES] + ["missing.rmap", "notes.txt"]


@pytest.mark.parametrize("flags", [[], ["--verify"], ["--remove"]], ids=["add", "verify", "remove"])
def test_checksum_matches_crds(test_data_dir, tmp_path, capsys, monkeypatch, flags):
    names = _copies(test_data_dir, tmp_path / "crds")
    _copies(test_data_dir, tmp_path / "ours")
    theirs = run_crds("crds.refactoring.checksum", flags + names, cwd=tmp_path / "crds")
    monkeypatch.chdir(tmp_path / "ours")
    code = main(["checksum", *flags, *names])
    ours = capsys.readouterr().err
    assert crds_lines(ours, ("ERROR", "WARNING", "INFO")) == crds_lines(theirs.stderr, ("ERROR", "WARNING", "INFO"))
    assert code == (1 if theirs.returncode else 0)
    for name in names[:-2]:
        ours_bytes, crds_bytes = (tmp_path / "ours" / name).read_bytes(), (tmp_path / "crds" / name).read_bytes()
        if name.endswith(".fits") and not flags:
            _assert_checksums_verify(tmp_path / "ours" / name)  # added checksums are right
        if name.endswith(".fits"):  # astropy stamps the time into card comments, hence into CHECKSUM too
            ours_bytes, crds_bytes = _unstamped(ours_bytes), _unstamped(crds_bytes)
        assert ours_bytes == crds_bytes, name


_STAMP = re.compile(rb"(CHECKSUM= '.{16}'|updated \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)")


def _unstamped(data: bytes) -> bytes:
    return _STAMP.sub(lambda m: b"#" * len(m.group(0)), data)


def _assert_checksums_verify(path):
    from astropy.io import fits

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with fits.open(path, checksum=True) as hdus:
            for hdu in hdus:
                hdu.verify("exception")
