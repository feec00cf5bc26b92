"""``--run-fitsverify`` with the real ``fitsverify`` program, against ``crds certify --run-fitsverify``.

The program's lines come back as crds makes them (``>>`` lines, some
recategorized, the closing summary lines); both tools run the same program on
the same files, so the fitsverify lines and the verdict must be equal.
"""
from __future__ import annotations

import shutil

import pytest

from crds_batch.cli.main import main

from .crds_runner import run_crds

pytestmark = [
    pytest.mark.oracle,
    pytest.mark.skipif(shutil.which("fitsverify") is None,
                       reason="the fitsverify program is not installed (Debian/Ubuntu package: fitsverify)"),
]


def fitsverify_lines(stderr: str) -> list[str]:
    return sorted(line for line in stderr.splitlines() if ">>" in line or "itsverify" in line)


@pytest.mark.parametrize("name", [
    "acs_fitsverify_warning.fits",  # fitsverify warnings crds recategorizes
    "s7g1700gl_dead_bad_xsum.fits",  # bad checksums: errors
    "s7g1700gl_dead_good_xsum.fits",
])
def test_run_fitsverify_matches_crds(test_data_dir, tmp_path, capsys, name):
    path = str(test_data_dir / "hst" / name)
    theirs = run_crds("crds.certify", [path, "--comparison-context", "hst_0729.pmap", "--run-fitsverify"], tmp_path)
    code = main(["certify", path, "--comparison-context", "hst_0729.pmap", "--run-fitsverify"])
    ours = capsys.readouterr().err
    assert fitsverify_lines(ours) == fitsverify_lines(theirs.stderr)
    assert any(">>" in line for line in fitsverify_lines(ours))
    assert code == (1 if theirs.returncode else 0)


def test_run_fitsverify_recategorized_info_matches_crds(test_data_dir, tmp_path, capsys):
    """A long-string keyword: fitsverify warns, crds makes it INFO and says so in a closing INFO line."""
    from astropy.io import fits

    path = tmp_path / "hst_acs_biasfile_longstr.fits"
    shutil.copy(test_data_dir / "hst" / "hst_acs_biasfile_0001.fits", path)
    with fits.open(path, mode="update") as hdus:
        hdus[0].header["LONGKEY"] = "x" * 120
    args = [str(path), "--comparison-context", "hst_0729.pmap", "--run-fitsverify"]
    theirs = run_crds("crds.certify", args, tmp_path)
    code = main(["certify", *args])
    ours = capsys.readouterr().err
    assert fitsverify_lines(ours) == fitsverify_lines(theirs.stderr)
    assert any("recategorizes as INFOs" in line for line in fitsverify_lines(ours))
    assert [line for line in ours.splitlines() if line.endswith(" infos")] == \
        [line for line in theirs.stderr.splitlines() if line.endswith(" infos")]
    assert code == (1 if theirs.returncode else 0)
