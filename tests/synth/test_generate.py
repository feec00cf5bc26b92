"""The generator: determinism, shape of the frames, options."""
from __future__ import annotations

import pandas as pd
import pytest

from crds_batch.errors import CrdsBatchError
from crds_batch.synth import frame_params, generate
from crds_batch.synth.rules import context_facts

HST = "hst_0729.pmap"
JWST = "jwst_0541.pmap"


def _frame(context, n, **kwargs) -> pd.DataFrame:
    return pd.concat(list(generate(context, n, **kwargs)), ignore_index=True)


def test_same_seed_same_data():
    first = _frame(HST, 300, seed=7)
    second = _frame(HST, 300, seed=7)
    pd.testing.assert_frame_equal(first, second)


def test_other_seed_other_data():
    first = frame_params(_frame(HST, 200, seed=1))
    second = frame_params(_frame(HST, 200, seed=2))
    assert set(first).isdisjoint(second)  # ids differ too, so saves of two runs can be merged


def test_chunks_are_single_instrument_and_bounded():
    frames = list(generate(HST, 500, seed=3, chunk_size=100))
    assert sum(len(frame) for frame in frames) == 500
    for frame in frames:
        assert len(frame) <= 100
        assert frame.columns[0] == "dataset_id"
        assert frame["INSTRUME"].nunique() == 1


def test_ids_unique_and_compound():
    frame = _frame(HST, 1000, seed=4)
    assert frame["dataset_id"].is_unique
    products = frame["dataset_id"].str.split(":").str[0]
    exposures = frame["dataset_id"].str.split(":").str[1]
    assert exposures.str.fullmatch(r"[A-Z][0-9A-Z]{7}Q").all()
    # Some association products hold several exposures.
    assert (products != exposures).any()
    assert products.value_counts().max() > 1


def test_values_are_strings_or_absent():
    frame = _frame(JWST, 200, seed=5)
    for column in frame.columns:
        values = frame[column].dropna()
        assert values.map(type).eq(str).all(), column


def test_every_instrument_appears_and_required_parkeys_cover_columns():
    frame = _frame(HST, 400, seed=6)
    facts = context_facts(HST)
    assert set(frame["INSTRUME"]) == set(facts)
    for instrument, rows in frame.groupby("INSTRUME"):
        present = {column for column in rows.columns if rows[column].notna().any()} - {"dataset_id"}
        # Every dataset has a date, even SYNPHOT's whose rules select on none.
        assert present <= set(facts[instrument].required_parkeys) | {"DATE-OBS", "TIME-OBS"}


def test_switches_vary_per_dataset():
    frame = _frame(HST, 400, seed=8, instruments=["acs"])
    assert set(frame["DARKCORR"].dropna()) >= {"PERFORM", "OMIT"}
    assert "OFF" in set(frame["FLASHCUR"].dropna())  # the value that switches FLSHFILE off


def test_invalid_fraction_zero_is_clean():
    frame = _frame(HST, 400, seed=9, invalid_fraction=0.0, odd_date_fraction=0.0)
    assert frame["DATE-OBS"].str.fullmatch(r"\d{4}-\d\d-\d\d").all()
    assert not frame.isin(["BOGUS", "UNKNOWN-MODE", "XYZZY", "F999Q"]).any().any()


def test_invalid_fraction_controls_bad_values():
    frame = _frame(HST, 2000, seed=10, invalid_fraction=0.2)
    bad = frame.isin(["BOGUS", "UNKNOWN-MODE", "XYZZY", "-12345.0", "F999Q", "UNDEFINED", "2011-13-45",
                      "not-a-date", "31/31/2010"]).any(axis=1)
    assert 0.05 < bad.mean() < 0.2


def test_prior_assignments_recorded_under_type_keywords():
    frame = _frame(HST, 300, seed=11, instruments=["WFC3"], prior_fraction=0.5)
    assert 0.3 < frame["DARKFILE"].notna().mean() < 0.7
    names = frame["DARKFILE"].dropna()
    assert names.str.fullmatch(r"N/A|[0-9A-Z]+_DRK\.FITS").all()


def test_roman():
    frame = _frame("roman_0007.pmap", 50, seed=12)
    assert frame["ROMAN.META.EXPOSURE.START_TIME"].str.contains("T").mean() > 0.8
    assert frame["dataset_id"].str.startswith("R").all()


@pytest.mark.parametrize("kwargs", [dict(instruments=["NOPE"]), dict(invalid_fraction=2.0)])
def test_bad_arguments(kwargs):
    with pytest.raises(CrdsBatchError):
        list(generate(HST, 10, **kwargs))
