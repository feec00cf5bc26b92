"""The columnar engine equals crds.getrecommendations on 20,000 generated datasets, type by type.

Corpora come from `crds_batch.synth` (realistic parameters drawn from each
context's own rules, with deliberate faults: invalid values, missing keys,
odd date formats, dates before the first reference), at contexts of
different ages for HST, JWST and Roman. Every (dataset, type) result is
compared, and datasets crds rejects outright must be rejected by ours too.
"""
from __future__ import annotations

import pandas as pd
import pytest

import crds_batch
from crds_batch.engine.evaluate import evaluate
from crds_batch.synth import frame_params, generate

from ..oracle import ERROR_KEY, crds_bestrefs

pytestmark = pytest.mark.oracle

#: (context, observatory, datasets): 20,000 in all, eight contexts.
CORPORA = [
    ("hst_0300.pmap", "hst", 3000),
    ("hst_0500.pmap", "hst", 3000),
    ("hst_0650.pmap", "hst", 3000),
    ("hst_0729.pmap", "hst", 3000),
    ("jwst_0200.pmap", "jwst", 2500),
    ("jwst_0400.pmap", "jwst", 2500),
    ("jwst_0541.pmap", "jwst", 2500),
    ("roman_0004.pmap", "roman", 500),
]


def test_corpus_size_is_what_the_issue_asks():
    assert sum(n for _, _, n in CORPORA) >= 20_000
    assert len({context for context, _, _ in CORPORA}) >= 6


@pytest.mark.parametrize("context, observatory, n", CORPORA, ids=[c for c, _, _ in CORPORA])
def test_engine_equals_crds_on_generated_datasets(context, observatory, n, monkeypatch):
    # Old contexts hold rules and references later marked bad; both sides are told to allow them,
    # so that what is compared is the selection itself.
    monkeypatch.setenv("CRDS_ALLOW_BAD_RULES", "1")
    monkeypatch.setenv("CRDS_ALLOW_BAD_REFERENCES", "1")
    frame = pd.concat(list(generate(context, n, seed=n + len(context), invalid_fraction=0.03)), ignore_index=True)
    params = frame_params(frame)
    expected = crds_bestrefs(params, context, observatory)
    ours = evaluate(context, frame.drop(columns=["dataset_id"]))
    mismatches = []
    for row, dataset_id in enumerate(frame["dataset_id"]):
        crds_result = expected[dataset_id]
        if ERROR_KEY in crds_result:
            with pytest.raises(Exception):
                crds_batch.getrecommendations(params[dataset_id], context=context, observatory=observatory)
            continue
        values = ours.iloc[row]
        our_result = {kind: str(value) for kind, value in values.items() if pd.notna(value)}
        if our_result != crds_result:
            differing = sorted(k for k in set(our_result) | set(crds_result) if our_result.get(k) != crds_result.get(k))
            mismatches.append((dataset_id, [(k, crds_result.get(k), our_result.get(k)) for k in differing[:3]]))
    assert not mismatches, f"{len(mismatches)} of {n} datasets differ, e.g. {mismatches[:3]}"
    # The corpus exercises real selections, not only failures.
    files = sum(not value.startswith("NOT FOUND") for result in expected.values() for value in result.values())
    assert files > n // 2
