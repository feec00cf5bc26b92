"""Equal-weight Match cases (crds's rmap ambiguity check) against ``crds certify`` 13.2.7.

An HST rmap from crds's test files that has such cases (warnings crds shows
only with ``--verbose``), and copies of real rmaps given an or-group case
that covers existing ones: HST (verbose warnings; errors once the header
sets ``merge_overlaps`` false) and JWST (always errors). The whole
multi-line messages must be the same, case, date and file shown included.
"""
from __future__ import annotations

import collections

import pytest

from crds_batch.cli.main import main

from ..conftest import CACHE
from .crds_runner import run_crds

pytestmark = pytest.mark.oracle


def message_blocks(stderr: str) -> list[str]:
    """Each ``CRDS - LEVEL -`` message with the lines that continue it."""
    blocks: list[str] = []
    for line in stderr.splitlines():
        if line.startswith("CRDS - "):
            blocks.append(line)
        elif blocks:
            blocks[-1] += "\n" + line
    return blocks


def overlap_messages(stderr: str) -> collections.Counter:
    return collections.Counter(block for block in message_blocks(stderr) if "equal weight special case" in block)


def certify_both(path, context, cwd, capsys, *flags):
    theirs = run_crds("crds.certify", [str(path), "--comparison-context", context, *flags], cwd=cwd)
    code = main(["certify", str(path), "--comparison-context", context, *flags])
    return code, capsys.readouterr().err, theirs


def _with_case(source, target, case: str, header_line: str | None = None):
    text = source.read_text().rstrip()
    assert text.endswith("})")
    text = text[:-2] + case + "})\n"
    if header_line:
        text = text.replace("header = {\n", "header = {\n" + header_line, 1)
    target.write_text(text)


HST_CASE = """    ('FUV|NUV',) : UseAfter({
        '1997-10-01 00:00:00' : 's7g1700ql_dead.fits',
    }),
"""


@pytest.mark.parametrize("flags", [(), ("--verbose",)], ids=["quiet", "verbose"])
@pytest.mark.parametrize("merge", [None, "False"], ids=["merged", "merge_overlaps_false"])
def test_hst_equal_weight_cases_match_crds(tmp_path, capsys, flags, merge):
    path = tmp_path / "hst_cos_deadtab_9990.rmap"
    header_line = f"    'merge_overlaps' : '{merge}',\n" if merge else None
    _with_case(CACHE / "mappings" / "hst" / "hst_cos_deadtab_0250.rmap", path, HST_CASE, header_line)
    code, ours, theirs = certify_both(path, "hst_0729.pmap", tmp_path, capsys, *flags)
    expected = overlap_messages(theirs.stderr)
    assert bool(expected) == (bool(flags) or merge is not None)
    assert overlap_messages(ours) == expected
    assert code == (1 if theirs.returncode else 0)


def test_jwst_equal_weight_case_is_an_error_as_in_crds(tmp_path, capsys):
    path = tmp_path / "jwst_nircam_gain_9990.rmap"
    case = """    ('NRCA1|NRCA2', 'GENERIC') : UseAfter({
        '2020-01-01 00:00:00' : 'jwst_nircam_gain_0001.fits',
    }),
"""
    _with_case(CACHE / "mappings" / "jwst" / "jwst_nircam_gain_0009.rmap", path, case)
    code, ours, theirs = certify_both(path, "jwst_0541.pmap", tmp_path, capsys)
    expected = overlap_messages(theirs.stderr)
    assert expected and all("CRDS - ERROR" in block for block in expected)
    assert overlap_messages(ours) == expected
    assert code == 1 == (1 if theirs.returncode else 0)


def test_equal_weight_cases_of_a_test_rmap_match_crds_verbose(test_data_dir, tmp_path, capsys):
    path = test_data_dir / "hst" / "hst_acs_biasfile.rmap"  # N/A and or-group cases that overlap
    code, ours, theirs = certify_both(path, "hst_0729.pmap", tmp_path, capsys, "--verbose")
    expected = overlap_messages(theirs.stderr)
    assert sum(expected.values()) > 100
    assert overlap_messages(ours) == expected
    assert code == (1 if theirs.returncode else 0)
