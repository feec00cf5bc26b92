"""certify's options: --exist with the unique-error dump and files, --dont-parse, --comparison-context none."""
from __future__ import annotations

import pytest

from crds_batch.cli.main import main

from .crds_runner import crds_lines, run_crds

RMAP = "crds://hst_cos_deadtab_0250.rmap"  # names references the test cache does not hold


@pytest.mark.oracle
def test_exist_and_unique_errors_match_crds(tmp_path, capsys):
    def args(where):
        return [RMAP, "--exist", "--comparison-context", "hst_0729.pmap", "--dump-unique-errors",
                "--unique-errors-file", str(where / "unique.txt"), "--all-errors-file", str(where / "all.txt")]

    (tmp_path / "crds").mkdir()
    (tmp_path / "ours").mkdir()
    theirs = run_crds("crds.certify", args(tmp_path / "crds"), cwd=tmp_path)
    code = main(["certify", *args(tmp_path / "ours")])
    ours = capsys.readouterr().err
    assert crds_lines(ours, ("ERROR", "WARNING")) == crds_lines(theirs.stderr, ("ERROR", "WARNING"))
    assert crds_lines(theirs.stderr, ("ERROR",))  # the check is not empty
    dump = [line for line in crds_lines(theirs.stderr, ("INFO",)) if "errors like::" in line or "unique" in line]
    assert [line for line in crds_lines(ours, ("INFO",)) if "errors like::" in line or "unique" in line] == dump
    for name in ("unique.txt", "all.txt"):
        assert (tmp_path / "ours" / name).read_text() == (tmp_path / "crds" / name).read_text()
    assert code == 1 and theirs.returncode != 0


@pytest.mark.oracle
def test_dont_parse_skips_the_duplicate_check_as_crds(test_data_dir, tmp_path, capsys):
    path = str(test_data_dir / "hst" / "hst_cos_tdstab_duplicate.rmap")
    args = [path, "--dont-parse", "--comparison-context", "hst_0729.pmap"]
    theirs = run_crds("crds.certify", args, cwd=tmp_path)
    code = main(["certify", *args])
    ours = capsys.readouterr().err
    assert crds_lines(ours) == crds_lines(theirs.stderr)
    assert not any("Duplicate entry" in line for line in crds_lines(ours))
    assert code == (1 if theirs.returncode else 0)


def test_comparison_context_none_compares_with_nothing(test_data_dir, capsys):
    path = str(test_data_dir / "hst" / "hst_acs_darkfile_comment.rmap")
    assert main(["certify", path, "--comparison-context", "hst_0729.pmap"]) == 0
    compared = capsys.readouterr().err
    assert "Rule change at" in compared
    assert main(["certify", path, "--comparison-context", "none"]) == 0
    alone = capsys.readouterr().err
    assert "Rule change at" not in alone and "relative to context 'none'" in alone
    assert "0 warnings" in alone


@pytest.mark.oracle
def test_deep_reports_reversions_missing_references_and_certifies_present_ones(tmp_path, capsys):
    """hst_acs_idctab_0251.rmap against hst_0729: reversions, a deletion, references missing from the
    test cache (errors) and one present (certified, with its duplicate-mode check)."""
    args = ["crds://hst_acs_idctab_0251.rmap", "--deep", "--comparison-context", "hst_0729.pmap"]
    theirs = run_crds("crds.certify", args, cwd=tmp_path)
    code = main(["certify", *args])
    ours = capsys.readouterr().err
    assert crds_lines(ours, ("ERROR",)) == crds_lines(theirs.stderr, ("ERROR",))
    assert crds_lines(ours, ("WARNING",)) == crds_lines(theirs.stderr, ("WARNING",))
    assert any("Reversion at" in line for line in crds_lines(ours, ("WARNING",)))
    certifying = [line for line in theirs.stderr.splitlines() if "Certifying '" in line]
    assert [line for line in ours.splitlines() if "Certifying '" in line] == certifying
    assert code == 1


TABLE_CASES = [
    ("v8q1445xx_idc.fits", "v8q14451j_idc.fits"),  # rows deleted from the comparison table
    ("s7g1700gl_dead_dup1.fits", "s7g1700gl_dead.fits"),  # a type without mode columns: nothing to say
    ("v8q14451j_idc.fits", "v8q14451j_idc.fits"),
]


@pytest.mark.oracle
@pytest.mark.parametrize("new,old", TABLE_CASES, ids=[case[0] for case in TABLE_CASES])
def test_table_modes_against_comparison_reference_match_crds(test_data_dir, tmp_path, capsys, new, old):
    args = [str(test_data_dir / "hst" / new), "--comparison-reference", str(test_data_dir / "hst" / old),
            "--comparison-context", "hst_0729.pmap"]
    theirs = run_crds("crds.certify", args, cwd=tmp_path)
    code = main(["certify", *args])
    ours = capsys.readouterr().err
    assert crds_lines(ours, ("ERROR", "WARNING", "INFO")) == crds_lines(theirs.stderr, ("ERROR", "WARNING", "INFO"))
    assert code == (1 if theirs.returncode else 0)


@pytest.mark.oracle
def test_duplicated_row_of_a_mutated_copy_matches_crds(test_data_dir, tmp_path, capsys):
    """A copy of an IDC table with its first row duplicated: crds's duplicate-mode warning, row for row."""
    from astropy.io import fits

    source = test_data_dir / "hst" / "v8q14451j_idc.fits"
    mutated = tmp_path / "v8q1445dd_idc.fits"
    with fits.open(source) as hdus:
        table = hdus[1]
        rows = len(table.data)
        grown = fits.BinTableHDU.from_columns(table.columns, header=table.header, nrows=rows + 1)
        for name in table.columns.names:
            grown.data[name][rows] = table.data[name][0]
        fits.HDUList([hdus[0].copy(), grown]).writeto(mutated)
    args = [str(mutated), "--comparison-reference", str(source), "--comparison-context", "hst_0729.pmap"]
    theirs = run_crds("crds.certify", args, cwd=tmp_path)
    code = main(["certify", *args])
    ours = capsys.readouterr().err
    assert any("Duplicate definitions in new reference" in line for line in crds_lines(ours))
    assert crds_lines(ours, ("ERROR", "WARNING", "INFO")) == crds_lines(theirs.stderr, ("ERROR", "WARNING", "INFO"))
    assert code == (1 if theirs.returncode else 0)


@pytest.mark.oracle
def test_verbose_shows_crds_debug_findings(test_data_dir, tmp_path, capsys):
    """--verbose: the differences crds reads as unremarkable (added terminals, newer files) as its DEBUG lines."""
    args = [str(test_data_dir / "hst" / "hst_acs_darkfile_comment.rmap"), "--comparison-context", "hst_0729.pmap",
            "--verbose"]
    theirs = run_crds("crds.certify", args, cwd=tmp_path)
    main(["certify", *args])
    ours = capsys.readouterr().err

    def findings(text):
        return sorted(line for line in text.splitlines() if line.startswith("CRDS - DEBUG -  In ("))

    assert findings(ours) and findings(ours) == findings(theirs.stderr)


def test_json_gives_counts_and_messages(test_data_dir, capsys):
    import json

    path = str(test_data_dir / "hst" / "hst_cos_tdstab_duplicate.rmap")
    assert main(["certify", path, "--comparison-context", "hst_0729.pmap", "--json", "--stats"]) == 1
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["errors"] == 1 and report["warnings"] == 2
    assert [m["text"] for m in report["messages"] if m["level"] == "ERROR"] == [
        "Duplicate entry at selector ('FUV', 'SPECTROSCOPIC') = UseAfter vs. UseAfter"]
    assert "1 errors" in captured.err and "STATS: 1 files certified in " in captured.err
