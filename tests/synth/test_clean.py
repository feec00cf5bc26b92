"""Zero faults asked for means zero failed lookups, as crds counts them, and dates within each mission.

Issue 10 §4: ``--invalid-fraction 0 --early-fraction 0`` used to leave 7% (HST:
ACS DETECTOR='SBC' has no DARKFILE rule...) and 27% (JWST) of datasets failing
in crds, and JWST datasets observed years before the telescope's launch.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crds_batch.synth import generate, write_save
from crds_batch.synth.clean import failing_rows
from crds_batch.synth.dates import MISSION_LAUNCH, mission_span
from tests.batch.test_check_oracle import crds_run

CLEAN = dict(invalid_fraction=0.0, early_fraction=0.0)
CASES = [("hst_0729.pmap", "hst", 1500, 31), ("jwst_0541.pmap", "jwst", 1000, 32)]


def _frame(context, n, **kwargs) -> pd.DataFrame:
    return pd.concat(list(generate(context, n, **kwargs)), ignore_index=True)


@pytest.mark.parametrize("context, observatory, n, seed", CASES)
def test_clean_corpus_has_no_failing_dataset(context, observatory, n, seed):
    frame = _frame(context, n, seed=seed, **CLEAN)
    assert len(frame) == n and frame["dataset_id"].is_unique
    bad, example = failing_rows(context, frame)
    assert not bad.any(), example


@pytest.mark.oracle
@pytest.mark.parametrize("context, observatory, n, seed", CASES)
def test_crds_finds_no_error_in_a_clean_corpus(context, observatory, n, seed, tmp_path):
    save = tmp_path / f"{observatory}.json"
    assert write_save(generate(context, n, seed=seed, **CLEAN), str(save)) == n
    _, log = crds_run([f"--{observatory}", "--load-pickles", str(save), "--new-context", context,
                       "--dump-unique-errors"])
    assert "All unique error types: 0" in log
    assert "0 errors" in log, [line for line in log if "errors like" in line][:5]


def test_the_planted_faults_still_fail():
    """The check is not vacuous: the default fractions do give failing datasets."""
    bad, _ = failing_rows("hst_0729.pmap", _frame("hst_0729.pmap", 600, seed=33, invalid_fraction=0.2))
    assert bad.mean() > 0.05


@pytest.mark.parametrize("context, observatory, date_key", [
    ("jwst_0541.pmap", "jwst", "META.OBSERVATION.DATE"), ("hst_0729.pmap", "hst", "DATE-OBS")])
def test_dates_within_the_mission(context, observatory, date_key):
    frame = _frame(context, 800, seed=34, odd_date_fraction=0.0, **CLEAN)
    observed = pd.to_datetime(frame[date_key]).to_numpy().astype("datetime64[s]")
    assert observed.min() >= MISSION_LAUNCH[observatory]


def test_span_starts_at_launch_when_rules_predate_it():
    start, end = mission_span(["2014-01-01 00:00:00", "2017-06-01 00:00:00"], "jwst")
    assert start == np.datetime64("2021-12-25T00:00:00") and end > start + np.timedelta64(365, "D")
    assert mission_span(["2014-01-01 00:00:00"], "roman")[0] == np.datetime64("2014-01-01T00:00:00")
