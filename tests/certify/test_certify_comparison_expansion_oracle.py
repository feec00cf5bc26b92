"""certify finds the comparison table of a reference whose header needs crds's wildcard expansion, as crds does.

crds 13.2.7 inserts the new table into the comparison context's rmap the way
``crds refactor`` does, so header values such as COS ``LIFE_ADJ = -11``
(``-1.0|1.0``) or ``OPT_ELEM = 'ANY'`` (``G130M|G140L|G160M`` for FUV) are
expanded before the match case is looked up.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from astropy.io import fits

from crds_batch.certify.mapping_text import with_checksum
from crds_batch.cli.main import main
from crds_batch.rules.parsing import parse_mapping

from ..conftest import CACHE
from .crds_runner import run_crds, without_fetch_reason

pytestmark = pytest.mark.oracle

CACHED_TABLE = CACHE / "references" / "hst" / "z1r1943el_1dx.fits"  # a COS FUV XTRACTAB
TWOZX_TABLE = CACHE / "references" / "hst" / "z2d1925ql_2zx.fits"  # a COS FUV TWOZXTAB


def comparison_lines(stderr: str) -> list[str]:
    lines = [line for line in stderr.splitlines() if "compar" in line.lower() and line.startswith("CRDS - ")]
    return without_fetch_reason(lines)


def write_table(source, path, **header) -> None:
    with fits.open(source) as hdus:
        for key, value in header.items():
            hdus[0].header[key] = value
        hdus.writeto(path, checksum=True)


def test_life_adj_substitution_finds_the_file_crds_finds(tmp_path, capsys, monkeypatch):
    """LIFE_ADJ -11 lands on hst_cos_xtractab_0260's ('FUV', 'SPECTROSCOPIC', '-1|1') case at 2009-05-11 00:00:01."""
    write_table(CACHED_TABLE, tmp_path / "cos_new_1dx.fits", LIFE_ADJ=-11, OBSTYPE="SPECTROSCOPIC",
                USEAFTER="May 11 2009 00:00:01")
    theirs = run_crds("crds.certify", ["cos_new_1dx.fits", "--comparison-context", "hst_0729.pmap"], cwd=tmp_path)
    monkeypatch.chdir(tmp_path)
    main(["certify", "cos_new_1dx.fits", "--comparison-context", "hst_0729.pmap"])
    ours = comparison_lines(capsys.readouterr().err)
    assert ours == comparison_lines(theirs.stderr)
    assert any("Failed to obtain reference comparison file 'x1v17414l_1dx.fits'" in line for line in ours)


@pytest.fixture
def any_cache(tmp_path):
    """A cache holding one COS TWOZXTAB rmap that selects on OPT_ELEM, whose FUV case names a cached table."""
    root = tmp_path / "cache"
    (root / "mappings" / "hst").mkdir(parents=True)
    (root / "references" / "hst").mkdir(parents=True)
    (root / "config").mkdir()
    os.symlink(CACHE / "config" / "hst", root / "config" / "hst")
    os.symlink(TWOZX_TABLE, root / "references" / "hst" / TWOZX_TABLE.name)
    text = (CACHE / "mappings" / "hst" / "hst_cos_twozxtab_0262.rmap").read_text()
    text = text.replace("('DETECTOR', 'OBSTYPE', 'LIFE_ADJ')", "('DETECTOR', 'OPT_ELEM', 'LIFE_ADJ')")
    text = text.replace("('FUV', 'SPECTROSCOPIC', '3.0')", "('FUV', 'G130M|G140L|G160M', '3.0')")
    text = text.replace("hst_cos_twozxtab_0262.rmap", "hst_cos_twozxtab_9990.rmap")
    parsed = parse_mapping(text, "hst_cos_twozxtab_9990.rmap")
    (root / "mappings" / "hst" / "hst_cos_twozxtab_9990.rmap").write_text(with_checksum(parsed))
    return root


def test_any_value_expanded_finds_the_cached_table_crds_finds(any_cache, tmp_path, capsys, monkeypatch):
    write_table(TWOZX_TABLE, tmp_path / "cos_any_2zx.fits", OPT_ELEM="ANY")
    env = {key: value for key, value in os.environ.items() if not key.startswith("CRDS_")}
    env["CRDS_PATH"] = str(any_cache)
    theirs = subprocess.run([sys.executable, "-m", "crds.certify", "cos_any_2zx.fits", "--comparison-context",
                             "hst_cos_twozxtab_9990.rmap"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=600)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CRDS_PATH", str(any_cache))
    main(["certify", "cos_any_2zx.fits", "--comparison-context", "hst_cos_twozxtab_9990.rmap"])
    ours = comparison_lines(capsys.readouterr().err)
    assert ours == comparison_lines(theirs.stderr)
    assert "CRDS - INFO -  Comparing reference 'cos_any_2zx.fits' against 'z2d1925ql_2zx.fits'" in ours
