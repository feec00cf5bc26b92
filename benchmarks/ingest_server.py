"""Benchmark: headers/s of ``crds-batch ingest --server`` vs ``crds list --dataset-headers`` on one server.

    CRDS_PATH=/path/to/cache python benchmarks/ingest_server.py [--datasets 20000] [--workdir DIR]

Builds (or reuses) the store of benchmarks/serve.py, starts ``crds-batch serve``
on 127.0.0.1, then times, each against that server:
- ``crds-batch ingest --server URL --instruments acs wfc3 --store NEW`` (ids, headers in parallel
  chunks, Parquet store written);
- ``crds list --dataset-ids-for-instruments acs wfc3`` then ``crds list --dataset-headers @ids --json``
  (ids, then headers one chunk at a time, JSON lines written).
Prints seconds and headers/s of each, and the load average (the machine may be shared).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from serve import build_store, start_server  # noqa: E402


def timed(command: list[str], env: dict, stdout) -> float:
    start = time.monotonic()
    subprocess.run(command, env=env, stdout=stdout, stderr=subprocess.DEVNULL, check=True, timeout=3600)
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=20000)
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="ingest-server-bench-")
    os.makedirs(workdir, exist_ok=True)
    store, ids = build_store(workdir, args.datasets)
    process, url = start_server(store)
    try:
        load = os.getloadavg()[0]
        target = os.path.join(workdir, "fetched-store")
        shutil.rmtree(target, ignore_errors=True)
        env = dict(os.environ, CRDS_SERVER_URL=url, CRDS_OBSERVATORY="hst")
        ours = timed([sys.executable, "-m", "crds_batch.cli.main", "ingest", "--server", url, "--instruments", "acs",
                      "wfc3", "--store", target, "-q"], env, subprocess.DEVNULL)
        crds_env = dict(env, CRDS_READONLY_CACHE="1", CRDS_CLIENT_TIMEOUT_SECONDS="600")
        ids_file = os.path.join(workdir, "ids.txt")
        with open(ids_file, "w") as out:
            crds_ids = timed([sys.executable, "-m", "crds.list", "--dataset-ids-for-instruments", "acs", "wfc3"],
                             crds_env, out)
        with open(os.path.join(workdir, "headers.json"), "w") as out:
            crds_headers = timed([sys.executable, "-m", "crds.list", "--dataset-headers", f"@{ids_file}", "--json"],
                                 crds_env, out)
        n = len(ids)
        print(f"datasets {n}, load {load:.1f} -> {os.getloadavg()[0]:.1f}")
        print(f"crds-batch ingest --server: {ours:.1f} s, {n / ours:,.0f} headers/s (ids + headers + store)")
        print(f"crds list (ids + --dataset-headers --json): {crds_ids + crds_headers:.1f} s, "
              f"{n / (crds_ids + crds_headers):,.0f} headers/s (headers alone {n / crds_headers:,.0f}/s)")
    finally:
        process.terminate()
        process.wait(15)


if __name__ == "__main__":
    main()
