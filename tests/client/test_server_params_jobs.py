"""``affected`` and ``check-context`` with ``--instruments``/``--datasets`` and a CRDS server (no ``--params``):
the server's parameters are fetched into a temporary store (removed afterwards), and the output is the one the
same job gives on the server's store directly."""
from __future__ import annotations

import os
import tempfile

import pytest

from crds_batch.cli.main import main

OLD, NEW = "hst_0728.pmap", "hst_0729.pmap"


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """Temporary files go here, so the test sees whether the fetched store was removed."""
    directory = tmp_path / "scratch"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main([*args, "--no-cluster"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_affected_fetches_the_instruments_datasets_from_the_server(hst_server, hst_store, scratch, capsys,
                                                                   monkeypatch):
    common = ["affected", "--old-context", OLD, "--new-context", NEW, "-q"]
    direct = _run(capsys, *common, "--params", str(hst_store), "--instruments", "wfc3")
    monkeypatch.setenv("CRDS_SERVER_URL", hst_server.url)
    fetched = _run(capsys, *common, "--instruments", "wfc3")
    assert fetched[:2] == direct[:2], fetched[2][-2000:]
    assert direct[1].split(), "the pair should affect some WFC3 datasets"
    assert "get_dataset_ids" in hst_server.log_text()
    assert os.listdir(scratch) == []


def test_affected_fetches_listed_datasets_with_server_option(hst_server, hst_store, hst_save, scratch, tmp_path,
                                                            capsys):
    ids = sorted(hst_save[1])[::3]
    (tmp_path / "some.ids").write_text("\n".join(ids) + "\n")
    common = ["affected", "--old-context", OLD, "--new-context", NEW, "-q", "--all-types"]
    direct = _run(capsys, *common, "--params", str(hst_store), "--only-ids", f"@{tmp_path / 'some.ids'}")
    fetched = _run(capsys, *common, "--server", hst_server.url, "--datasets", f"@{tmp_path / 'some.ids'}")
    assert fetched[:2] == direct[:2], fetched[2][-2000:]
    assert direct[1].split()
    assert os.listdir(scratch) == []


def test_check_context_fetches_the_instruments_datasets(hst_server, hst_store, scratch, capsys):
    common = ["check-context", "--new-context", NEW, "--dump-unique-errors", "-q"]
    direct = _run(capsys, *common, "--params", str(hst_store), "--instruments", "acs")
    fetched = _run(capsys, *common, "--server", hst_server.url, "--instruments", "acs")
    assert fetched[:2] == direct[:2], fetched[2][-2000:]
    assert os.listdir(scratch) == []


def test_unknown_ids_are_errors_and_exit_1(hst_server, hst_save, scratch, capsys):
    known = sorted(hst_save[1])[0]
    code, _, err = _run(capsys, "check-context", "--new-context", NEW, "--server", hst_server.url,
                        "--datasets", known, "NOSUCH01")
    assert code == 1
    assert "ERROR: No header for NOSUCH01" in err
    assert os.listdir(scratch) == []


def test_without_params_a_server_is_needed(capsys):
    code, _, err = _run(capsys, "affected", "--old-context", OLD, "--new-context", NEW, "--instruments", "acs")
    assert code == 2
    assert "give --params, or --instruments/--datasets with a CRDS server" in err
