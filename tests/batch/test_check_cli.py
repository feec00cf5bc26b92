"""`crds-batch check-context`: options, output forms, exit codes, and a real LocalCluster."""
from __future__ import annotations

import pytest

from crds_batch.cli.main import main
from crds_batch.synth import generate, write_save


@pytest.fixture(scope="module")
def save(tmp_path_factory):
    path = tmp_path_factory.mktemp("check") / "hst.json"
    write_save(generate("hst_0729.pmap", 150, seed=51, invalid_fraction=0.1, prior_fraction=0.3), str(path))
    return str(path)


def _run(capsys, argv):
    code = main(["check-context", "--new-context", "hst_0729.pmap", *argv])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def test_default_output_lists_classes_with_examples(save, capsys, tmp_path):
    code, out, err = _run(capsys, ["--params", save, "--no-cluster", "--stats", "--report", str(tmp_path / "r.html")])
    assert code == 1
    assert any("examples:" in line for line in out)
    assert "150 datasets" in err and "classes" in err
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")


def test_clean_data_exits_zero(capsys, tmp_path):
    path = tmp_path / "clean.json"
    write_save(generate("hst_0729.pmap", 60, seed=52, invalid_fraction=0.0, odd_date_fraction=0.0,
                        early_fraction=0.0, instruments=["wfc3"]), str(path))
    # Clean parameters still meet real gaps in some rules (WFC3 BIASFILE CCDGAIN 2.5): check one type.
    code, out, _ = _run(capsys, ["--params", str(path), "--no-cluster", "-q", "--dump-unique-errors",
                                 "--types", "darkfile"])
    assert (code, out[1]) == (0, "All unique error types: 0")


def test_only_and_drop_ids(save, capsys):
    _, lines, _ = _run(capsys, ["--params", save, "--no-cluster", "-q", "--dump-unique-errors"])
    example = next(line for line in lines if "errors like::" in line).split("data='")[1].split("'")[0]
    _, dropped, _ = _run(capsys, ["--params", save, "--no-cluster", "-q", "--dump-unique-errors",
                                  "--drop-ids", example])
    assert all(f"data='{example}'" not in line for line in dropped)
    code, only, _ = _run(capsys, ["--params", save, "--no-cluster", "-q", "--dump-unique-errors",
                                  "--only-ids", example])
    assert code == 1 and all("data=" not in line or f"data='{example}'" in line for line in only)


@pytest.mark.parametrize("argv", [["--differences-are-errors"], ["--print-new-references"], ["--update-pickle"]])
def test_usage_errors(save, capsys, argv):
    code, _, err = _run(capsys, ["--params", save, "--no-cluster", *argv])
    assert code == 2 and "Error" in err


def test_help():
    assert main(["check-context", "--help"]) == 0


@pytest.mark.cluster
def test_local_cluster_equals_in_process(save, capsys):
    args = ["--params", save, "-q", "--dump-unique-errors", "--compare-source-bestrefs", "--print-new-references"]
    _, in_process, _ = _run(capsys, [*args, "--no-cluster"])
    code, on_cluster, _ = _run(capsys, [*args, "--workers", "2"])
    assert on_cluster == in_process and code == 1
