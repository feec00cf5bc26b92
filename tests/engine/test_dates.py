"""The shared date table: string-order counts of UseAfter keys and the failure texts of bad dates."""
from __future__ import annotations

import datetime
import itertools
import random
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from crds_batch.engine.columns import Column, encode_series
from crds_batch.engine.dates import DateTable, canonical_date_keys, stored_date_keys
from crds_batch.engine.evaluate import _Values, encode_table, evaluate
from crds_batch.engine.minimized import MinimizedColumns
from crds_batch.rules.loading import load_context
from crds_batch.synth import generate
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


# Dates as a store gives them: Arrow strings, most canonical, some not (odd formats, blanks conditioning strips,
# lower case, absent, UNDEFINED, impossible days and times, multi-byte characters of canonical byte length).
ARROW_DATES = ["2012-05-06", "2012-02-29", "2013-02-29", "2012-13-01", "0000-01-01", "2012-5-06", "2012/05/06",
               " 2012-05-06", "2012-05-06 ", "UNDEFINED", None, "2000-02-29", "1900-02-29", "é012-05-0",
               "2012-05-06t", "2012-05-07", "1999-12-31", "May 06 2012"]
ARROW_TIMES = ["00:00:00", "23:59:59", "24:00:00", "12:60:00", "1:02:03", "12:00:00.5", " 09:30:00", None,
               "07:14:44 PM", "é0:00:0", "11:59:59", "12:00:00"]


def _arrow_frame(string_type: pa.DataType) -> pd.DataFrame:
    pairs = list(itertools.product(ARROW_DATES, ARROW_TIMES))
    order = np.random.default_rng(5).permutation(len(pairs) * 3) % len(pairs)  # each pair thrice, shuffled
    dtype = pd.ArrowDtype(string_type)
    return pd.DataFrame({"DATE-OBS": pd.Series([pairs[i][0] for i in order], dtype=dtype),
                         "TIME-OBS": pd.Series([pairs[i][1] for i in order], dtype=dtype)})


def _assert_same_table(found: DateTable, expected: DateTable) -> None:
    assert found.did.tolist() == expected.did.tolist()
    assert found.valid.tolist() == expected.valid.tolist()
    assert list(found.errors.items()) == list(expected.errors.items())  # the same texts, in the same order
    assert found.failed_inputs == expected.failed_inputs and set(found.failed_inputs) == set(found.errors)
    assert (found._sort_key is None) == (expected._sort_key is None)
    if expected._sort_key is not None:
        assert found._sort_key.tolist() == expected._sort_key.tolist()
    assert found.as_array.tolist() == expected.as_array.tolist()
    assert [found.date(d) for d in range(found.count)] == [expected.date(d) for d in range(expected.count)]


@pytest.mark.parametrize("string_type", [pa.string(), pa.large_string()])
@pytest.mark.parametrize("start", [0, 7])  # 7: Arrow arrays with an offset
@pytest.mark.parametrize("step", [1, 3])  # 3: an instrument's rows among others
def test_dates_read_from_arrow_buffers_make_the_table_the_encoded_columns_make(string_type, start, step):
    """A store's dates read as numbers from the Arrow buffers, the other rows encoded and parsed alone: the same
    table (ids in order of first row, validity, failure texts in their order, texts, sort keys) as encoding the
    whole columns gives, so every search and every failure text is the same."""
    frame = _arrow_frame(string_type).iloc[start:]
    names = ("DATE-OBS", "TIME-OBS")
    table = encode_table(frame, "hst")
    strings = [table.arrow_strings(name) for name in names]
    keys = canonical_date_keys(*strings)
    assert 0 < (keys >= 0).sum() < len(keys)  # both kinds of rows
    rows = np.arange(len(frame))[::step]
    found = MinimizedColumns(table, list(names), rows, {}).date_table(names)
    expected = DateTable([encode_series(frame[name]).with_default("UNDEFINED").take(rows) for name in names],
                         names, len(rows))
    assert expected.errors and len(expected.valid) > 50
    _assert_same_table(found, expected)
    keys_searched = np.array(sorted(set(expected.as_array.tolist()) | {"2012-05-06 12", "", "9999"}), dtype=str)
    assert found.key_counts(keys_searched, np.arange(len(rows))).tolist() == _searched(expected, keys_searched,
                                                                                         np.arange(len(rows)))


def test_canonical_date_keys_are_the_numbers_of_exactly_canonical_valid_dates():
    dates = pa.array(["2012-05-06", "2012-02-30", "0000-01-01", " 2012-05-0", None, "2012-05-06", "é012-05-0"])
    times = pa.array(["01:02:03", "00:00:00", "00:00:00", "00:00:00", "00:00:00", "23:60:00", "00:00:00"])
    assert canonical_date_keys(dates, times).tolist() == [20120506010203, -1, -1, -1, -1, -1, -1]
    assert canonical_date_keys(dates.slice(5), times.slice(5)).tolist() == [-1, -1]


def _canonical_key(date, time):
    """The number of a date and time exactly in canonical form and valid, else -1 (the rule, in Python)."""
    if date is None or time is None or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", date):
        return -1
    if not re.fullmatch(r"[0-9]{2}:[0-9]{2}:[0-9]{2}", time):
        return -1
    try:
        datetime.datetime(int(date[:4]), int(date[5:7]), int(date[8:]), int(time[:2]), int(time[3:5]), int(time[6:]))
    except ValueError:
        return -1
    return int(date.replace("-", "") + time.replace(":", ""))


def test_canonical_date_keys_equal_the_rule_on_mutated_dates():
    """Canonical dates and times with one character replaced, dropped or added (digits, separators, blanks,
    non-ASCII, bytes that wrap around when ``0`` is subtracted), and nulls: the numbers the rule gives."""
    rng = random.Random(17)
    alphabet = "0123456789-:/ .Té\x00\x7f~"

    def mutated(text):
        i = rng.randrange(len(text))
        kind = rng.random()
        if kind < 0.5:
            return text
        if kind < 0.8:
            return text[:i] + rng.choice(alphabet) + text[i + 1:]
        if kind < 0.9:
            return text[:i] + text[i + 1:]
        return text[:i] + rng.choice(alphabet) + text[i:]

    dates, times = [], []
    for _ in range(6000):
        date = f"{rng.randint(0, 2100):04d}-{rng.randint(0, 13):02d}-{rng.randint(0, 32):02d}"
        time = f"{rng.randint(0, 25):02d}:{rng.randint(0, 61):02d}:{rng.randint(0, 61):02d}"
        dates.append(None if rng.random() < 0.02 else mutated(date))
        times.append(None if rng.random() < 0.02 else mutated(time))
    expected = [_canonical_key(date, time) for date, time in zip(dates, times)]
    assert 1000 < sum(key >= 0 for key in expected) < 5000  # both kinds, in number
    assert canonical_date_keys(pa.array(dates), pa.array(times)).tolist() == expected
    sliced = canonical_date_keys(pa.array(dates, pa.large_string()).slice(7), pa.array(times).slice(7))
    assert sliced.tolist() == expected[7:]


def test_arrow_backed_dates_evaluate_as_object_strings_do():
    """Best references over Arrow-backed date columns (a store's) equal those over Python strings, for every
    type, on generated rows with odd dates among them."""
    context = load_context("hst_0729.pmap")
    rows = pd.concat(generate("hst_0729.pmap", 300, seed=11, instruments=["acs", "wfc3", "stis"]),
                     ignore_index=True)
    as_objects = rows.astype({"DATE-OBS": object, "TIME-OBS": object})
    as_arrow = rows.astype({"DATE-OBS": "string[pyarrow]", "TIME-OBS": "string[pyarrow]"})
    keys = canonical_date_keys(*(pa.array(as_arrow[name].array) for name in ("DATE-OBS", "TIME-OBS")))
    assert 0 < (keys < 0).sum() < len(keys) // 2  # mostly canonical, some odd
    expected, found = evaluate(context, as_objects), evaluate(context, as_arrow)
    assert list(found.columns) == list(expected.columns)
    for name in expected.columns:
        assert found[name].astype(object).tolist() == expected[name].astype(object).tolist(), name


def _per_row(table: DateTable, rows: np.ndarray) -> list[tuple]:
    """Per row: its normalized date (None if it does not), its failure text and its failed input (if any)."""
    return [(table.date(d), table.errors.get(d), table.failed_inputs.get(d)) for d in table.did[rows].tolist()]


@pytest.mark.parametrize("string_type", [pa.string(), pa.large_string()])
@pytest.mark.parametrize("step", [1, 3])  # 3: an instrument's rows among others
def test_stored_date_keys_make_a_table_equal_row_by_row(string_type, step):
    """A store's ``date_key`` (:func:`stored_date_keys`, the number of every date whose normalized text has no
    fraction, odd formats included) given to the table: every row has the same normalized date, failure text and
    failed input as encoding its columns gives, the failures are registered in the same order, and every search
    counts the same. Only the distinct ids may differ: an odd spelling of a date joins its canonical one."""
    frame = _arrow_frame(string_type)
    names = ("DATE-OBS", "TIME-OBS")
    stored = stored_date_keys(*(pa.array(frame[name].array) for name in names), names)
    canonical = canonical_date_keys(*(pa.array(frame[name].array) for name in names))
    assert ((stored >= 0) & (canonical < 0)).any()  # odd formats normalized at ingest
    assert ((stored < 0) & (canonical < 0)).any()  # fractions and failures left to the table
    frame = frame.assign(date_key=stored)
    table = encode_table(frame, "hst")
    assert table.stored_dates[0] == names
    rows = np.arange(len(frame))[::step]
    found = MinimizedColumns(table, list(names), rows, {}).date_table(names)
    expected = DateTable([encode_series(frame[name]).with_default("UNDEFINED").take(rows) for name in names],
                         names, len(rows))
    every = np.arange(len(rows))
    assert expected.errors and found.count < expected.count
    assert _per_row(found, every) == _per_row(expected, every)
    every_failure = np.flatnonzero(~expected.valid[expected.did])
    registered = []
    for dates in (found, expected):
        values = _Values()
        dates.error_codes(values, dates.did[every_failure])
        registered.append(values.objects)
    assert registered[0] == registered[1] and len(registered[0]) > 3
    keys_searched = np.array(sorted(set(expected.as_array.tolist()) | {"2012-05-06 12", "", "9999"}), dtype=str)
    assert found.key_counts(keys_searched, every).tolist() == _searched(expected, keys_searched, every)


def test_stored_date_keys_are_the_numbers_of_the_normalized_texts_without_a_fraction():
    """Every odd spelling the parser accepts gets the number of its normalized text; fractions, failures, nulls
    and UNDEFINED get -1."""
    dates = ["2012/05/06", "06/05/2012", "May 06 2012", "2012-05-06", "2012-05-06", "2012-13-01", None, "UNDEFINED",
             " 2012-05-06 "]
    times = ["11:59:59", "12:00", "07:14:44 PM", "12:00:00.5", "12:00:00", "00:00:00", "00:00:00", "00:00:00",
             "09:30:00"]
    names = ("DATE-OBS", "TIME-OBS")
    keys = stored_date_keys(pa.array(dates), pa.array(times), names).tolist()
    for key, date, time in zip(keys, dates, times):
        try:
            text = normalize_date(names, date.strip() + " " + time.strip()) if date not in (None, "UNDEFINED") \
                else None
        except Exception:
            text = None
        if text is None or len(text) != 19:
            assert key == -1, (date, time)
        else:
            assert key == int(re.sub(r"[-: ]", "", text)), (date, time, text)
    assert sum(key >= 0 for key in keys) == 5


def test_generated_rows_evaluate_alike_with_and_without_stored_dates():
    """Best references of generated rows (odd dates among them) with the store's date keys equal those without
    them, for every type."""
    context = load_context("hst_0729.pmap")
    rows = pd.concat(generate("hst_0729.pmap", 400, seed=13, instruments=["acs", "wfc3", "stis", "cos"]),
                     ignore_index=True).astype({"DATE-OBS": "string[pyarrow]", "TIME-OBS": "string[pyarrow]"})
    names = ("DATE-OBS", "TIME-OBS")
    stored = stored_date_keys(*(pa.array(rows[name].array) for name in names), names)
    canonical = canonical_date_keys(*(pa.array(rows[name].array) for name in names))
    assert ((stored >= 0) & (canonical < 0)).sum() > 3
    expected, found = evaluate(context, rows), evaluate(context, rows.assign(date_key=stored))
    assert list(found.columns) == list(expected.columns)
    for name in expected.columns:
        assert found[name].astype(object).tolist() == expected[name].astype(object).tolist(), name
