"""Every HST file of crds's test data (and the top-level ones) certified by crds 13.2.7 and by us.

The JWST and Roman files are compared in ``test_certify_model_references_oracle``;
this sweep takes every other file in ``crds-test-data``: references (FITS,
GEIS, SYNPHOT tables and throughputs), datasets given as references, broken
and good rmaps, imaps and pmaps (contexts whose children are missing), and
files that are no CRDS file at all. Each gets crds's verdict (errors or not)
and the same ERROR/WARNING lines, offending keyword, value and row included.

Compared apart: checksum warnings (crds gives them while it collects the
files, before the file's ``Certifying`` line; we give them in the file's
section), as one set over the whole run; the reason after "Failed to obtain
reference comparison file" (crds: its failed download; we never download).
Verdict only (README "Where crds differs"): where crds's error text is a
Python exception of its own (``string indices must be integers`` for a text
file certified as YAML, ``'parkey'``, a ``SyntaxError`` text for a bad
rmap expression) we name the fault; the top-level files, for which crds
guesses the observatory per file from the whole list.
"""
from __future__ import annotations

import pytest

from crds_batch.cli.main import main

from ..conftest import TEST_DATA
from .crds_runner import crds_lines, run_crds, without_fetch_reason
from .test_certify_model_references_oracle import has_errors, per_file

pytestmark = pytest.mark.oracle

CONTEXT = "hst_0729.pmap"
HST_FILES = sorted(str(path) for path in (TEST_DATA / "hst").iterdir() if path.is_file())
TOP_FILES = sorted(str(path) for path in TEST_DATA.iterdir() if path.is_file())
#: crds's error text is its own crash (see the module's text): compared by verdict.
OWN_WORDS = {"ascii_tab.csv", "bestrefs_file_list", "file_list2", "test_cos.pkl", "hst_acs_darkfile_badexpr.rmap",
             "hst_missing_parkey.rmap"}


def _compared(lines: list[str]) -> set[str]:
    return {line for line in without_fetch_reason(crds_lines("\n".join(lines))) if "Checksum error" not in line}


def _checksum_lines(text: str) -> set[str]:
    return {line for line in crds_lines(text) if "Checksum error" in line}


def test_every_hst_test_file_gets_crds_verdict_and_lines(tmp_path, capsys):
    # one crds run over the whole list: crds caches mappings by name, so its answers depend on the list
    their_text = run_crds("crds.certify", [*HST_FILES, "--comparison-context", CONTEXT], cwd=tmp_path,
                          timeout=1800).stderr
    theirs = per_file(their_text)
    code = main(["certify", *HST_FILES, "--comparison-context", CONTEXT])
    our_text = capsys.readouterr().err
    ours = per_file(our_text)
    assert code == 1
    assert set(ours) == set(theirs) >= set(HST_FILES)  # with the cache's mappings below the loadable contexts
    verdicts = {path: (has_errors(ours[path]), has_errors(theirs[path])) for path in ours}
    assert {path: pair for path, pair in verdicts.items() if pair[0] != pair[1]} == {}
    differing = {}
    for path in sorted(ours):
        if path.rsplit("/", 1)[-1] in OWN_WORDS:
            continue
        if _compared(ours[path]) != _compared(theirs[path]):
            differing[path] = (_compared(ours[path]) - _compared(theirs[path]),
                               _compared(theirs[path]) - _compared(ours[path]))
    assert differing == {}
    assert _checksum_lines(our_text) == _checksum_lines(their_text)
    # the sweep is not vacuous: both find errors and warnings of many kinds
    assert sum(ours_bad for ours_bad, _ in verdicts.values()) > 40
    assert any("Invalid FILETYPE (or CDBSFILE) of 'sci' for instrument 'acs'" in line
               for line in crds_lines(our_text))
    assert any("No such file or directory: 'test/data/hst/hst_acs.imap'" in line for line in crds_lines(our_text))


def test_top_level_test_files_get_crds_verdict(tmp_path, capsys):
    theirs = per_file(run_crds("crds.certify", [*TOP_FILES, "--comparison-context", CONTEXT], cwd=tmp_path).stderr)
    main(["certify", *TOP_FILES, "--comparison-context", CONTEXT])
    ours = per_file(capsys.readouterr().err)
    assert set(ours) == set(theirs) == set(TOP_FILES)
    assert {path: has_errors(ours[path]) for path in TOP_FILES} == {path: has_errors(theirs[path])
                                                                   for path in TOP_FILES}
