"""The shared date table: string-order counts of UseAfter keys and the failure texts of bad dates."""
from __future__ import annotations

import numpy as np

from crds_batch.engine.columns import Column
from crds_batch.engine.dates import DateTable
from crds_batch.engine.evaluate import _Values

DATES = ["2005-01-02", "2005-01-02", "1999-12-31", "2005-13-40", "2010-06-01", "UNDEFINED", "2005-01-02",
         "2005/01/03", "2024-02-30", "2010-06-01"]
TIMES = ["00:00:00", "12:00:00", "23:59:59", "00:00:00", "10:00:00", "00:00:00", "00:00:00",
         "01:02:03", "00:00:00", "10:00:00"]


def _table() -> DateTable:
    columns = []
    for texts in (DATES, TIMES):
        values = list(dict.fromkeys(texts))
        columns.append(Column(np.array([values.index(t) for t in texts], dtype=np.int32), values))
    return DateTable(columns, ("DATE-OBS", "TIME-OBS"), len(DATES))


def test_key_counts_equal_a_string_search_of_every_date():
    dates = _table()
    assert dates.errors and dates.valid.sum() >= 5
    for keys in (["2005-01-02 00:00:00"], ["1990-01-01 00:00:00", "2005-01-02 00:00:00", "2005-01-02 12:00:00",
                                           "2010-06-01 10:00:00", "2099-01-01"], [], ["", "2005", "2005-01-02 05"]):
        keys = np.array(sorted(keys), dtype=str)
        expected = np.searchsorted(keys, dates.as_array, side="right")
        assert dates.count_keys_le(keys).tolist() == expected.tolist(), keys


def test_only_the_failures_rows_meet_are_registered():
    """A type's results list the failure texts of the bad dates its rows reached, no other."""
    dates = _table()
    bad = sorted(dates.errors)
    assert len(bad) >= 3
    values = _Values()
    met = np.array([bad[2], bad[2]])
    codes = dates.error_codes(values, met)
    assert values.objects == ["NOT FOUND " + dates.errors[bad[2]]]
    assert codes.tolist() == [0, 0]
    codes = dates.error_codes(values, np.array([bad[1], bad[2], bad[0]]))
    assert [values.objects[c] for c in codes.tolist()] == ["NOT FOUND " + dates.errors[d] for d in (bad[1], bad[2], bad[0])]
    assert len(values.objects) == 3
