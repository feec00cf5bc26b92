"""``crds-batch certify`` on references against ``crds certify`` 13.2.7: format checks, file by file.

These files' verdicts depend on their format only (FITS structure and
checksums, ASDF, JSON, YAML): compared are the verdict (errors? warnings?),
the tracked error classes (file, instrument, type, kind) and the set of
distinct WARNING lines (crds opens a FITS file several times and repeats
astropy's warnings once per opening; we open it once).
"""
from __future__ import annotations

import pytest

from .crds_runner import certify_both, certify_summary, crds_lines

pytestmark = pytest.mark.oracle

CASES = [
    ("hst/truncated.fits", "hst_0729.pmap"),  # astropy: file may have been truncated
    ("hst/s7g1700gl_dead_bad_xsum.fits", "hst_0729.pmap"),  # checksum and datasum verification failures
    ("hst/s7g1700gl_dead_good_xsum.fits", "hst_0729.pmap"),
    ("jwst/jwst_nirspec_ipc_with_asdf_extension.fits", "jwst_0541.pmap"),  # FITS with an ASDF extension
    ("jwst/invalid.json", "jwst_0541.pmap"),
    ("jwst/invalid.yaml", "jwst_0541.pmap"),
    ("jwst/invalid.asdf", "jwst_0541.pmap"),
    ("jwst/valid.json", "jwst_0541.pmap"),
    ("jwst/valid.asdf", "jwst_0541.pmap"),
    ("jwst/valid_with_astropy_time.asdf", "jwst_0541.pmap"),
    ("jwst/jwst_fgs_distortion_bad_asdf_version.asdf", "jwst_0541.pmap"),
]


@pytest.mark.parametrize("name,context", CASES, ids=[case[0].split("/")[1] for case in CASES])
def test_certify_reference_matches_crds(test_data_dir, tmp_path, capsys, name, context):
    code, ours, theirs = certify_both(str(test_data_dir / name), context, tmp_path, capsys)
    their_warnings, their_plain, their_tracked = certify_summary(theirs.stderr)
    our_warnings, our_plain, our_tracked = certify_summary(ours)
    assert set(our_warnings) == set(their_warnings)
    assert set(our_plain) == set(their_plain)
    assert our_tracked.keys() == their_tracked.keys()
    assert code == (1 if theirs.returncode else 0)
    assert bool(crds_lines(ours, ("ERROR",))) == bool(crds_lines(theirs.stderr, ("ERROR",)))
