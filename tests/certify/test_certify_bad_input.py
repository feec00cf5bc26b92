"""Bad input to certify: each bad file is one tracked error line, the others are still certified, code never runs."""
from __future__ import annotations

import shutil

from crds_batch.cli.main import main


def test_bad_files_are_one_line_each_and_the_rest_is_certified(test_data_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.fits").write_bytes(b"")
    (tmp_path / "notfits.fits").write_text("not a FITS file\n")
    shutil.copy(test_data_dir / "hst" / "truncated.fits", tmp_path / "truncated.fits")
    shutil.copy(test_data_dir / "hst" / "s7g1700gl_dead_good_xsum.fits", tmp_path / "good.fits")
    marker = tmp_path / "RAN"
    (tmp_path / "hst_acs_darkfile_code.rmap").write_text(
        f"header = {{'x': __import__('os').system('touch {marker}')}}\nselector = Match({{}})\n")
    names = ["empty.fits", "notfits.fits", "truncated.fits", "hst_acs_darkfile_code.rmap", "good.fits"]
    code = main(["certify", *names, "--comparison-context", "hst_0729.pmap"])
    err = capsys.readouterr().err
    assert code == 1 and not marker.exists()
    errors = [line for line in err.splitlines() if line.startswith("CRDS - ERROR -")]
    for name in ("empty.fits", "notfits.fits"):
        assert sum(f"data='./{name}'" in line for line in errors) == 1
    assert sum("data='./hst_acs_darkfile_code.rmap'" in line for line in errors) == 2  # closure + certify, as crds
    assert "FITS file 'good.fits' conforms to FITS standards." in err
    assert "FITS file 'truncated.fits' conforms to FITS standards." in err  # astropy only warns
    assert "Certifying './good.fits' (2/5)" in err and "4 errors" in err
