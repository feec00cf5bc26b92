"""crds-batch ingest / export through click."""
from __future__ import annotations

import json

from click.testing import CliRunner

from crds_batch.cli.main import cli
from crds_batch.store import Store


def run(args):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def test_ingest_export_round_trip(tmp_path, test_data_dir):
    source = str(test_data_dir / "hst" / "test_cos.json")
    result = run(["ingest", source, "--store", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    out = tmp_path / "o.json"
    result = run(["export", "--store", str(tmp_path / "s"), "--save-pickle", str(out), "--instruments", "cos"])
    assert result.exit_code == 0
    assert json.loads(out.read_text()) == json.loads(open(source).read())


def test_bad_line_exit_status_and_message(tmp_path):
    save = tmp_path / "b.json"
    save.write_text('{"A:A": {"INSTRUME": "ACS", "DATE-OBS": "2001-01-01", "TIME-OBS": "00:00:00"}}\n{oops\n')
    result = run(["ingest", str(save), "--store", str(tmp_path / "s")])
    assert result.exit_code == 1
    assert f"{save}:2: invalid JSON" in result.output
    assert len(Store(str(tmp_path / "s"))) == 1


def test_pickle_refused_without_trust_and_help_says_why(tmp_path, test_data_dir):
    from crds_batch.cli.main import EXIT_FAILURE, main

    assert "runs code" in run(["ingest", "--help"]).output
    pkl = str(test_data_dir / "hst" / "test_cos.pkl")
    assert main(["ingest", pkl, "--store", str(tmp_path / "s")]) == EXIT_FAILURE
    assert main(["ingest", pkl, "--store", str(tmp_path / "s"), "--trust-pickles", "-q"]) == 0


def test_export_selection_options(tmp_path):
    save = tmp_path / "a.json"
    save.write_text("".join(json.dumps({f"X{i}:X{i}": {"INSTRUME": "ACS", "DATE-OBS": f"200{i}-01-01",
                                                      "TIME-OBS": "00:00:00"}}) + "\n" for i in range(5)))
    assert run(["ingest", str(save), "--store", str(tmp_path / "s")]).exit_code == 0
    (tmp_path / "drop").write_text("x1\n")
    out = tmp_path / "o.json"
    result = run(["export", "--store", str(tmp_path / "s"), "--save-pickle", str(out),
                  "--drop-ids", f"@{tmp_path / 'drop'}", "--datasets-since", "2001-01-01"])
    assert result.exit_code == 0
    ids = [next(iter(json.loads(line))) for line in out.read_text().splitlines()]
    assert ids == ["X2:X2", "X3:X3", "X4:X4"]
