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


@pytest.mark.parametrize("instrument", ["ACS", "STIS", "WFC3"])
def test_second_context_reuses_results_of_shared_rmaps(instrument, monkeypatch):
    """A type whose rmap both contexts share is evaluated once over a shared table; results are unchanged.

    The second context's results, category order included, equal its own evaluation
    over a separate encoding; only the types whose rmaps differ are evaluated again.
    """
    from crds_batch.engine import evaluate as evaluator

    frame = next(synth.generate("hst_0729.pmap", 1500, seed=5, instruments=[instrument.lower()],
                                odd_date_fraction=0.2, invalid_fraction=0.05, chunk_size=1500))
    frame = frame.drop(columns=["dataset_id"])
    old, new = load_context("hst_0650.pmap"), load_context("hst_0729.pmap")
    old_imap, new_imap = old.get_imap(instrument), new.get_imap(instrument)
    shared_types = {kind for kind, name in new_imap.selections.items()
                    if old_imap.selections.get(kind) == name and old_imap.child(kind) is new_imap.child(kind)
                    and not isinstance(old_imap.child(kind), str)}
    assert shared_types and shared_types != set(new_imap.selections)
    evaluated = []
    real = evaluator._evaluate_type
    monkeypatch.setattr(evaluator, "_evaluate_type",
                        lambda imap, filekind, *rest: evaluated.append(filekind) or real(imap, filekind, *rest))
    shared = encode_table(frame, "hst")
    evaluate(old, shared, observatory="hst")
    evaluated.clear()
    together = evaluate(new, shared, observatory="hst")
    assert not shared_types & set(evaluated)
    # The other types are evaluated again, or carried over in part (tests/engine/test_carried_plans.py).
    assert set(evaluated) <= set(new_imap.selections) - shared_types
    alone = evaluate(new, frame, observatory="hst")
    assert list(together.columns) == list(alone.columns)
    for kind in together.columns:
        assert together[kind].astype(object).equals(alone[kind].astype(object)), kind
        if kind in shared_types:  # reused whole: the category order of a fresh evaluation too
            assert list(together[kind].cat.categories) == list(alone[kind].cat.categories), kind
            assert (together[kind].cat.codes == alone[kind].cat.codes).all(), kind


@pytest.mark.parametrize("instrument", ["ACS", "WFC3"])
def test_programs_over_the_same_key_columns_share_their_groups(instrument, monkeypatch):
    """Types (and the old and new rmap of a type) whose reduced key columns come out the same find their groups
    once per shared table; each context's results still equal its evaluation over its own encoding."""
    from crds_batch.engine import evaluate as evaluator

    frame = next(synth.generate("hst_0729.pmap", 3000, seed=7, instruments=[instrument.lower()],
                                odd_date_fraction=0.2, invalid_fraction=0.05, chunk_size=3000))
    frame = frame.drop(columns=["dataset_id"])
    contexts = [load_context("hst_0650.pmap"), load_context("hst_0729.pmap")]
    calls, key_sets = [], []
    real_group_ids, real_run = evaluator.group_ids, evaluator._run_program
    monkeypatch.setattr(evaluator, "group_ids", lambda columns, n: calls.append(n) or real_group_ids(columns, n))

    def run_program(program, minimized, n, *rest, **options):
        reduce = n > evaluator._REDUCE_MIN
        columns = [evaluator._reduced(program, key, minimized[key], rest[1]) if reduce and key in program.reducible
                   else minimized[key] for key in program.key_columns if key in minimized]
        key_sets.append(tuple((tuple(column.values), column.codes.tobytes()) for column in columns))
        return real_run(program, minimized, n, *rest, **options)

    monkeypatch.setattr(evaluator, "_run_program", run_program)
    shared = encode_table(frame, "hst")
    together = [evaluate(context, shared, observatory="hst") for context in contexts]
    assert len(set(key_sets)) < len(key_sets)  # some programs read the same key columns
    assert 0 < len(calls) < len(key_sets)  # (the hooks' date features find their groups by it too)
    for context, found in zip(contexts, together):
        alone = evaluate(context, frame, observatory="hst")
        assert found.astype(object).equals(alone.astype(object)), context.basename
