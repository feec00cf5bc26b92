"""``crds-batch certify`` on mappings against ``crds certify`` 13.2.7, file by file, on crds's own test files.

For each file both tools run with the same comparison context; compared are:
every WARNING line (checksum errors, rule changes, deletions, reversions,
different parameters...), every plain ERROR line (duplicate entries, selector
checks), and for crds's tracked errors (``instrument=... ::  <kind> : <text>``)
the file, instrument, type and kind (the exception texts of the two
implementations differ), and the exit verdict.
"""
from __future__ import annotations

import pytest

from .crds_runner import certify_both, certify_summary

pytestmark = pytest.mark.oracle

CASES = [
    ("hst/hst-bad-xsum.rmap", "hst_0729.pmap"),  # checksum warning only
    ("hst/hst_cos_tdstab_duplicate.rmap", "hst_0729.pmap"),  # duplicate, checksum, different parameter lists
    ("hst/hst_cos_dup.rmap", "hst_0729.pmap"),  # nested duplicate, replacement by unclassifiable names
    ("hst/hst_acs_darkfile_phony_derive.rmap", "hst_0729.pmap"),  # deleted terminals
    ("hst/hst_acs_darkfile_comment.rmap", "hst_0729.pmap"),  # rule changes
    ("hst/hst_acs_darkfile_missing_key.rmap", "hst_0729.pmap"),  # header key missing, duplicate header key
    ("hst/hst_missing_parkey.rmap", "hst_0729.pmap"),
    ("hst/hst_acs_darkfile_badexpr.rmap", "hst_0729.pmap"),  # header expression with a syntax error
    ("hst/hst_cos_deadtab_9999.rmap", "hst_0729.pmap"),
    ("jwst/jwst_miri_ipc_0002.rmap", "jwst_0541.pmap"),  # JWST FITS-keyword annotation of parameters
    ("jwst/jwst_miri_specwcs_0004.rmap", "jwst_0541.pmap"),  # parkey/classes length mismatch
    ("jwst/jwst_miri_omit.imap", "jwst_0541.pmap"),  # imap deletions (rmaps -> N/A...)
]

@pytest.mark.parametrize("name,context", CASES, ids=[case[0].split("/")[1] for case in CASES])
def test_certify_mapping_matches_crds(test_data_dir, tmp_path, capsys, name, context):
    code, ours, theirs = certify_both(str(test_data_dir / name), context, tmp_path, capsys)
    their_warnings, their_plain, their_tracked = certify_summary(theirs.stderr)
    our_warnings, our_plain, our_tracked = certify_summary(ours)
    assert our_warnings == their_warnings
    assert our_plain == their_plain
    assert our_tracked == their_tracked
    assert code == (1 if theirs.returncode else 0)
    assert f"{sum(their_warnings.values())} warnings" in ours
