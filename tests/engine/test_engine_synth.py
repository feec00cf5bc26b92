"""Engine == scalar path on every row of generated corpora (the scalar path is checked against crds elsewhere)."""
from __future__ import annotations

import pytest

from crds_batch.engine.evaluate import evaluate
from crds_batch.rules import lookup
from crds_batch.rules.loading import load_context

synth = pytest.importorskip("crds_batch.synth")


@pytest.mark.parametrize("context,observatory", [("hst_0729.pmap", "hst"), ("jwst_0541.pmap", "jwst")])
def test_engine_equals_scalar_on_generated_rows(context, observatory):
    ctx = load_context(context)
    for frame in synth.generate(context, 1500, seed=21, chunk_size=1500):
        frame = frame.drop(columns=["dataset_id"])
        result = evaluate(ctx, frame, observatory=observatory)
        for (_, row), record in zip(result.iterrows(), frame.to_dict("records")):
            header = {k: v for k, v in record.items() if v is not None}
            expected = {k: (v if isinstance(v, str) else repr(v))
                        for k, v in lookup.best_references(ctx, header, observatory=observatory).items()}
            assert {k: v for k, v in row.items() if isinstance(v, str)} == expected
