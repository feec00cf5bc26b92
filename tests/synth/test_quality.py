"""Generated data against the oracle: mostly real references, and every outcome exercised."""
from __future__ import annotations

import collections

import pytest

from crds_batch.synth import frame_params, generate
from crds_batch.synth.rules import context_facts
from tests.oracle import classify, crds_bestrefs

# Floors measured on this cache (HST ~0.68 files over types with rules, JWST ~0.70), with margin.
CASES = [("hst_0729.pmap", "hst", 300, 0.55), ("jwst_0541.pmap", "jwst", 200, 0.55)]


@pytest.mark.oracle
@pytest.mark.parametrize("context, observatory, n, floor", CASES)
def test_mostly_real_references(context, observatory, n, floor):
    params = {}
    for frame in generate(context, n, seed=21):
        params.update(frame_params(frame))
    results = crds_bestrefs(params, context, observatory)
    facts = context_facts(context)
    keyword = facts[next(iter(facts))].observatory.instrument_keyword
    classes = collections.Counter()
    seen = set()
    for dataset_id, by_type in results.items():
        instrument = params[dataset_id][keyword]
        seen.add(instrument)
        ruled = {rmap.filekind.lower() for rmap in facts[instrument].rmaps}
        classes.update(classify(result) for reftype, result in by_type.items() if reftype.lower() in ruled)
    total = sum(classes.values())
    assert seen == set(facts)
    assert classes["file"] / total > floor, classes
    assert classes["n/a"] > 0 and classes["no-match"] + classes["invalid"] + classes["error"] > 0, classes
