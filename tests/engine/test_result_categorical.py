"""A type's results as a Categorical: codes used as they are unless two results show alike."""
from __future__ import annotations

import numpy as np

from crds_batch.engine.evaluate import result_categorical


def test_distinct_results_keep_their_codes_and_no_result_is_missing():
    codes = np.array([1, 0, -1, 2, 1], dtype=np.int32)
    found = result_categorical(codes, ["b.fits", "a.fits", ("x.fits", "y.fits")])
    assert list(found.categories) == ["b.fits", "a.fits", "('x.fits', 'y.fits')"]
    assert found.tolist()[:2] == ["a.fits", "b.fits"] and found.isna().tolist() == [False, False, True, False, False]
    assert found.codes.tolist() == [1, 0, -1, 2, 1]


def test_results_shown_alike_share_a_category():
    # A tied choice (a tuple) and a text that reads as its repr: one category, as crds prints them alike.
    codes = np.array([0, 1, 2, -1, 1, 0], dtype=np.int32)
    found = result_categorical(codes, ["a.fits", ("x", "y"), "('x', 'y')"])
    assert list(found.categories) == ["a.fits", "('x', 'y')"]
    assert found.codes.tolist() == [0, 1, 1, -1, 1, 0]


def test_no_results_at_all():
    found = result_categorical(np.full(3, -1, dtype=np.int32), [])
    assert len(found.categories) == 0 and found.isna().all()
