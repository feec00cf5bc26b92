"""The shared date table: string-order counts of UseAfter keys and the failure texts of bad dates."""
from __future__ import annotations

import itertools

import numpy as np

from crds_batch.engine.columns import Column
from crds_batch.engine.dates import DateTable
from crds_batch.engine.evaluate import _Values
from crds_batch.rules.selectors.useafter import normalize_date

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


def _searched(dates: DateTable, keys: np.ndarray, rows: np.ndarray) -> list[int]:
    """Per row, the keys <= its date by a string search of its normalized date (-1: the date does not normalize)."""
    return [int(np.searchsorted(keys, dates.date(d), side="right")) if dates.date(d) is not None else -1
            for d in dates.did[rows].tolist()]


def test_key_counts_equal_a_string_search_of_every_date():
    dates = _table()
    assert dates.errors and dates.valid.sum() >= 5
    rows = np.array([9, 0, 3, 3, 5, 1, 8, 2, 7, 6, 4, 0])
    for keys in (["2005-01-02 00:00:00"], ["1990-01-01 00:00:00", "2005-01-02 00:00:00", "2005-01-02 12:00:00",
                                           "2010-06-01 10:00:00", "2099-01-01"], [], ["", "2005", "2005-01-02 05"]):
        keys = np.array(sorted(keys), dtype=str)
        assert dates.key_counts(keys, rows).tolist() == _searched(dates, keys, rows), keys


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


def test_normalized_dates_equal_the_parser_on_every_pair_of_distinct_values():
    """Each column's distinct values are checked once; every date-time pair gets what the parser gives it."""
    dates = ["2012-05-06", "2012-02-29", "2013-02-29", "2012-13-01", "0000-01-01", "2012-5-06", "2012/05/06",
             "06/05/2012", "UNDEFINED", "2000-02-29", "1900-02-29", "2012-04-31", "2012-12-31 ", "20120506"]
    times = ["00:00:00", "23:59:59", "24:00:00", "12:60:00", "1:02:03", "12:00:00.5", "12:00", "UNDEFINED",
             "00:00:60", "09:30:00 "]
    pairs = list(itertools.product(dates, times)) * 2
    columns = [Column(np.array([values.index(pair[i]) for pair in pairs], dtype=np.int32), values)
               for i, values in enumerate((dates, times))]
    table = DateTable(columns, ("DATE-OBS", "TIME-OBS"), len(pairs))
    fast = 0
    for row, (date, time) in enumerate(pairs):
        d = table.did[row]
        try:
            expected = normalize_date(("DATE-OBS", "TIME-OBS"), date.strip() + " " + time.strip())
        except Exception as exc:
            expected = None
            assert table.date(d) is None and d in table.errors, (date, time, exc)
        else:
            assert table.date(d) == expected, (date, time)
            fast += expected == date + " " + time
    assert fast >= 4


def test_dates_sort_as_their_texts_with_parsed_dates_and_fractions():
    """The numeric sort key of the normalized dates orders them as their texts (fractions, parsed formats,
    invalid dates included), so key counts equal a string search."""
    dates = ["2012-05-06", "2012-05-07", "06/05/2012", "2012/05/06", "1999-12-31", "UNDEFINED", "0999-01-01",
             "2012-05-06T12:00:00", "not-a-date"]
    times = ["12:00:00", "12:00:00.5", "12:00:00.25", "11:59:59", "00:00:00", "12:00", "07:14:44 PM", "bad"]
    pairs = list(itertools.product(dates, times))
    columns = [Column(np.array([values.index(pair[i]) for pair in pairs], dtype=np.int32), values)
               for i, values in enumerate((dates, times))]
    table = DateTable(columns, ("DATE-OBS", "TIME-OBS"), len(pairs))
    assert table._sort_key is not None and (table.as_array != "").sum() > 20
    assert any("." in text for text in table.as_array.tolist())
    ordered = table.as_array[np.argsort(table._sort_key)].tolist()
    assert ordered == sorted(table.as_array.tolist())
    keys = np.array(sorted(set(table.as_array.tolist()) | {"2012-05-06 12:00:00.000000", "2012-05-06 12", "",
                                                              "2012-05-06 12:00:00.5", "9999"}), dtype=str)
    rows = np.arange(len(pairs))
    assert table.key_counts(keys, rows).tolist() == _searched(table, keys, rows)
