"""``crds-batch refactor insert|delete``: byte-identical to ``crds refactor``, checksums right, and the new
rmap selects as intended in crds and in our engine."""
from __future__ import annotations

import shutil

import pytest

from crds_batch.certify.checksum import verify_mapping_checksum
from crds_batch.cli.main import main
from crds_batch.files.headers import read_parameters
from crds_batch.rules.loading import load_mapping
from crds_batch.rules.lookup import best_references
from tests.conftest import CACHE, TEST_DATA

RMAP = "hst_acs_idctab_0255.rmap"  # Match(DETECTOR) over UseAfter; HRC 2002-03-01 -> p7d1548qj_idc.fits
REFERENCE = TEST_DATA / "hst" / "acs_new_idc.fits"  # ACS HRC idctab, USEAFTER Mar 1 2002
DATASET = TEST_DATA / "hst" / "j8bt05njq_raw.fits"  # ACS HRC, 2002-04-13


def _crds_refactor(*args):
    from crds.refactoring.refactor import RefactorScript

    return RefactorScript(["crds.refactor", *map(str, args)])()


def _crds_choice(rmap_path):
    from crds.core import rmap

    header = {k: v for k, v in read_parameters(str(DATASET)).parameters.items()}
    return rmap.fetch_mapping(str(rmap_path), ignore_checksum=False).get_best_ref(header)


def _our_choice(rmap_path):
    from crds_batch.rules.lookup import condition_header, minimize, rmap_reference

    rules = load_mapping(str(rmap_path))
    header = minimize(condition_header(read_parameters(str(DATASET)).parameters), rules.required_parkeys)
    return rmap_reference(rules, header)


@pytest.fixture
def old_rmap(tmp_path):
    return shutil.copy(CACHE / "mappings" / "hst" / RMAP, tmp_path / RMAP)


@pytest.mark.oracle
@pytest.mark.parametrize("action, reference, chosen", [
    ("insert", str(REFERENCE), "acs_new_idc.fits"),  # same key and date: replaces p7d1548qj at HRC 2002-03-01
    ("delete", "p7d1548qj_idc.fits", None),  # HRC falls back to its earlier date
])
def test_same_rmap_as_crds_and_selects_as_intended(action, reference, chosen, old_rmap, tmp_path, capsys):
    ours, theirs = tmp_path / "ours.rmap", tmp_path / "theirs.rmap"
    assert main(["refactor", action, str(old_rmap), str(ours), reference]) == 0
    assert _crds_refactor(action, old_rmap, theirs, reference) == 0
    assert ours.read_bytes() == theirs.read_bytes()
    verify_mapping_checksum(str(ours))
    assert "'derived_from' : 'hst_acs_idctab_0255.rmap'," in ours.read_text()
    before = _our_choice(old_rmap)
    after = _our_choice(ours)
    assert after == _crds_choice(ours)
    if chosen:
        assert after == chosen
    else:
        assert after != before == "p7d1548qj_idc.fits" and "p7d1548qj_idc.fits" not in ours.read_text()


@pytest.mark.oracle
def test_insert_a_new_date_in_another_case_like_crds(old_rmap, tmp_path):
    from astropy.io import fits

    reference = tmp_path / "new_sbc_idc.fits"
    shutil.copy(REFERENCE, reference)
    with fits.open(reference, mode="update") as hdus:
        hdus[0].header["DETECTOR"] = "SBC"
        hdus[0].header["USEAFTER"] = "Jan 26 2031 11:30:00"
    ours, theirs = tmp_path / "ours.rmap", tmp_path / "theirs.rmap"
    assert main(["refactor", "insert", str(old_rmap), str(ours), str(reference)]) == 0
    assert _crds_refactor("insert", old_rmap, theirs, reference) == 0
    assert ours.read_bytes() == theirs.read_bytes()
    assert "'2031-01-26 11:30:00' : 'new_sbc_idc.fits'," in ours.read_text()


def test_deleting_an_absent_reference_is_an_error(old_rmap, tmp_path, capsys):
    assert main(["refactor", "delete", str(old_rmap), str(tmp_path / "new.rmap"), "nosuch_idc.fits"]) == 3
    assert "Terminal 'nosuch_idc.fits' could not be found and deleted." in capsys.readouterr().err
    assert not (tmp_path / "new.rmap").exists()
