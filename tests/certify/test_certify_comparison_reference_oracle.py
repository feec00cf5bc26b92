"""Without ``--comparison-reference``, certify compares a table with the file it would replace in the context.

crds 13.2.7 inserts the new reference into the comparison context's rmap and
compares table modes against the file the insertion replaces. The new tables
here are copies of a cached COS TWOZXTAB table (``z2d1925ql_2zx.fits``) with a
row deleted or unchanged: in ``hst_0610.pmap`` they replace that cached file,
in ``hst_0729.pmap`` they replace one the test cache does not hold.
"""
from __future__ import annotations

import re

import pytest
from astropy.io import fits

from crds_batch.cli.main import main

from .crds_runner import run_crds, without_fetch_reason

pytestmark = pytest.mark.oracle

DOWNLOAD = re.compile(r"^CRDS - INFO -  (Syncing [0-9]+ files|[0-9]+ infos)$")
OLD_TABLE = "z2d1925ql_2zx.fits"
NEW_TABLE = "cos_new_2zx.fits"


def write_new_table(cache_dir, directory, rows_dropped: int) -> None:
    with fits.open(cache_dir / "references" / "hst" / OLD_TABLE) as hdus:
        hdus[1].data = hdus[1].data[rows_dropped:]
        hdus.writeto(directory / NEW_TABLE, checksum=True)


def crds_log(stderr: str) -> list[str]:
    """The log lines, but crds's attempt to download the missing file and hence its count of infos."""
    lines = [line for line in stderr.splitlines() if line.startswith("CRDS - ") and not DOWNLOAD.match(line)]
    return without_fetch_reason(lines)


@pytest.mark.parametrize(("context", "rows_dropped", "expected"), [
    ("hst_0610.pmap", 1, f"from old reference '{OLD_TABLE}[1]' is NOT IN new reference '{NEW_TABLE}[1]'"),
    ("hst_0610.pmap", 0, f"Comparing reference '{NEW_TABLE}' against '{OLD_TABLE}'"),
    ("hst_0729.pmap", 1, "Failed to obtain reference comparison file '23n1744ml_2zx.fits'"),
])
def test_comparison_table_found_by_insertion_as_crds(cache_dir, tmp_path, capsys, monkeypatch, context,
                                                      rows_dropped, expected):
    write_new_table(cache_dir, tmp_path, rows_dropped)
    theirs = run_crds("crds.certify", [NEW_TABLE, "--comparison-context", context], cwd=tmp_path)
    monkeypatch.chdir(tmp_path)
    code = main(["certify", NEW_TABLE, "--comparison-context", context])
    ours = crds_log(capsys.readouterr().err)
    assert any(expected in line for line in ours)
    assert ours == crds_log(theirs.stderr)
    assert code == (1 if theirs.returncode else 0)
