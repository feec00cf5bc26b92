"""affected command: inputs that cannot run are one line and exit status 3."""
from __future__ import annotations

import tempfile

from crds_batch.cli.main import main
from crds_batch.store import ingest


def test_empty_store_is_one_line_exit_3(tmp_path, capsys):
    empty = tmp_path / "empty.json"
    empty.write_text("")
    ingest([str(empty)], str(tmp_path / "store"))
    code = main(["affected", "--old-context", "hst_0728.pmap", "--new-context", "hst_0729.pmap",
                 "--params", str(tmp_path / "store"), "--no-cluster", "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 3 and len(err) == 1 and "holds no datasets" in err[0]


def test_unknown_context_is_one_line_exit_3(tmp_path, capsys, test_data_dir):
    code = main(["affected", "--old-context", "hst_0728.pmap", "--new-context", "hst_9729.pmap",
                 "--params", str(test_data_dir / "hst" / "test_cos.json"), "--no-cluster", "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 3 and len(err) == 1 and "hst_9729.pmap" in err[0]


def test_save_files_leave_no_temporary_store(tmp_path, monkeypatch, capsys, test_data_dir):
    """--params with save files ingests into a temporary store, removed when the command ends (ok or failed)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    save = str(test_data_dir / "hst" / "test_cos.json")
    ok = main(["affected", "--old-context", "hst_0728.pmap", "--new-context", "hst_0729.pmap",
               "--params", save, "--no-cluster", "--quiet"])
    failed = main(["affected", "--old-context", "hst_0728.pmap", "--new-context", "hst_9729.pmap",
                   "--params", save, "--no-cluster", "--quiet"])
    capsys.readouterr()
    assert (ok, failed) == (0, 3)
    assert list(tmp_path.iterdir()) == []
