"""crds_batch.getrecommendations: parity with crds, bad files, environment switches."""
from __future__ import annotations

import logging

import pytest

import crds_batch
from crds_batch.errors import BadReferenceError, BadRulesError
from tests.conftest import CACHE
from tests.oracle_compare import check_api
from tests.rules.tiny_cache import make_cache, rmap, write_case

ACS = {"INSTRUME": "ACS", "DETECTOR": "WFC", "CCDAMP": "ABCD", "CCDGAIN": "2.0", "DATE-OBS": "2010-01-01",
       "TIME-OBS": "00:00:00", "FILTER1": "F555W", "FILTER2": "CLEAR2L", "OBSTYPE": "IMAGING", "APERTURE": "WFC1",
       "NAXIS1": "4144", "NAXIS2": "2068", "LTV1": "24", "LTV2": "0", "XCORNER": "0", "YCORNER": "0"}
MIRI = {"META.INSTRUMENT.NAME": "MIRI", "META.INSTRUMENT.DETECTOR": "MIRIMAGE", "META.INSTRUMENT.FILTER": "F560W",
        "META.OBSERVATION.DATE": "2023-01-01", "META.OBSERVATION.TIME": "00:00:00", "META.EXPOSURE.TYPE": "MIR_IMAGE"}


@pytest.mark.oracle
@pytest.mark.parametrize("header,context,observatory", [
    (ACS, "hst_0729.pmap", "hst"),
    (dict(ACS, INSTRUME="WFII", DETECTOR="1", FILTER1="F555W"), "hst_0729.pmap", "hst"),
    ({"DETECTOR": "WFC"}, "hst_0729.pmap", "hst"),                 # no instrument keyword
    (dict(ACS, INSTRUME="NOSUCH"), "hst_0729.pmap", "hst"),         # unknown instrument
    (dict(ACS, CCDGAIN=2, NAXIS1=4144.0, OBSTYPE=None), "hst_0729.pmap", "hst"),  # non-string values
    (MIRI, "jwst_0541.pmap", "jwst"),
    (dict(MIRI, **{"META.SUBARRAY.NAME": "GENERIC"}), "jwst_0541.pmap", "jwst"),
    # bare FITS keywords (translated with crds_batch.observatories.keywords)
    ({"INSTRUME": "NIRCAM", "DETECTOR": "NRCA1", "FILTER": "F200W", "PUPIL": "CLEAR", "DATE-OBS": "2023-01-01",
      "TIME-OBS": "00:00:00", "EXP_TYPE": "NRC_IMAGE", "CHANNEL": "SHORT"}, "jwst_0541.pmap", "jwst"),
])
def test_parity(header, context, observatory):
    check_api(header, context, observatory)


@pytest.mark.oracle
def test_reftypes_subset_and_unknown_type():
    check_api(ACS, "hst_0729.pmap", "hst", reftypes=["darkfile", "BIASFILE", "nosuchtype"])
    check_api(ACS, "hst_0729.pmap", "hst", reftypes=[])


@pytest.mark.oracle
def test_bad_rules_raise_like_crds(monkeypatch):
    # jwst_0017.pmap's MIRI imap contains rmaps listed as bad in config/jwst.
    check_api(MIRI, "jwst_0017.pmap", "jwst")
    with pytest.raises(BadRulesError, match="scientifically invalid"):
        crds_batch.getrecommendations(MIRI, "jwst_0017.pmap")
    monkeypatch.setenv("CRDS_ALLOW_BAD_RULES", "1")
    check_api(MIRI, "jwst_0017.pmap", "jwst")


@pytest.mark.oracle
def test_bad_reference_raises_like_crds(tmp_path, monkeypatch, caplog):
    root = make_cache(tmp_path, CACHE)
    bad = sorted(name for name in (CACHE / "config" / "hst" / "bad_files.txt").read_text().split()
                 if name.endswith(".fits"))[0]
    pmap = write_case(root, "apibadref", {"darkfile": rmap("(('DETECTOR',),)", "Match({('WFC',) : '%s'})" % bad)})
    monkeypatch.setenv("CRDS_PATH", str(root))
    check_api({"INSTRUME": "ACS", "DETECTOR": "WFC"}, pmap, "hst")
    with pytest.raises(BadReferenceError, match=bad):
        crds_batch.getrecommendations({"INSTRUME": "ACS", "DETECTOR": "WFC"}, pmap)
    monkeypatch.setenv("CRDS_ALLOW_BAD_REFERENCES", "true")
    with caplog.at_level(logging.WARNING, logger="crds_batch"):
        assert crds_batch.getrecommendations({"INSTRUME": "ACS", "DETECTOR": "WFC"}, pmap) == {"darkfile": bad}
    assert "scientifically invalid" in caplog.text


def test_symbolic_context(monkeypatch):
    monkeypatch.setenv("CRDS_CONTEXT", "hst_0729.pmap")
    assert crds_batch.getrecommendations(ACS) == crds_batch.getrecommendations(ACS, "hst_0729.pmap")
