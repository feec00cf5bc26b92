"""Rows per instrument: found per distinct keyword value, as crds finds a header's instrument."""
from __future__ import annotations

import numpy as np

from crds_batch.engine.columns import encode_records
from crds_batch.engine.evaluate import _instruments
from crds_batch.rules.loading import load_context
from crds_batch.rules.mappings import INSTRUMENT_KEYWORDS


def _expected(records, keys):
    """Per row, crds's rule: the first keyword whose value is present and not UNDEFINED, upper case."""
    groups: dict[str, list[int]] = {}
    for row, record in enumerate(records):
        for key in keys:
            value = record.get(key)
            if value is not None and str(value).upper() != "UNDEFINED":
                groups.setdefault(str(value).upper(), []).append(row)
                break
    return groups


def test_rows_per_instrument_follow_the_keywords_in_order():
    context = load_context("hst_0729.pmap")
    rng = np.random.default_rng(5)
    choices = [None, "acs", "ACS", "wfc3", "UNDEFINED", "undefined", "Stis", "cos"]
    records = []
    for _ in range(400):
        record = {key: choices[rng.integers(len(choices))] for key in ("INSTRUME", "INSTRUMENT", "META.INSTRUMENT.NAME")}
        records.append({key: value for key, value in record.items() if value is not None})
    columns = encode_records(records)
    keys = (context.instrument_key.upper(),) + INSTRUMENT_KEYWORDS
    found = _instruments(context, columns, len(records), strict=False)
    expected = _expected(records, keys)
    assert list(found) == list(expected)  # in order of each instrument's first row
    assert {name: rows.tolist() for name, rows in found.items()} == expected
    assert sum(map(len, found.values())) < len(records)  # some rows have no usable keyword
