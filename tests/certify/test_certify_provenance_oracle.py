"""``certify --dump-provenance`` on HST FITS references against ``crds certify --dump-provenance``.

The provenance lines (``[HDU] KEY value comment``, ``KEY = 'value'`` from
the certified header, ``Missing keyword 'KEY'.`` warnings) must be the same,
in the same order.
"""
from __future__ import annotations

import re
import shutil

import pytest
from astropy.io import fits

from crds_batch.cli.main import main

from .crds_runner import run_crds

pytestmark = pytest.mark.oracle

_PROVENANCE = re.compile(r"^CRDS - (INFO -  \[\d+\] |INFO -  [A-Z0-9_-]+ = |WARNING -  Missing keyword )")


def provenance_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if _PROVENANCE.match(line)]


def compare(path: str, tmp_path, capsys) -> list[str]:
    args = [path, "--comparison-context", "hst_0729.pmap", "--dump-provenance"]
    theirs = run_crds("crds.certify", args, tmp_path)
    main(["certify", *args])
    ours = provenance_lines(capsys.readouterr().err)
    assert ours == provenance_lines(theirs.stderr)
    return ours


@pytest.mark.parametrize("name", ["hst_acs_biasfile_0001.fits", "s7g1700gl_dead.fits", "missing_keyword.fits"])
def test_dump_provenance_matches_crds(test_data_dir, tmp_path, capsys, name):
    assert compare(str(test_data_dir / "hst" / name), tmp_path, capsys)


def test_dump_provenance_missing_keyword_matches_crds(test_data_dir, tmp_path, capsys):
    path = tmp_path / "hst_acs_biasfile_nodescrip.fits"
    shutil.copy(test_data_dir / "hst" / "hst_acs_biasfile_0001.fits", path)
    with fits.open(path, mode="update") as hdus:
        del hdus[0].header["DESCRIP"]
    lines = compare(str(path), tmp_path, capsys)
    assert any("Missing keyword 'DESCRIP'." in line for line in lines)
