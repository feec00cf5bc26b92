"""Benchmark: `crds-batch affected` over a generated HST archive, beside `crds bestrefs`.

    python benchmarks/affected.py --datasets 1000000 --workdir /tmp/bench-affected

Generates (once, cached in --workdir) N HST datasets from hst_0729.pmap and
ingests them into a store, then times the whole `crds-batch affected`
command (cluster start included) for hst_0650 -> hst_0729 with 1 and 2
workers, in the default --diffs-only mode and in --all-types mode. Each mode
is compared with crds doing the same work on two samples of the same archive
(the marginal rate between them, so startup cancels out):

- --diffs-only: crds's own `--diffs-only` (only the changed types), run by
  benchmarks/crds_diffs_only_rate.py (offline crds needs the test harness
  to serve it the headers, as its server would);
- --all-types: `crds bestrefs --old-context --new-context --load-pickles
  --print-affected` (every type), what crds runs offline as is.

Peak memory is the largest summed RSS of the command's process tree
(client + workers); CPU seconds are user + system of all its processes
(reaped children included); the load average (1 minute) is printed before
and after each run, since the machine may be shared. With 1 and 2 workers
the speed-up of the second worker is printed too. The store is ingested once; delete it from --workdir
to measure on a store written by newer ingest code.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import resource

CACHE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "crds-cache-test")


def load_average() -> float:
    return os.getloadavg()[0]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


#: The crds-batch of the interpreter running the benchmark (not whichever is first on PATH).
CRDS_BATCH = str(Path(sys.executable).parent / "crds-batch")


def run_measured(argv: list[str], env: dict) -> tuple[float, int, str]:
    """Run a command; return (wall seconds, peak summed RSS bytes of its process tree, stdout). A command that
    fails (exit status other than 0 or 1, "found errors") ends the benchmark with its last error line: a
    failed run must not be reported as a fast one."""
    # stdout goes to a file: a pipe read only at the end would block a child printing more than its buffer.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=err, text=True)
        parent = psutil.Process(proc.pid)
        peak = 0
        while proc.poll() is None:
            try:
                tree = [parent, *parent.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        if proc.returncode not in (0, 1):
            err.seek(0)
            last = (err.read().strip().splitlines() or ["(no error output)"])[-1]
            raise SystemExit(f"benchmark: {' '.join(argv[:3])} ... exited {proc.returncode}: {last}")
        out.seek(0)
        return seconds, peak, out.read()


def prepare(workdir: str, datasets: int, env: dict) -> tuple[str, str]:
    save = os.path.join(workdir, f"hst_{datasets}.json")
    store = os.path.join(workdir, f"store_{datasets}")
    if not os.path.exists(save):
        print(f"generating {datasets:,} datasets -> {save}", file=sys.stderr)
        subprocess.run([CRDS_BATCH, "synth", "--context", "hst_0729.pmap", "-n", str(datasets), "-o", save,
                        "--seed", "7"], env=env, check=True, stderr=subprocess.DEVNULL)
    if not os.path.exists(os.path.join(store, "manifest.json")):
        print(f"ingesting -> {store}", file=sys.stderr)
        subprocess.run([CRDS_BATCH, "ingest", save, "--store", store, "-q"], env=env, check=True)
    return save, store


def sample(save: str, n: int, workdir: str) -> str:
    path = os.path.join(workdir, f"sample_{n}.json")
    with open(save) as source, open(path, "w") as out:
        for i, line in enumerate(source):
            if i >= n:
                break
            out.write(line)
    return path


HERE = os.path.dirname(os.path.abspath(__file__))


def crds_rate(mode: str, save: str, workdir: str, old: str, new: str, sizes: tuple[int, int], env: dict) -> float:
    """crds's marginal datasets/s doing ``mode``'s work between two sample sizes."""
    times = []
    for n in sizes:
        path = sample(save, n, workdir)
        if mode == "diffs-only":
            argv = [sys.executable, os.path.join(HERE, "crds_diffs_only_rate.py"), path,
                    "--old-context", old, "--new-context", new]
        else:
            argv = [sys.executable, "-m", "crds.bestrefs", "--hst", "--load-pickles", path,
                    "--old-context", old, "--new-context", new, "--print-affected"]
        seconds, _, _ = run_measured(argv, env)
        times.append(seconds)
        print(f"crds ({mode}) on {n:,} datasets: {seconds:.1f} s", file=sys.stderr)
    return (sizes[1] - sizes[0]) / (times[1] - times[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, default=1_000_000)
    parser.add_argument("--workdir", default="/tmp/bench-affected")
    parser.add_argument("--old", default="hst_0650.pmap")
    parser.add_argument("--new", default="hst_0729.pmap")
    parser.add_argument("--crds-samples", default="500,2000", help="two sample sizes for crds's marginal rate")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--modes", default="diffs-only,all-types")
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("CRDS_PATH", os.path.abspath(CACHE))
    env.pop("CRDS_SERVER_URL", None)
    save, store = prepare(args.workdir, args.datasets, env)
    small, large = (int(v) for v in args.crds_samples.split(","))
    rows, baselines = [], {}
    for mode in args.modes.split(","):
        baselines[mode] = baseline = crds_rate(mode, save, args.workdir, args.old, args.new, (small, large), env)
        for workers in (int(w) for w in args.workers.split(",")):
            argv = [CRDS_BATCH, "affected", "--old-context", args.old, "--new-context", args.new,
                    "--params", store, f"--{mode}", "--workers", str(workers), "--quiet"]
            load_before, cpu_before = load_average(), children_cpu()
            seconds, peak, out = run_measured(argv, env)
            cpu, load_after = children_cpu() - cpu_before, load_average()
            rate = args.datasets / seconds
            rows.append({"mode": mode, "workers": workers, "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1),
                         "load": f"{load_before:.1f}->{load_after:.1f}",
                         "datasets_per_s": round(rate), "ratio_vs_crds": round(rate / baseline, 1),
                         "peak_rss_mib": round(peak / 2**20), "affected_products": len(out.splitlines())})
    print(f"\n{args.datasets:,} datasets, {args.old} -> {args.new}; crds's marginal rate doing the same work:")
    for mode, baseline in baselines.items():
        print(f"  crds {mode:<11} {baseline:,.0f} datasets/s")
    print(f"{'mode':<12} {'workers':>7} {'seconds':>8} {'CPU s':>6} {'datasets/s':>11} {'x crds':>7} {'peak RSS':>9} "
          f"{'affected':>9} {'load 1m':>9}")
    for row in rows:
        print(f"{row['mode']:<12} {row['workers']:>7} {row['seconds']:>8} {row['cpu_seconds']:>6} "
              f"{row['datasets_per_s']:>11,} {row['ratio_vs_crds']:>7} {row['peak_rss_mib']:>6} MiB "
              f"{row['affected_products']:>9,} {row['load']:>9}")
    for mode in baselines:
        seconds = {row["workers"]: row["seconds"] for row in rows if row["mode"] == mode}
        if 1 in seconds and 2 in seconds:
            print(f"{mode}: 2 workers vs 1: {seconds[1] / seconds[2]:.2f}x (whole command, cluster start included)")
    print(json.dumps({"datasets": args.datasets, "crds_datasets_per_s": {m: round(b, 1) for m, b in baselines.items()},
                      "runs": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
