"""Format detection by content when the extension does not say, against ``crds certify`` 13.2.7.

Copies of crds's test files under names crds does not recognize (or
recognizes differently: case matters) must be certified as the same kind
(``Certifying '...' as 'KIND'``), with the same messages and verdict. For the
JWST ASDF file only the kind is compared: crds then opens it with the JWST
data models, which refuse the name (a check crds-batch does not make).
"""
from __future__ import annotations

import re
import shutil

import pytest

from .crds_runner import certify_both, certify_summary

pytestmark = pytest.mark.oracle

KIND_ONLY = "reference.bin"
CASES = [
    ("jwst/valid.asdf", "jwst_0541.pmap", KIND_ONLY),  # #ASDF magic
    ("jwst/valid.json", "jwst_0541.pmap", "reference.dat"),  # parses as JSON
    ("jwst/invalid.json", "jwst_0541.pmap", "broken.dat"),  # not JSON, but YAML takes it
    ("hst/s7g1700gl_dead.fits", "hst_0729.pmap", "s7g1700gl_dead.FITS"),  # SIMPLE card; crds skips the checks
    ("hst/ascii_tab.csv", "hst_0729.pmap", "ascii_tab.txt"),  # text: no certifier
]


def certified_kind(stderr: str) -> list[str]:
    return re.findall(r"Certifying '[^']*' \(\d+/\d+\) as '([A-Z]+)'", stderr)


@pytest.mark.parametrize("source,context,name", CASES, ids=[case[2] for case in CASES])
def test_format_by_content_matches_crds(test_data_dir, tmp_path, capsys, source, context, name):
    path = tmp_path / name
    shutil.copy(test_data_dir / source, path)
    code, ours, theirs = certify_both(str(path), context, tmp_path, capsys)
    assert certified_kind(ours) == certified_kind(theirs.stderr)
    if name == KIND_ONLY:
        return
    their_warnings, their_plain, their_tracked = certify_summary(theirs.stderr)
    our_warnings, our_plain, our_tracked = certify_summary(ours)
    assert set(our_warnings) == set(their_warnings)
    assert our_plain == their_plain
    assert our_tracked.keys() == their_tracked.keys()
    assert code == (1 if theirs.returncode else 0)
