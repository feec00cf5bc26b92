"""The workflow recipes run end to end with their documented arguments."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from crds_batch.synth import generate, write_save

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"workflow_{name}", WORKFLOWS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def save(tmp_path_factory):
    path = tmp_path_factory.mktemp("workflows") / "hst.json"
    write_save(generate("hst_0729.pmap", 200, seed=41, invalid_fraction=0.1, prior_fraction=0.3), str(path))
    return str(path)


def test_context_regression(save, tmp_path):
    module = _load("context_regression")
    out = tmp_path / "out"
    code = module.main(["--context", "hst_0729.pmap", "--params", save, "--store", str(tmp_path / "store"),
                        "--out", str(out), "--no-cluster"])
    assert code == 1  # the corpus has deliberate faults
    lines = (out / "unique_errors.txt").read_text().splitlines()
    assert lines[0].endswith("unique error classes ====================")
    assert any(" errors like:: instrument=" in line for line in lines)
    assert json.loads((out / "summary.json").read_text())["datasets_processed"] == 200
    report = (out / "report.html").read_text()
    assert 'id="plot-by-year"' in report and "Context check: hst_0729.pmap" in report


def test_context_regression_applies_the_check_context_bundle(save, tmp_path):
    """As `check-context` without flags (crds --check-context): lookups matching no rule are error classes."""
    module = _load("context_regression")
    texts = {}
    for name, extra in (("bundle", []), ("narrowed", ["--undefined-differences-ok"])):
        out = tmp_path / name
        module.main(["--context", "hst_0729.pmap", "--params", save, "--store", str(tmp_path / f"store-{name}"),
                     "--out", str(out), "--no-cluster", *extra])
        texts[name] = (out / "unique_errors.txt").read_text()
        assert (out / "error_classes.csv").exists()
    assert "No match found" in texts["bundle"] and "No match found" not in texts["narrowed"]


def test_nightly_reprocessing_reuses_the_store(save, tmp_path):
    module = _load("nightly_reprocessing")
    store, out = tmp_path / "store", tmp_path / "night"
    args = ["--old-context", "hst_0700.pmap", "--new-context", "hst_0729.pmap", "--store", str(store),
            "--out", str(out), "--all-types", "--no-cluster"]
    module.main(["--params", save, *args])
    affected = (out / "affected.txt").read_text().split()
    assert affected and affected == sorted(affected)
    assert "Affected datasets: hst_0700.pmap" in (out / "report.html").read_text()
    (out / "affected.txt").unlink()
    module.main(args)  # no new parameters tonight: the store as it is
    assert (out / "affected.txt").read_text().split() == affected


@pytest.mark.parametrize("name", ["context_regression", "nightly_reprocessing"])
def test_workflow_help(name):
    run = subprocess.run([sys.executable, str(WORKFLOWS / f"{name}.py"), "--help"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert "--scheduler-address" in run.stdout and "--store" in run.stdout
