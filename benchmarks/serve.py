"""Benchmark: ``crds-batch serve`` answering get_dataset_headers_by_id to concurrent clients.

    python benchmarks/serve.py [--datasets 20000] [--clients 8] [--ids 1000] [--seconds 20] [--workdir DIR]

Generates ``--datasets`` synthetic HST datasets (ACS and WFC3, from
hst_0729.pmap's rules; needs CRDS_PATH on a cache holding it), ingests them,
starts the server on 127.0.0.1, and runs ``--clients`` threads that each post
get_dataset_headers_by_id calls for ``--ids`` random stored ids (as crds's
client does, urllib form content type, new connection per call) for
``--seconds``. Prints requests/s, headers/s, latency percentiles and the
load average before/after (the machine may be shared).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

CONTEXT = "hst_0729.pmap"


def build_store(workdir: str, datasets: int) -> tuple[str, list[str]]:
    from crds_batch.store import Store, ingest
    from crds_batch.synth.generate import generate
    from crds_batch.synth.writer import write_save

    save = os.path.join(workdir, "params.json")
    store = os.path.join(workdir, "store")
    if not os.path.exists(store):
        write_save(generate(CONTEXT, datasets, seed=3, instruments=["acs", "wfc3"]), save)
        ingest([save], store)
    ids = Store(store).scan(columns=["dataset_id"]).column("dataset_id").to_pylist()
    return store, ids


def start_server(store: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", "crds_batch.cli.main", "serve", "--observatory", "hst",
                                "--store", store, "--port", "0"], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        match = re.search(r" at (http://127\.0\.0\.1:\d+)/", line)
        if match:
            threading.Thread(target=lambda: [None for _ in process.stderr], daemon=True).start()
            return process, match.group(1)
    process.kill()
    raise SystemExit("server did not start within 60 s")


def client(url: str, ids: list[str], per_call: int, stop: float, latencies: list[float], counts: list[int],
           seed: int) -> None:
    rng = random.Random(seed)
    while time.monotonic() < stop:
        chunk = rng.sample(ids, min(per_call, len(ids)))
        body = json.dumps({"jsonrpc": "1.0", "method": "get_dataset_headers_by_id",
                           "params": [CONTEXT, chunk, None], "id": "bench"}).encode()
        started = time.monotonic()
        with urllib.request.urlopen(f"{url}/json/get_dataset_headers_by_id/bench/", body, timeout=120) as reply:
            result = json.loads(reply.read())["result"]
        latencies.append(time.monotonic() - started)
        counts.append(len(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=20000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--ids", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="serve-bench-")
    os.makedirs(workdir, exist_ok=True)
    try:
        store, ids = build_store(workdir, args.datasets)
        process, url = start_server(store)
        try:
            load_before = os.getloadavg()[0]
            latencies: list[float] = []
            counts: list[int] = []
            stop = time.monotonic() + args.seconds
            started = time.monotonic()
            threads = [threading.Thread(target=client, args=(url, ids, args.ids, stop, latencies, counts, n))
                       for n in range(args.clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(args.seconds + 180)
            elapsed = time.monotonic() - started
            latencies.sort()
            print(f"store: {len(ids)} datasets; {args.clients} clients x {args.ids} ids per call, {elapsed:.1f} s")
            print(f"requests/s: {len(latencies) / elapsed:.2f}   headers/s: {sum(counts) / elapsed:,.0f}")
            if latencies:
                pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
                print(f"latency s: p50 {pick(0.5):.3f}  p90 {pick(0.9):.3f}  max {latencies[-1]:.3f}")
            print(f"load average (1 min): before {load_before:.2f}, after {os.getloadavg()[0]:.2f}")
        finally:
            process.terminate()
            process.wait(30)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
