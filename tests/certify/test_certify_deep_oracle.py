"""``certify --deep`` with references certified in a process pool, against ``crds certify --deep``.

Two real rmaps of the test cache, each naming references of which one is in
the cache: the parallel run must print exactly the log lines the
one-process run prints, and the same ERROR/WARNING lines and verdict as crds.
"""
from __future__ import annotations

import collections

import pytest

from crds_batch.cli.main import main

from .crds_runner import crds_lines, run_crds, without_fetch_reason

pytestmark = pytest.mark.oracle

RMAPS = ["hst_cos_twozxtab_0266.rmap", "hst_cos_xtractab_0258.rmap"]


def ours(args: list[str], capsys) -> tuple[int, str]:
    """Exit code and the log and summary lines (the progress bar aside)."""
    code = main(["certify", *args])
    lines = capsys.readouterr().err.splitlines()
    return code, "\n".join(line for line in lines if line.startswith(("CRDS - ", "deep summary")))


def test_deep_in_parallel_matches_one_process_and_crds(cache_dir, tmp_path, capsys):
    paths = [str(cache_dir / "mappings" / "hst" / name) for name in RMAPS]
    args = [*paths, "--deep", "--comparison-context", "hst_0729.pmap"]
    parallel_code, parallel = ours([*args, "--jobs", "2"], capsys)
    serial_code, serial = ours([*args, "--jobs", "1"], capsys)
    assert parallel == serial
    assert parallel_code == serial_code
    assert parallel.count("as 'FITS'") == 2, "both cached references are certified"
    assert "deep summary: 4 files certified" in parallel
    theirs = run_crds("crds.certify", args, tmp_path)
    # Both find a comparison table by inserting the new one into the context's rmap, and warn it is not cached
    # (crds, offline, says why its download failed).
    assert "Failed to obtain reference comparison" in parallel
    assert collections.Counter(without_fetch_reason(crds_lines(parallel))) == collections.Counter(
        without_fetch_reason(crds_lines(theirs.stderr)))
    assert parallel_code == (1 if theirs.returncode else 0)
