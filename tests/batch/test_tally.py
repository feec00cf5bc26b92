"""The per-partition tally of datasets per (instrument, observation year, outcome)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from crds_batch.batch.partition import SelectedRows, row_instruments, row_outcomes
from crds_batch.batch.tally import TALLY_COLUMNS, tally
from crds_batch.tools.diff import MIN_DATE


def test_tally_counts_every_dataset_once_in_sorted_groups():
    rng = np.random.default_rng(3)
    n = 2000
    ids = np.array([f"ID{i:05d}" for i in range(n)], dtype=object)
    instruments = rng.choice(np.array(["ACS", "WFC3", ""], dtype=object), n)
    years = rng.choice(["1999-04-01 10:00:00", "2010-12-31 23:59:59", MIN_DATE, "not a date"], n)
    selected = SelectedRows(pd.DataFrame({"dataset_id": ids}), instruments, years.astype(object))
    affected, failed = ids[rng.random(n) < 0.4], ids[rng.random(n) < 0.2]
    counted = tally(selected, row_outcomes(selected.frame, affected, failed))
    outcome = np.where(np.isin(ids, failed), "failed", np.where(np.isin(ids, affected), "affected", "ok"))
    year = [text[:4] if text[:2] in ("19", "20") and text != MIN_DATE else "unknown" for text in years]
    expected = (pd.DataFrame({"instrument": [i.lower() for i in instruments], "year": year, "outcome": outcome})
                .groupby(["instrument", "year", "outcome"], sort=True).size().reset_index(name="datasets"))
    assert list(counted.columns) == TALLY_COLUMNS
    assert counted.to_dict("records") == expected.to_dict("records")
    assert counted["datasets"].sum() == n and counted["datasets"].dtype == np.int64


def test_row_instruments_strip_upper_fix_and_blank_missing():
    frame = pd.DataFrame({"INSTRUME": pd.array([" acs", "WFC3 ", None, "acs"], dtype="string")})
    assert row_instruments(frame, "hst").tolist() == ["ACS", "WFC3", "", "ACS"]


def test_observation_year_is_the_first_19xx_or_20xx_anywhere():
    from crds_batch.batch.tally import observation_years

    times = ["2019-03-04 10:00:00", "01-02-2007 13:37:17", "04/05/98 20:19:55", "1899-12-31 00:00:00",
             "20٠٧-01-01 00:00:00", "x2031-01-01", "NOT-A-DATE 19:49:50", MIN_DATE, "2021", "19"]
    years = observation_years(pa.array(times, pa.string())).to_pylist()
    assert years == ["2019", "2007", "unknown", "unknown", "unknown", "2031", "unknown", "unknown", "2021", "unknown"]


def test_observation_years_of_sliced_arrays_with_nulls_match_a_search_per_time():
    import re

    from crds_batch.batch.tally import observation_years

    rng = np.random.default_rng(11)
    pieces = ["2019", "1987", "20", "19", "2٠", "-", ":", "/", " ", "x", "0", "9", "é", "12:30:00", "1900-01-01"]
    times = ["".join(rng.choice(pieces, rng.integers(0, 5))) for _ in range(3000)] + [MIN_DATE, "", "1899"]
    values = [None if i % 97 == 5 else t for i, t in enumerate(times)]
    array = pa.array(["lead"] * 7 + values, pa.string()).slice(7)  # an offset into the buffers

    def year(text):
        found = re.search(r"(?:19|20)[0-9][0-9]", text) if text is not None and text != MIN_DATE else None
        return found.group(0) if found else "unknown"

    assert observation_years(array).to_pylist() == [year(t) for t in values]
