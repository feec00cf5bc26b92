"""Column encoding: every row's value is exactly ``condition_value`` of its raw value.

Large columns take the vectorized path (canonical dates/times recognized by one
Arrow regex, other plain ASCII upper-cased by Arrow); small ones the scalar loop.
Both must agree with the scalar rule.
"""
from __future__ import annotations

import random
import re

import numpy as np
import pandas as pd
import pytest

from crds_batch.engine.columns import _CANONICAL, _VECTOR_MIN, encode_series, group_ids
from crds_batch.engine.tables import TableIndex
from crds_batch.rules.conditioning import condition_value
from crds_batch.rules.selectors.useafter import UseAfterSelector

TRICKY = ["2009-05-14", " 2009-05-14", "2009-05-14 ", "12:30:45", "12:30:45.5", "12:30:45.", "12:30",
          "1.0", "1", "-2147483648", "n/a", "any", "true", "F", "", "UNDEFINED", "２００９-05-14",
          "2009-5-14", "12:30:45.123456", "0000-00-00", "99:99:99", "4294967295"]
# Spellings conditioning replaces or strips, in the cases the vectorized path must leave to the scalar rule.
REPLACED = ["1", "1.", ".5", "+3", "-2.5e-3", "1E5", "4294967295.0", "n/a", "N/A x", "n/ab", "not applicable",
            "Not Applicable now", "not_applicable", "NOT_APPLICABLE x", "()", "() x", "-2147483648.0",
            "-2147483648x0", "-2147483648x0y", "any", "Any ", "ANYTHING", "t", "True", "TRUE1", "f", "false",
            "FALSEHOOD", " x", "x ", "a\tb", "\tab", "ab\t", "\x1fab", "ab\x1f", "ß", "é", "Jun 06 2012",
            "jun 06 2012", "JUN 06 2012", "12:30:45 pm", "12:30:45 PM", "2012/05/06", "1-2", "a-1"]


CANONICAL = _CANONICAL.strip("^$")


def _column(size: int, seed: int) -> list:
    rng = random.Random(seed)
    values = [f"{rng.randint(1990, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" for _ in range(size)]
    values += [f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}" for _ in range(size)]
    values += TRICKY * 3
    rng.shuffle(values)
    return values


@pytest.mark.parametrize("size", [5, _VECTOR_MIN * 2])
def test_encoded_values_are_conditioned_raw_values(size):
    raw = _column(size, seed=size)
    column = encode_series(pd.Series(raw, dtype=object))
    assert [column.values[code] for code in column.codes] == [condition_value(value) for value in raw]
    assert len(set(column.values)) == len(column.values), "conditioned values are distinct"


def test_plain_strings_condition_by_arrow_as_by_the_scalar_rule_and_number_alike():
    """Upper-cased by Arrow where conditioning only upper-cases; the rest as the scalar rule says; values
    numbered by first appearance, the canonical dates and times first."""
    raw = _column(_VECTOR_MIN, seed=7) + REPLACED * 2 + [value.lower() for value in REPLACED]
    random.Random(8).shuffle(raw)
    column = encode_series(pd.Series(raw, dtype=object))
    assert [column.values[code] for code in column.codes] == [condition_value(value) for value in raw]
    uniques = list(dict.fromkeys(raw))
    canonical = [value for value in uniques if re.fullmatch(CANONICAL, value)]
    expected = list(dict.fromkeys(canonical + [condition_value(value) for value in uniques if value not in canonical]))
    assert column.values == expected


def test_mixed_types_and_missing_values_keep_the_scalar_rules():
    raw = _column(_VECTOR_MIN, seed=3) + [None, float("nan"), 2, 2.0, True]
    column = encode_series(pd.Series(raw, dtype=object))
    expected = [None if value is None or value != value else condition_value(value) for value in raw]
    assert [column.values[c] if c >= 0 else None for c in column.codes] == expected


def test_group_ids_over_many_wide_columns():
    """The mixed-radix key is compacted before it could overflow int64."""
    rng = np.random.default_rng(0)
    columns = [encode_series(pd.Series(rng.integers(0, 5000, 2000).astype(str))) for _ in range(8)]
    gid, first = group_ids(columns, 2000)
    tuples = list(zip(*(c.codes.tolist() for c in columns)))
    assert len(first) == len(set(tuples))
    for row, group in enumerate(gid.tolist()):
        assert tuples[first[group]] == tuples[row]


class _Settings:
    name = "test"
    merge_overlaps = True
    substitutions: dict = {}


def test_table_index_ranks_are_rebuilt_only_for_new_tables():
    index = TableIndex()
    tables = [UseAfterSelector(("DATE-OBS", "TIME-OBS"), [("2001-01-01 00:00:00", "a.fits"),
                                                          ("2005-01-01 00:00:00", "b.fits")], _Settings()),
              UseAfterSelector(("DATE-OBS", "TIME-OBS"), [("2003-01-01 00:00:00", "c.fits")], _Settings())]
    assert [index.table(t) for t in tables] == [0, 1]
    ranked = index.ranked(lambda value: value)
    assert index.ranked(lambda value: value) is ranked
    assert list(ranked.keys) == ["2001-01-01 00:00:00", "2003-01-01 00:00:00", "2005-01-01 00:00:00"]
    assert [ranked.results[i] for i in ranked.choice] == ["a.fits", "b.fits", "c.fits"]
    assert index.table(tables[0]) == 0


@pytest.mark.parametrize("cardinality", [3, 40, 5000], ids=["dense", "dense-wide", "hashed"])
def test_group_ids_number_groups_in_order_of_first_row(cardinality):
    """Groups are numbered as ``pandas.factorize`` numbers the key tuples (dense array or hash table alike)."""
    rng = np.random.default_rng(cardinality)
    n = 3000
    raw = [rng.integers(0, cardinality, n).astype(str) for _ in range(3)]
    for column in raw:
        column[rng.integers(0, n, 50)] = None
    columns = [encode_series(pd.Series(values, dtype=object)) for values in raw]
    gid, first = group_ids(columns, n)
    expected, _ = pd.factorize(pd.Series(list(zip(*(c.codes.tolist() for c in columns)))))
    assert gid.tolist() == expected.tolist()
    assert first.tolist() == [int(np.flatnonzero(expected == g)[0]) for g in range(len(first))]


def test_categorical_columns_encode_to_the_values_of_their_strings():
    """A store's dictionary-encoded column (codes, categories no row uses, nulls, values that condition
    alike) gives every row the conditioned value its string gives; categories no row uses are left out."""
    raw = _column(_VECTOR_MIN, seed=9) + ["acs", "ACS", " acs", None, "2005-01-02", "12:00:00"]
    categories = list(dict.fromkeys(value for value in raw if value is not None)) + ["unused", "UNUSED "]
    categorical = encode_series(pd.Series(pd.Categorical(raw, categories=categories[::-1])))
    plain = encode_series(pd.Series(raw, dtype=object))
    as_rows = [[column.values[c] if c >= 0 else None for c in column.codes] for column in (categorical, plain)]
    assert as_rows[0] == as_rows[1]
    assert len(set(categorical.values)) == len(categorical.values)  # distinct conditioned values
    assert sorted(categorical.values) == sorted(plain.values)
