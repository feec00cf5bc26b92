"""crds bestrefs's normalization of results before comparing them."""
from __future__ import annotations

import pandas as pd
import pytest

from crds_batch.batch.compare import CompareOptions, compare_type, normalize

DEFAULT = CompareOptions()
STRICT = CompareOptions(undefined_differences_matter=True)


@pytest.mark.parametrize("value, expected", [
    ("jref$n4e12510j_crr.fits", (True, "N4E12510J_CRR.FITS", None)),
    ("crds://jwst_miri_flat_0001.fits", (True, "JWST_MIRI_FLAT_0001.FITS", None)),
    ("NOT FOUND n/a", (True, "N/A", None)),
    ("NOT FOUND No match found.", (True, "N/A", None)),
    (None, (True, "N/A", None)),
    ("*", (True, "N/A", None)),
    ("NOT FOUND  parameter='X' value='V' is not in ['A']", (False, "NOT FOUND  PARAMETER='X' VALUE='V' IS NOT IN ['A']",
                                                          "New: Bestref FAILED:   parameter='X' value='V' is not in ['A']")),
])
def test_normalize_like_crds(value, expected):
    assert normalize(value, "New:", DEFAULT) == expected


def test_undefined_differences_matter_turns_no_match_into_an_error():
    ok, _, message = normalize("NOT FOUND No match found.", "Old:", STRICT)
    assert not ok and message == "Old: No match found: 'NOT FOUND No match found.'"


def test_compare_type_updates_kills_and_absent_rows():
    old = pd.Series(["a.fits", "a.fits", "NOT FOUND n/a", None, "a.fits"], dtype="category")
    new = pd.Series(["a.fits", "b.fits", "b.fits", None, "NOT FOUND bad"], dtype="category")
    result = compare_type(old, new, DEFAULT)
    assert result["present"].tolist() == [True, True, True, False, True]
    assert result["update"].tolist() == [False, True, True, False, False]
    assert result["killed"].tolist() == [False, False, False, False, True]
    assert list(result["new"][:3]) == ["A.FITS", "B.FITS", "B.FITS"]


def test_differences_are_errors_spares_na_unless_na_matters():
    old = pd.Series(["a.fits", "NOT FOUND n/a"])
    new = pd.Series(["b.fits", "b.fits"])
    assert compare_type(old, new, CompareOptions(differences_are_errors=True))["difference_error"].tolist() == [True, False]
    both = CompareOptions(differences_are_errors=True, na_differences_matter=True)
    assert compare_type(old, new, both)["difference_error"].tolist() == [True, True]
