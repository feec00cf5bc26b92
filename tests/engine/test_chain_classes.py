"""A Match rmap's candidate steps are found once per tuple of value classes, not per tuple of values.

``_cached_chain`` keys the steps it finds on each parameter value's class (its scores against every Match key
and whether it validates; a value that does not validate is its own class): headers whose values differ only
within classes must get exactly the steps, touched selections and weights a fresh ``_chain`` gives them, with
their own values in the basis that carrying plans over reads.
"""
from __future__ import annotations

import pytest

from crds_batch.engine import compile as compiler
from crds_batch.rules.loading import load_context
from crds_batch.rules.selectors import MatchSelector

synth = pytest.importorskip("crds_batch.synth")


def _match_rmaps(context, instrument: str):
    imap = context.get_imap(instrument)
    keys = imap.required_parkeys() + [context.instrument_key]
    for filekind in sorted(imap.selections):
        child = imap.child(filekind)
        if not isinstance(child, str) and isinstance(getattr(child, "selector", None), MatchSelector):
            yield filekind, child, keys


@pytest.mark.parametrize("instrument", ["ACS", "WFC3", "COS", "STIS"])
def test_steps_by_value_class_equal_fresh_steps(instrument, monkeypatch):
    context = load_context("hst_0729.pmap")
    frame = next(synth.generate("hst_0729.pmap", 2500, seed=11, instruments=[instrument.lower()],
                                invalid_fraction=0.1, chunk_size=2500))
    records = frame.drop(columns=["dataset_id"]).astype(object).where(frame.notna(), None).to_dict("records")
    fresh_calls = []
    real_chain = compiler._chain
    monkeypatch.setattr(compiler, "_chain", lambda selector, header: fresh_calls.append(1) or real_chain(selector, header))
    checked = shared = 0
    for filekind, rmap, keys in _match_rmaps(context, instrument):
        program = compiler.compile_rmap(rmap, keys)  # a fresh program: nothing cached yet
        selector = rmap.selector
        headers = [{name: str(record[name]) if record.get(name) is not None else "UNDEFINED"
                    for name in selector.parameters} for record in records]
        fresh_calls.clear()
        distinct = {tuple(header.values()) for header in headers}
        for header in headers:
            found = compiler._cached_chain(program, header)
            expected = real_chain(selector, header)
            key = tuple(header[name] for name in selector.parameters)
            assert found.steps == expected.steps, (filekind, header)
            assert found.touched == expected.touched, (filekind, header)
            assert found.basis == ((key, *expected.basis) if expected.basis else None), (filekind, header)
            checked += 1
        shared += len(distinct) - len(fresh_calls)
    assert checked
    assert shared > 0  # some headers took the steps found for other values of the same classes
