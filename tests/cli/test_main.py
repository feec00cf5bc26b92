"""Whatever goes wrong, the command ends with one ERROR line and exit status 3 (1 means "found errors")."""
from __future__ import annotations

import json

import pytest

from crds_batch.cli.main import EXIT_FAILURE, main, report_failure
from crds_batch.store import ingest


@pytest.fixture
def store(tmp_path):
    save = tmp_path / "a.json"
    save.write_text(json.dumps({"J1:J1": {"INSTRUME": "ACS", "DATE-OBS": "2005-01-01", "TIME-OBS": "00:00"}}) + "\n")
    return ingest([str(save)], str(tmp_path / "store")).store


def _export_to_missing_directory(store, tmp_path, *extra):
    return main(["export", "--store", store, "--save-pickle", str(tmp_path / "missing" / "out.json"), *extra])


def test_system_error_is_one_line_and_exit_3(store, tmp_path, capsys):
    assert _export_to_missing_directory(store, tmp_path) == EXIT_FAILURE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("ERROR: No such file or directory: ") and str(tmp_path / "missing") in err


@pytest.mark.parametrize("where", ["after", "before", "env"])
def test_debug_traps_shows_the_traceback(store, tmp_path, capsys, monkeypatch, where):
    if where == "env":
        monkeypatch.setenv("CRDS_BATCH_DEBUG_TRAPS", "1")
        code = _export_to_missing_directory(store, tmp_path)
    elif where == "after":
        code = _export_to_missing_directory(store, tmp_path, "--debug-traps")
    else:
        code = main(["--debug-traps", "export", "--store", store, "--save-pickle",
                     str(tmp_path / "missing" / "out.json")])
    assert code == EXIT_FAILURE
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):") and "FileNotFoundError" in err
    assert err.splitlines()[-1].startswith("ERROR: No such file or directory")


def test_debug_traps_is_not_taken_after_double_dash(capsys):
    assert main(["--", "--debug-traps"]) == 2  # an argument there, not the flag: no such command
    assert "Traceback" not in capsys.readouterr().err


def test_help_lists_debug_traps(capsys):
    assert main(["--help"]) == 0
    assert "--debug-traps" in capsys.readouterr().out


def _raised(exc):
    try:
        raise exc
    except Exception as caught:  # noqa: BLE001 - a real raised exception with its traceback
        return caught


def test_unexpected_error_line(capsys):
    assert report_failure(_raised(ValueError("bad\nvalue " + "x" * 1000))) == EXIT_FAILURE
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("ERROR: internal error: ValueError: bad value xxx")
    assert err.rstrip().endswith("... (rerun with --debug-traps for the traceback)")


def test_unexpected_error_with_traceback(capsys):
    assert report_failure(_raised(KeyError("k")), debug_traps=True) == EXIT_FAILURE
    err = capsys.readouterr().err
    assert err.startswith("Traceback") and err.splitlines()[-1] == "ERROR: internal error: KeyError: 'k'"
