"""``crds bestrefs --affected-datasets`` fetching parameters from the server prints the same ids as
``crds-batch affected`` (default mode) on the same store: the like-for-like check of the default mode."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import CACHE, REPO

from .servers import run_crds, serving

PAIRS = [("hst", "hst_0728.pmap", "hst_0729.pmap"), ("jwst", "jwst_0540.pmap", "jwst_0541.pmap")]


def _crds_batch_affected(old: str, new: str, store) -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ, CRDS_PATH=str(CACHE))
    return subprocess.run([sys.executable, "-m", "crds_batch.cli.main", "affected", "--old-context", old,
                           "--new-context", new, "--params", str(store), "--no-cluster", "-q"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize(("observatory", "old", "new"), PAIRS)
def test_same_ids_as_crds_batch_affected(observatory, old, new, request, tmp_path):
    store = request.getfixturevalue(f"{observatory}_store")
    ours = _crds_batch_affected(old, new, store)
    assert ours.returncode in (0, 1), ours.stderr[-2000:]
    with serving("--observatory", observatory, "--store", str(store)) as server:
        cache = tmp_path / "cache"
        synced = run_crds("crds.sync", "--contexts", old, new, server_url=server.url, crds_path=cache,
                          observatory=observatory)
        assert synced.returncode == 0, synced.stderr[-2000:]
        theirs = run_crds("crds.bestrefs", "--affected-datasets", "--old-context", old, "--new-context", new,
                          server_url=server.url, crds_path=cache, observatory=observatory)
        assert "get_dataset_headers_by_id" in server.log_text()
    assert "Dumping dataset parameters" in theirs.stderr, theirs.stderr[-2000:]
    assert theirs.stdout.split() == ours.stdout.split()
    assert ours.stdout.split(), "the pair should affect some of the synthetic datasets"
