"""`crds-batch synth` through click's runner."""
from __future__ import annotations

import json

from click.testing import CliRunner

from crds_batch.cli.main import cli


def test_synth_writes_save_and_reports(tmp_path):
    out = tmp_path / "out.json"
    result = CliRunner().invoke(cli, ["synth", "--context", "hst_0729.pmap", "-n", "40", "-o", str(out),
                                      "--seed", "3", "--instruments", "acs wfc3", "--invalid-fraction", "0"])
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert len(lines) == 40
    instruments = {next(iter(json.loads(line).values()))["INSTRUME"] for line in lines}
    assert instruments == {"ACS", "WFC3"}
    assert "Wrote 40 datasets" in result.output  # the runner mixes stderr in


def test_synth_same_seed_same_file(tmp_path):
    runner = CliRunner()
    paths = [tmp_path / "a.json", tmp_path / "b.json"]
    for path in paths:
        assert runner.invoke(cli, ["synth", "--context", "jwst_0541.pmap", "-n", "30", "-o", str(path)]).exit_code == 0
    assert paths[0].read_text() == paths[1].read_text()


def test_synth_help_and_bad_fraction():
    runner = CliRunner()
    assert "invalid-fraction" in runner.invoke(cli, ["synth", "--help"]).output
    assert runner.invoke(cli, ["synth", "--context", "hst_0729.pmap", "-n", "5", "-o", "x.json",
                               "--invalid-fraction", "3"]).exit_code == 2
