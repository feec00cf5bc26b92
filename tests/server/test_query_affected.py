"""``get_affected_datasets`` serves ``crds-batch affected --output`` results to ``crds query_affected``."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import CACHE, REPO

from .servers import rpc, run_crds, serving

OLD, NEW = "hst_0728.pmap", "hst_0729.pmap"


@pytest.fixture(scope="module")
def results(hst_store, tmp_path_factory):
    root = tmp_path_factory.mktemp("affected")
    done = subprocess.run([sys.executable, "-m", "crds_batch.cli.main", "affected", "--old-context", OLD,
                           "--new-context", NEW, "--params", str(hst_store), "--no-cluster", "-q",
                           "--output", str(root / "run-0729")],
                          cwd=REPO, env=dict(os.environ, CRDS_PATH=str(CACHE)), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return root, done.stdout.split()


@pytest.fixture(scope="module")
def affected_server(hst_store, results):
    with serving("--observatory", "hst", "--store", str(hst_store), "--affected-results", str(results[0])) as server:
        yield server


def test_query_affected_prints_the_affected_ids(affected_server, results, tmp_path):
    root, ids = results
    assert ids
    done = run_crds("crds.misc.query_affected", "--starting-context", OLD, "--stopping-context", NEW,
                    server_url=affected_server.url, crds_path=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == sorted(ids)
    assert f"crds-batch affected {OLD} --> {NEW}" in done.stderr


def test_defaults_are_the_last_transition(affected_server, results):
    reply = rpc(affected_server, "get_affected_datasets", "hst", None, None)["result"]
    assert {key: reply[key] for key in ("old_context", "new_context", "affected_ids", "bestrefs_status")} == \
        {"old_context": OLD, "new_context": NEW, "affected_ids": results[1], "bestrefs_status": 0}
    assert reply["computation_dir"] == str(results[0] / "run-0729")


def test_missing_results_are_the_text_crds_recognizes(affected_server, tmp_path):
    reply = rpc(affected_server, "get_affected_datasets", "hst", "hst_0727.pmap", OLD)
    assert reply["error"]["message"].startswith("OtherError: No precomputed affected datasets results exist")
    done = run_crds("crds.misc.query_affected", "--starting-context", "hst_0727.pmap", "--stopping-context", OLD,
                    "--ignore-missing-results", server_url=affected_server.url, crds_path=tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == "", done.stderr[-2000:]
    assert "No results for hst_0727.pmap --> hst_0728.pmap" in done.stderr
