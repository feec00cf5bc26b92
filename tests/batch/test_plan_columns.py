"""A job evaluating only some types (--diffs-only, --types) reads only the columns those types' rules read.

Evaluating the planned types over a frame holding only the planned columns must give what the same
evaluation gives over every column of the instruments; the plan must leave columns out where the types
read fewer than the instrument does, and read every column of the instrument when every type is evaluated.
"""
from __future__ import annotations

import pytest

from crds_batch.batch.plan import AffectedRequest, plan_affected
from crds_batch.engine.evaluate import encode_table, evaluate
from crds_batch.rules.loading import load_context

synth = pytest.importorskip("crds_batch.synth")

INSTRUMENTS = ["acs", "cos", "stis", "wfc3"]


@pytest.fixture(scope="module")
def plans():
    return (plan_affected(AffectedRequest("hst_0650.pmap", "hst_0729.pmap")),
            plan_affected(AffectedRequest("hst_0650.pmap", "hst_0729.pmap", diffs_only=False)))


@pytest.mark.parametrize("instrument", INSTRUMENTS)
def test_planned_columns_give_the_same_results(plans, instrument):
    changed, every_type = plans
    kinds = changed.plan.types[instrument]
    frame = next(synth.generate("hst_0729.pmap", 3000, seed=3, instruments=[instrument], odd_date_fraction=0.1,
                                invalid_fraction=0.1, chunk_size=3000)).drop(columns=["dataset_id"])
    read = [name for name in changed.columns[instrument] if name in frame.columns]
    assert set(changed.columns[instrument]) < set(every_type.columns[instrument])
    assert set(read) < set(frame.columns)  # the data has columns the job leaves out
    for name in ("hst_0650.pmap", "hst_0729.pmap"):
        context = load_context(name)
        whole = evaluate(context, encode_table(frame, "hst"), reftypes=kinds, type_rule="diffs").astype(object)
        planned = evaluate(context, encode_table(frame[read], "hst"), reftypes=kinds, type_rule="diffs").astype(object)
        assert planned.equals(whole), (instrument, name)


def test_every_type_reads_every_key_of_the_instrument(plans):
    _changed, every_type = plans
    for instrument in INSTRUMENTS:
        keys = set()
        for name in ("hst_0650.pmap", "hst_0729.pmap"):
            keys |= set(load_context(name).get_imap(instrument).required_parkeys())
        assert keys <= set(every_type.columns[instrument])
