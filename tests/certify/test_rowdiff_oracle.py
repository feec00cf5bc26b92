"""``crds-batch rowdiff`` prints what ``crds rowdiff`` prints on crds's own test tables."""
from __future__ import annotations

import pytest

from crds_batch.cli.main import main

from .crds_runner import run_crds

CASES = [
    ["test-source.fits", "test-change-row1-valueLeft.fits"],
    ["test-source.fits", "test-source.fits"],
    ["test-single-modes.fits", "test-duplicate-mode.fits"],
    ["test-source.fits", "test-alternate-modes.fits", "--ignore-fields", "valueleft"],
    ["test-source.fits", "test-alternate-modes.fits", "--fields", "valueleft,modeup"],
    ["test-source.fits", "hst/s7g1700gl_dead.fits"],  # different HDU lists: crds's one-line note
    # --mode-fields: tables compared by mode (missing, duplicated, changed modes; common-mode rows)
    ["test-source.fits", "test-change-row1-valueLeft.fits", "--mode-fields", "modeup,modedown"],
    ["test-single-modes.fits", "test-duplicate-mode.fits", "--mode-fields", "modeup,modedown"],
    ["test-source.fits", "test-alternate-modes.fits", "--mode-fields", "modeup,modedown"],
    ["test-source.fits", "test-source.fits", "--mode-fields", "modeup"],
]


@pytest.mark.oracle
@pytest.mark.parametrize("args", CASES, ids=[" ".join(case) for case in CASES])
def test_rowdiff_matches_crds(test_data_dir, capsys, monkeypatch, args):
    theirs = run_crds("crds.rowdiff", args, cwd=test_data_dir)
    monkeypatch.chdir(test_data_dir)
    assert main(["rowdiff", *args]) == 0
    assert capsys.readouterr().out == theirs.stdout


def test_fields_and_ignore_fields_refused(test_data_dir, capsys):
    source = str(test_data_dir / "test-source.fits")
    assert main(["rowdiff", source, source, "--fields", "a", "--ignore-fields", "b"]) == 2
    assert "cannot both be given" in capsys.readouterr().err
