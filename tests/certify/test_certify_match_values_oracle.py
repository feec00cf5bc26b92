"""rmap match values against the legal values crds keeps per instrument and type (``ld_tpn``), vs ``crds certify``.

A real rmap of the test cache is copied under a new name and one match value
is changed; both tools must print the same ERROR lines (selector, key,
parameter, value and legal values) and WARNING lines, and give the same
verdict.
"""
from __future__ import annotations

import pytest

from .crds_runner import certify_both, certify_summary

pytestmark = pytest.mark.oracle

RMAP = "hst_acs_biasfile_0345.rmap"
EDITS = {
    "illegal_value": ("('HRC', 'A', 1.0, 'N/A', 1062,", "('XYZ', 'A', 1.0, 'N/A', 1062,"),
    "illegal_in_or_group": ("('HRC', 'A', 1.0, 'N/A', 1062,", "('HRC', 'A|QQ', 1.0, 'N/A', 1062,"),
    "illegal_after_not": ("('HRC', 'A', 1.0, 'N/A', 1062,", "('HRC', 'NOT QQ', 1.0, 'N/A', 1062,"),
    "wild_card": ("('HRC', 'A', 1.0, 'N/A', 1062,", "('HRC', '*', 1.0, 'N/A', 1062,"),
    "illegal_number": ("('HRC', 'A', 1.0, 'N/A', 1062,", "('HRC', 'A', 3.0, 'N/A', 1062,"),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_match_values_match_crds(cache_dir, tmp_path, capsys, edit):
    old, new = EDITS[edit]
    text = (cache_dir / "mappings" / "hst" / RMAP).read_text()
    assert old in text
    path = tmp_path / "hst_acs_biasfile_9998.rmap"
    path.write_text(text.replace(old, new, 1))
    code, ours, theirs = certify_both(str(path), "hst_0729.pmap", tmp_path, capsys)
    their_warnings, their_plain, their_tracked = certify_summary(theirs.stderr)
    our_warnings, our_plain, our_tracked = certify_summary(ours)
    assert our_plain == their_plain
    assert our_warnings == their_warnings
    assert our_tracked == their_tracked
    assert code == (1 if theirs.returncode else 0)


@pytest.mark.parametrize("name", ["jwst_miri_dark_0019.rmap", "jwst_nircam_psfmask_0003.rmap"])
def test_real_jwst_rmaps_with_illegal_values_match_crds(cache_dir, tmp_path, capsys, name):
    """Rmaps of the JWST context whose values are no longer legal: same lines, META names annotated as crds does."""
    path = str(cache_dir / "mappings" / "jwst" / name)
    code, ours, theirs = certify_both(path, "jwst_0541.pmap", tmp_path, capsys)
    their_warnings, their_plain, _ = certify_summary(theirs.stderr)
    our_warnings, our_plain, _ = certify_summary(ours)
    assert their_plain, "crds finds illegal match values here"
    assert our_plain == their_plain
    assert our_warnings == their_warnings
    assert code == (1 if theirs.returncode else 0)
