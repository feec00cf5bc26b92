"""Columnar engine == scalar path == crds, on real rules with random parameter sets from their match tuples."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from crds_batch.engine.evaluate import evaluate
from crds_batch.rules import lookup
from crds_batch.rules.loading import load_context
from tests.conftest import CACHE
from tests.oracle_compare import _printable, check_all_paths, check_api, oracle

from .sweep import random_headers

HST_INSTRUMENTS = ["acs", "cos", "nicmos", "stis", "synphot", "wfc3", "wfpc2"]
JWST_INSTRUMENTS = ["fgs", "miri", "nircam", "niriss", "nirspec"]


def _engine_rows(context, headers, observatory):
    frame = evaluate(context, pd.DataFrame.from_records(headers), observatory=observatory)
    return [{k: v for k, v in row.items() if isinstance(v, str)} for _, row in frame.iterrows()]


def _sweep(context_name, observatory, instrument, n, seed):
    context = load_context(context_name)
    headers = random_headers(context, instrument, n, seed=seed, instrument_key=context.instrument_key)
    engine = _engine_rows(context, headers, observatory)
    for header, got in zip(headers, engine):
        expected, exc = oracle(header, context_name, observatory, fast=True)
        if exc is not None:
            continue
        expected = _printable(expected)
        assert _printable(lookup.best_references(context, header, observatory=observatory)) == expected, header
        assert got == expected, header


@pytest.mark.oracle
@pytest.mark.parametrize("instrument", HST_INSTRUMENTS)
def test_hst_sweep(instrument):
    _sweep("hst_0729.pmap", "hst", instrument, 40, seed=7)


@pytest.mark.oracle
@pytest.mark.parametrize("instrument", JWST_INSTRUMENTS)
def test_jwst_sweep(instrument):
    _sweep("jwst_0541.pmap", "jwst", instrument, 20, seed=3)


@pytest.mark.oracle
def test_roman_sweep_and_meta_renaming():
    _sweep("roman_0004.pmap", "roman", "wfi", 40, seed=5)
    header = {"META.INSTRUMENT.NAME": "WFI", "META.INSTRUMENT.DETECTOR": "WFI01",
              "META.EXPOSURE.START_TIME": "2024-01-01 00:00:00", "META.INSTRUMENT.OPTICAL_ELEMENT": "F158"}
    check_api(header, "roman_0004.pmap", "roman")
    check_all_paths(header, "roman_0004.pmap", "roman")


@pytest.mark.oracle
def test_roman_bad_checksum_in_real_cache_fails_like_crds():
    # roman_wfi_epsf_0001.rmap in the cache has a wrong sha1sum; crds refuses the context too.
    check_api({"ROMAN.META.INSTRUMENT.NAME": "WFI"}, "roman_0007.pmap", "roman")


@pytest.mark.oracle
def test_old_hst_context_default_hooks():
    # hst_acs_biasfile_0001..0011 have no 'hooks' header: the *_v1 default hook names apply.
    context = load_context("hst_0061.pmap")
    _sweep("hst_0061.pmap", "hst", "acs", 30, seed=11)
    assert context.get_imap("acs").child("biasfile").precondition is not None


@pytest.fixture(scope="module")
def tobs_cache(tmp_path_factory):
    root = tmp_path_factory.mktemp("tobs")
    shutil.copytree(CACHE / "mappings" / "tobs", root / "mappings" / "tobs")
    shutil.copytree(CACHE / "config" / "hst", root / "config" / "tobs")
    config = root / "config" / "tobs" / "server_config"
    config.write_text(config.read_text().replace("'observatory': 'hst'", "'observatory': 'tobs'"))
    return root


@pytest.mark.oracle
def test_tobs_other_selectors(tobs_cache, monkeypatch):
    monkeypatch.setenv("CRDS_PATH", str(tobs_cache))
    params = ["2004-04-25 21:31:00", "2004-04-25 21:31:01", "2004-04-25 21:31:02", "2005-01-01 00:00:00",
              "2001-01-01", "3.0", "3.1", "4", "5", "6", "1.2", "1.3", "0.5", "7", "2018-01-01", "x", "UNDEFINED"]
    for case in ["USE_AFTER", "SELECT_VERSION", "CLOSEST_TIME", "BRACKET", "GEOMETRICALLY_NEAREST", "OTHER"]:
        for value in params:
            header = {"INSTRUME": "TINSTR", "TEST_CASE": case, "PARAMETER": value}
            check_all_paths(header, "tobs.pmap", "tobs")
            check_api(header, "tobs.pmap", "tobs")


def test_mixed_instruments_and_type_subsets():
    context = load_context("hst_0729.pmap")
    headers = (random_headers(context, "acs", 30, seed=1) + random_headers(context, "wfc3", 30, seed=2)
               + [{"DETECTOR": "WFC"}, {"INSTRUME": "NOSUCH"}])
    frame = pd.DataFrame.from_records(headers, index=[f"id{i}" for i in range(len(headers))])
    result = evaluate(context, frame)
    assert list(result.index) == list(frame.index)
    assert all(isinstance(result[c].dtype, pd.CategoricalDtype) for c in result.columns)
    for (_, row), header in zip(result.iterrows(), headers):
        values = {k: v for k, v in row.items() if isinstance(v, str)}
        if "INSTRUME" not in header or header["INSTRUME"] == "NOSUCH":
            assert values == {}
        else:
            assert values == _printable(lookup.best_references(context, header))
    subset = evaluate(context, frame, reftypes=["darkfile", "biasfile"])
    assert list(subset.columns) == ["darkfile", "biasfile"]
    pd.testing.assert_frame_equal(subset, result[["darkfile", "biasfile"]], check_categorical=False)


def test_dates_vectorized_equal_scalar_on_many_dates():
    context = load_context("hst_0729.pmap")
    headers = random_headers(context, "acs", 400, seed=9)
    for i, header in enumerate(headers):  # many distinct dates per match group
        header["DATE-OBS"] = f"{1995 + i % 30}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        header["TIME-OBS"] = f"{i % 24:02d}:{i % 60:02d}:{(7 * i) % 60:02d}"
    got = _engine_rows(context, headers, "hst")
    for header, row in zip(headers, got):
        assert row == _printable(lookup.best_references(context, header))
