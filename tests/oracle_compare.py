"""Differential helpers: compare crds_batch with the crds oracle on one header."""
from __future__ import annotations

import pandas as pd

import crds_batch
from crds_batch.engine.evaluate import evaluate
from crds_batch.rules import lookup
from crds_batch.rules.loading import load_context

# crds exception class name -> the crds_batch exception class name that must be raised instead.
CATEGORIES = {
    "CrdsBadRulesError": "BadRulesError",
    "CrdsBadReferenceError": "BadReferenceError",
    "TypeError": "TypeError",
    "CrdsUnknownInstrumentError": "UnknownInstrumentError",
    "CrdsError": "UnknownInstrumentError",
}


def _printable(results: dict) -> dict:
    return {k: (v if isinstance(v, str) else repr(v)) for k, v in results.items()}


def oracle(header: dict, context: str, observatory: str, reftypes=None, fast: bool = False):
    import crds

    try:
        return crds.getrecommendations(header, reftypes=reftypes, context=context, observatory=observatory,
                                       fast=fast), None
    except Exception as exc:  # the category is compared
        return None, exc


def check_api(header: dict, context: str, observatory: str, reftypes=None) -> None:
    """getrecommendations: same dict, or the same category of exception."""
    expected, expected_exc = oracle(header, context, observatory, reftypes)
    try:
        got, got_exc = crds_batch.getrecommendations(header, context=context, observatory=observatory,
                                                     reftypes=reftypes), None
    except Exception as exc:
        got, got_exc = None, exc
    if expected_exc is not None:
        want = CATEGORIES.get(type(expected_exc).__name__, type(expected_exc).__name__)
        assert got_exc is not None, f"crds raised {expected_exc!r}, crds_batch returned {got}"
        assert type(got_exc).__name__ == want, f"crds raised {expected_exc!r}, crds_batch {got_exc!r}"
    else:
        assert got_exc is None, f"crds returned {expected}, crds_batch raised {got_exc!r}"
        assert got == expected


def check_all_paths(header: dict, context: str, observatory: str) -> None:
    """Scalar lookup and columnar engine equal crds (fast mode: no bad-file checks)."""
    expected, expected_exc = oracle(header, context, observatory, fast=True)
    if expected_exc is not None:
        return
    expected = _printable(expected)
    ctx = load_context(context)
    assert _printable(lookup.best_references(ctx, header, observatory=observatory)) == expected
    row = evaluate(ctx, pd.DataFrame.from_records([header]), observatory=observatory).iloc[0]
    assert {k: v for k, v in row.items() if isinstance(v, str)} == expected
