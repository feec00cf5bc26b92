"""`crds-batch check-context` without flags is `crds bestrefs --check-context` (issue 10 §4).

crds's --check-context bundle turns on --undefined-differences-matter and
--na-differences-matter (and the unique-error dump and stats); our command
applies the same bundle by default, so the same save gives the same error
classes with no flags at all.
"""
from __future__ import annotations

import pytest

from crds_batch.cli.main import main
from crds_batch.synth import generate, write_save
from tests.batch.test_check_oracle import crds_run, dump_block


@pytest.fixture(scope="module")
def hst_save(tmp_path_factory):
    path = tmp_path_factory.mktemp("check-defaults") / "hst.json"
    write_save(generate("hst_0729.pmap", 700, seed=71, invalid_fraction=0.08), str(path))
    return str(path)


@pytest.mark.oracle
def test_default_is_crds_check_context(hst_save, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # crds --check-context writes all_errors.ids and unique_errors.ids here
    _, crds_log = crds_run(["--hst", "--load-pickles", hst_save, "--new-context", "hst_0729.pmap",
                            "--check-context"])
    code = main(["check-context", "--new-context", "hst_0729.pmap", "--params", hst_save, "--no-cluster",
                 "--quiet", "--dump-unique-errors"])
    ours = capsys.readouterr().out.splitlines()
    expected = dump_block(crds_log)
    assert any("NOT FOUND" in line for line in expected), "the bundle makes unmatched lookups errors"
    assert dump_block(ours) == expected
    assert code == 1


def test_switches_narrow_the_bundle(hst_save, capsys):
    """--undefined-differences-ok leaves unmatched lookups out of the errors, as crds without the bundle."""
    argv = ["check-context", "--new-context", "hst_0729.pmap", "--params", hst_save, "--no-cluster", "--quiet",
            "--dump-unique-errors"]
    main(argv)
    full = capsys.readouterr().out
    main([*argv, "--undefined-differences-ok"])
    narrowed = capsys.readouterr().out
    assert "NOT FOUND" in full and "NOT FOUND" not in narrowed


def test_help_says_the_bundle_is_the_default(capsys):
    assert main(["check-context", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "crds bestrefs --check-context" in help_text and "--undefined-differences-ok" in help_text


def test_output_holds_what_the_help_promises(hst_save, capsys, tmp_path):
    """Issue 10 §4: error_classes.csv, no affected.txt / update_counts.json (not this job's outputs)."""
    import pandas as pd

    out = tmp_path / "out"
    code = main(["check-context", "--new-context", "hst_0729.pmap", "--params", hst_save, "--no-cluster",
                 "--quiet", "--output", str(out)])
    listed = capsys.readouterr().out
    assert code == 1
    assert sorted(p.name for p in out.iterdir()) == ["changes.parquet", "error_classes.csv", "errors.parquet",
                                                     "summary.json"]
    classes = pd.read_csv(out / "error_classes.csv")
    assert list(classes.columns[:4]) == ["instrument", "filekind", "message", "count"]
    assert len(classes) > 1 and int(classes["count"].iloc[0]) > 0
    assert all(str(count) in listed for count in classes["count"])
