"""Benchmark: files/s and MB/s of ``crds-batch sync`` vs ``crds sync`` (13.2.7) from one local server,
and a sha1 re-check of the unchanged cache, first and second run.

    python benchmarks/sync.py [--instrument stis] [--workdir DIR] [--parallel 8]

Builds a served HST cache (tests/sync/cachegen.py: one context, hst_0729.pmap's rules of the
instrument, every reference a small real FITS file; STIS: 2,820 files), starts
``crds-batch serve`` on 127.0.0.1, then syncs the context with its references into two empty caches:
``crds sync --hst --contexts hst_0001.pmap --fetch-references`` and the same ``crds-batch sync``.
Then ``--check-sha1sum`` of the crds-batch cache twice (the second reads the sha1 record), and
``crds sync --check-sha1sum`` of the crds cache once. Prints seconds, files/s, MB/s and the load
average (the machine may be shared).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.server.servers import client_env, serving  # noqa: E402
from tests.sync.cachegen import build_cache  # noqa: E402


def timed(command: list[str], env: dict) -> float:
    start = time.monotonic()
    done = subprocess.run(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          timeout=7200)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:6])}... failed: {done.stderr[-1000:]}")
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instrument", default="stis")
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--parallel", type=int, default=8)
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="sync-bench-"))
    served = workdir / "served"
    if not (served / "mappings").exists():
        build_cache(served, instruments=(args.instrument,), contexts={"hst_0001.pmap": "hst_0729.pmap"},
                    operational="hst_0001.pmap")
    files = [p for p in served.rglob("*") if p.is_file() and "config" not in p.parts]
    nbytes = sum(p.stat().st_size for p in files)
    with serving("--observatory", "hst", cache=served) as server:
        time.sleep(2)  # the server hashes its references at startup
        load = os.getloadavg()[0]
        results = {}
        for name in ("theirs", "ours"):
            shutil.rmtree(workdir / name, ignore_errors=True)
            (workdir / name).mkdir()
        sync = ["--contexts", "hst_0001.pmap", "--fetch-references"]
        env = lambda name: client_env(server.url, workdir / name, "hst", CRDS_LOCK_PATH=str(workdir))  # noqa: E731
        results["crds sync"] = timed([sys.executable, "-m", "crds.sync", "--hst", *sync], env("theirs"))
        ours = [sys.executable, "-m", "crds_batch.cli.main", "sync", *sync, "--parallel", str(args.parallel)]
        results[f"crds-batch sync --parallel {args.parallel}"] = timed(ours, env("ours"))
        check = ["--check-sha1sum"]
        results["crds-batch --check-sha1sum, first"] = timed(ours + check, env("ours"))
        results["crds-batch --check-sha1sum, second"] = timed(ours + check, env("ours"))
        results["crds sync --check-sha1sum"] = timed([sys.executable, "-m", "crds.sync", "--hst", *sync, *check],
                                                     env("theirs"))
    print(f"{len(files)} files, {nbytes / 1e6:.1f} MB; load {load:.1f} -> {os.getloadavg()[0]:.1f}; "
          f"{os.cpu_count()} CPUs")
    print("| run | seconds | files/s | MB/s |\n| --- | ---: | ---: | ---: |")
    for name, seconds in results.items():
        print(f"| {name} | {seconds:.1f} | {len(files) / seconds:,.0f} | {nbytes / 1e6 / seconds:.2f} |")


if __name__ == "__main__":
    main()
