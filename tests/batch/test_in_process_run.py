"""A job run in this process (no cluster) does not import distributed: dask, asked for its synchronous
scheduler by name, imports it (0.1 s of every in-process check-context) to look for a default client."""
from __future__ import annotations

import subprocess
import sys

_CODE = """
import sys
import dask
import pandas as pd
from crds_batch.batch.cluster import ClusterOptions
from crds_batch.batch.graph import run_partitions

def rows(frame, plan, load):
    return len(frame)

results = run_partitions([dask.delayed(pd.DataFrame({"instrume": ["ACS", "ACS"]}))], None, rows, [],
                         ClusterOptions(synchronous=True))
print(results[0], "distributed" in sys.modules)
"""


def test_a_job_run_in_process_reads_its_partitions_without_importing_distributed():
    done = subprocess.run([sys.executable, "-c", _CODE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2", "False"]
