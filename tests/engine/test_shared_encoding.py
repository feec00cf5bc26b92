"""Contexts evaluated over one encoded table (as ``affected`` does) give what each gives over its own encoding.

The evaluator derives normalized dates, reduced key columns and hooks' date features once
per table and shares them between contexts; nothing of one context may leak into another's
results (e.g. result codes of date errors, which are numbered per evaluation).
"""
from __future__ import annotations

import pytest

from crds_batch.engine.evaluate import encode_table, evaluate
from crds_batch.rules.loading import load_context

synth = pytest.importorskip("crds_batch.synth")


@pytest.mark.parametrize("order", [("hst_0650.pmap", "hst_0729.pmap"), ("hst_0729.pmap", "hst_0650.pmap")])
def test_contexts_sharing_one_encoding_equal_separate_encodings(order):
    frame = next(synth.generate("hst_0729.pmap", 4000, seed=5, odd_date_fraction=0.2, invalid_fraction=0.05,
                                chunk_size=4000)).drop(columns=["dataset_id"])
    contexts = [load_context(name) for name in order]
    shared = encode_table(frame, "hst")
    for context in contexts:
        together = evaluate(context, shared, observatory="hst").astype(object)
        alone = evaluate(context, frame, observatory="hst").astype(object)
        assert together.equals(alone), context.basename
        assert together.apply(lambda column: column.astype(str).str.startswith("NOT FOUND").any()).any()
