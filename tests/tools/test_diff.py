"""The logical context diff equals crds's (affected types, header/deletion flags, --datasets-since auto)."""
from __future__ import annotations

import pytest

from crds_batch.cli.main import main
from crds_batch.tools.diff import MIN_DATE, datasets_since_auto, diff_contexts

PAIRS = [
    ("hst_0728.pmap", "hst_0729.pmap"),  # one WFC3 dark delivery
    ("hst_0700.pmap", "hst_0710.pmap"),  # several instruments, deletions
    ("hst_0650.pmap", "hst_0729.pmap"),  # far apart
    ("hst_0715.pmap", "hst_0716.pmap"),
    ("jwst_0540.pmap", "jwst_0541.pmap"),
    ("jwst_0500.pmap", "jwst_0541.pmap"),
]


def _crds_view(old, new):
    from crds import diff as crds_diff
    from crds.bestrefs.bestrefs import BestrefsScript

    observatory = old.split("_")[0]
    differ = crds_diff.MappingDifferencer(observatory, old, new, include_header_diffs=True, hide_boring_diffs=True)
    affected = {instr: set(kinds) for instr, kinds in differ.get_affected().items() if kinds}
    flags = (bool(differ.header_modified()), bool(differ.files_deleted()))
    if any(flags):
        since = "all"
    else:
        script = BestrefsScript.__new__(BestrefsScript)
        script.old_context, script.new_context = old, new
        since = script.auto_datasets_since()
    return affected, flags, since


@pytest.mark.oracle
@pytest.mark.parametrize("old, new", PAIRS)
def test_diff_equals_crds(old, new):
    ours = diff_contexts(old, new)
    affected, flags, since = _crds_view(old, new)
    assert {k: set(v) for k, v in ours.affected.items()} == affected
    assert (ours.header_modified, ours.files_deleted) == flags
    our_since = datasets_since_auto(ours)
    if since == "all":
        assert set(our_since.values()) == {MIN_DATE}
    else:
        assert our_since == since


def test_diff_affected_cli_prints_pairs_and_exit_status(capsys):
    assert main(["diff", "hst_0728.pmap", "hst_0729.pmap", "--affected"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line.split() for line in lines] == [["wfc3", "darkfile"], ["wfc3", "drkcfile"]]


def test_diff_of_a_context_with_itself_is_empty(capsys):
    assert main(["diff", "hst_0729.pmap", "hst_0729.pmap"]) == 0
    assert capsys.readouterr().out == ""


def test_unknown_context_is_one_line_exit_3(capsys):
    assert main(["diff", "hst_9999.pmap", "hst_0729.pmap"]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "hst_9999.pmap" in err[0]


@pytest.mark.parametrize("old, new, words", [
    ("jwst_0541.pmap", "hst_0729.pmap", ("observatory jwst", "observatory hst")),
    ("hst_0700.pmap", "hst_acs_0421.imap", ("mapping pipeline", "mapping instrument")),
])
def test_diff_of_incomparable_mappings_is_one_line_exit_3(old, new, words, capsys):
    """Different observatories or kinds (issue 10 §3): one clear line, exit 3, nothing listed."""
    assert main(["diff", old, new]) == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.strip().splitlines()
    assert all(word in line for word in words), line


def test_affected_with_contexts_of_two_observatories_is_one_line_exit_3(capsys, test_data_dir):
    code = main(["affected", "--old-context", "hst_0700.pmap", "--new-context", "jwst_0541.pmap",
                 "--params", str(test_data_dir / "hst" / "test_cos.json"), "--no-cluster", "--quiet"])
    captured = capsys.readouterr()
    assert code == 3 and captured.out == ""
    [line] = captured.err.strip().splitlines()
    assert "hst_0700.pmap" in line and "jwst_0541.pmap" in line and "observator" in line
