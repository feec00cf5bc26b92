"""The embedded default: built-in rules with valid checksums, and the main job on them."""
from __future__ import annotations

import os

from crds_batch.batch.cluster import ClusterOptions
from crds_batch.cli.main import main
from crds_batch.demo import DEMO_NEW_CONTEXT, DEMO_OLD_CONTEXT, write_demo_cache
from crds_batch.demo.run import demo_environment, run_demo
from crds_batch.rules.parsing import check_checksum, parse_mapping
from crds_batch.tools.diff import diff_contexts


def test_demo_rules_are_valid_mappings_and_differ_in_dark_and_flat(tmp_path):
    cache = write_demo_cache(str(tmp_path / "cache"))
    mappings = tmp_path / "cache" / "mappings" / "demo"
    for path in mappings.iterdir():
        check_checksum(parse_mapping(path.read_text(), path.name))
    with demo_environment(cache):
        assert diff_contexts(DEMO_OLD_CONTEXT, DEMO_NEW_CONTEXT).affected_pairs() == [
            ("camera", "dark"), ("camera", "flat")]


def test_demo_run_finds_the_new_dark_and_flat_datasets(tmp_path):
    result = run_demo(str(tmp_path), datasets=3000, cluster=ClusterOptions(synchronous=True), seed=3)
    updates = result.updates
    assert set(updates["filekind"]) == {"dark", "flat"}
    # The new dark applies from 2024-03-01 to WIDE/FAST; the replaced flat to every NARROW/F200 dataset.
    assert set(updates.loc[updates["filekind"] == "dark", "new"]) == {"DEMO_CAMERA_DARK_0005.FITS"}
    assert set(updates.loc[updates["filekind"] == "flat", "new"]) == {"DEMO_CAMERA_FLAT_0101.FITS"}
    assert result.affected_products()
    assert os.path.exists(tmp_path / "results" / "changes.parquet")
    assert os.environ.get("CRDS_PATH", "").endswith("crds-cache-test")  # restored after the run


def test_demo_command_runs_on_a_local_cluster(tmp_path, capsys):
    assert main(["demo", "--workdir", str(tmp_path), "-n", "2000", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "affected products" in out and "camera flat" in out


def test_demo_says_its_errors_are_deliberate_and_what_to_run_next(tmp_path, capsys):
    """Issue 10 §4: the planted errors are explained, exit 0 (documented), and next commands are given."""
    assert main(["demo", "--workdir", str(tmp_path), "-n", "3000", "--no-cluster"]) == 0
    out = capsys.readouterr().out
    assert "errors are deliberate" in out and "--invalid-fraction 0" in out
    assert "Next" in out and f"--params {tmp_path / 'store'}" in out and "check-context" in out


def test_clean_demo_has_no_errors(tmp_path, capsys):
    """--invalid-fraction 0: zero planted faults, zero errors (an error would exit 1)."""
    assert main(["demo", "--workdir", str(tmp_path), "-n", "3000", "--no-cluster", "--invalid-fraction", "0"]) == 0
    out = capsys.readouterr().out
    assert "No errors." in out and "deliberate" not in out


def test_gitignore_covers_the_demo_workdir():
    import subprocess

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ignored = subprocess.run(["git", "-C", root, "check-ignore", "-q", "crds-batch-demo/results/x"], check=False)
    assert ignored.returncode == 0
