"""An instrument's key columns are encoded when a type's program first reads them, not all up front."""
from __future__ import annotations

import numpy as np
import pandas as pd

from crds_batch.engine.evaluate import encode_table, evaluate
from crds_batch.engine.minimized import MinimizedColumns
from crds_batch.rules.loading import load_context
from crds_batch.synth import generate


def _acs_rows(n: int = 400) -> pd.DataFrame:
    return pd.concat(generate("hst_0729.pmap", n, seed=3, instruments=["acs"]), ignore_index=True)


def test_one_type_encodes_only_what_its_rmap_reads_and_gives_the_same_results():
    context = load_context("hst_0729.pmap")
    imap = context.get_imap("acs")
    rows = _acs_rows()
    table = encode_table(rows, "hst")
    alone = evaluate(context, table, reftypes=["biasfile"])
    read = set(table._encoded)
    biasfile = imap.child("biasfile")
    wanted = {key.upper() for key in biasfile.required_parkeys} | {"INSTRUME"}
    assert read <= wanted | {"DATE-OBS", "TIME-OBS"}
    assert len(read) < len(imap.required_parkeys())  # the instrument's other keys were left alone
    everything = evaluate(context, encode_table(rows, "hst"))
    assert alone["biasfile"].astype(object).tolist() == everything["biasfile"].astype(object).tolist()


def test_one_value_read_alone_equals_the_minimized_columns_value():
    """A hook's dates for one group's plan are read as single values (the columns are not encoded for them):
    each equals the encoded minimized column's value, whatever the column holds (Arrow or Python strings,
    categories, numbers, absent values, NaN, values crds drops)."""
    frame = pd.DataFrame({
        "DATE-OBS": pd.Series(["2012-05-06", None, " 2012-05-07 ", "bad"], dtype="string[pyarrow]"),
        "TIME-OBS": pd.Series(["01:02:03", "x", None, float("nan")], dtype=object),
        "CCDGAIN": pd.Series([1.0, float("nan"), 2, 4.5], dtype=object),
        "DETECTOR": pd.Categorical(["wfc", "HRC", None, "wfc"]),
        "APERTURE": pd.Series([("a",), "ANY", "n/a", True], dtype=object),
    })
    keys = [name.upper() for name in frame.columns] + ["ABSENT"]
    for rows in (np.arange(4), np.array([1, 3])):
        table = encode_table(frame, "hst")
        alone = MinimizedColumns(table, keys, rows, {})
        values = [[alone.value_at(key, row) for key in keys] for row in range(len(rows))]
        assert not table._encoded  # read without encoding any column
        encoded = MinimizedColumns(encode_table(frame, "hst"), keys, rows, {})
        assert values == [[encoded[key].values[encoded[key].codes[row]] for key in keys] for row in range(len(rows))]
