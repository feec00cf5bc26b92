"""An instrument's key columns are encoded when a type's program first reads them, not all up front."""
from __future__ import annotations

import pandas as pd

from crds_batch.engine.evaluate import encode_table, evaluate
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
