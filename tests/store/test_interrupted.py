"""An ingest killed mid-write (SIGKILL) leaves the previous store readable and whole."""
from __future__ import annotations

import glob
import os
import subprocess
import sys
import time

import pytest

from crds_batch.store import Store, ingest
from tests.killing import sigkill_when

from .conftest import acs, write_lines

SCRIPT = """
import sys
from crds_batch.store import ingest
ingest([sys.argv[1]], sys.argv[2], row_group_size=1000, batch_bytes=1 << 16)
"""


def _processes_naming(path: str) -> list[int]:
    """Live processes whose command line names ``path`` (the killed ingest's workers, if any)."""
    found: list[int] = []
    if not os.path.isdir("/proc"):
        return found
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                state = handle.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read()
        except OSError:
            continue
        if state[0] != "Z" and path.encode() in cmdline.split(b"\0"):
            found.append(int(entry))
    return found


@pytest.mark.parametrize("moment", [
    os.path.join(".staging-*", "*", "*", "*.parquet"),  # the new data files are being written
    os.path.join("gen-*", "*", "*", "compact-*.parquet"),  # the small files are being rewritten (compact)
])
def test_sigkill_mid_ingest_keeps_previous_store(tmp_path, moment):
    store = str(tmp_path / "store")
    ingest([write_lines(tmp_path / "first.json", [acs(i) for i in range(100)])], store)
    before = Store(store)
    expected = before.scan().sort_by("dataset_id").to_pylist()
    big = write_lines(tmp_path / "big.json", [acs(i, CCDAMP="C") for i in range(60_000)])
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, big, store])
    sigkill_when(proc, os.path.join(store, moment))  # as soon as the ingest reaches the moment
    # Its worker processes do not outlive it (they would wait on their task pipe forever).
    deadline = time.monotonic() + 30
    while _processes_naming(store) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _processes_naming(store)
    after = Store(store)
    assert after.manifest == before.manifest
    assert after.scan().sort_by("dataset_id").to_pylist() == expected
    # The next ingest cleans the leftovers and succeeds.
    report = ingest([write_lines(tmp_path / "more.json", [acs(500)])], store)
    assert report.datasets == 101
    assert not glob.glob(os.path.join(store, ".staging-*"))
