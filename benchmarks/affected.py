"""Benchmark: every issue-15 figure in one run: `crds-batch affected`, `bestrefs --load-pickles` and
`check-context` over a generated HST archive, each beside crds doing the same work in the same run.

    python benchmarks/affected.py --datasets 1000000 --workdir /tmp/bench-affected
        [--tools affected,bestrefs,check-context] [--check-clusters default,2] [--runs 3]
        [--single-datasets 1000000]   # bestrefs and check-context over a store of their own size

The issue's figures in one run: `--datasets 10000000 --single-datasets 1000000 --runs 5 --crds-samples 500,12000`
(more runs and crds's larger sample give steadier ratios; about half an hour on 2 cores).

Generates (once, cached in --workdir) N HST datasets from hst_0729.pmap and
ingests them into a store, then times the whole `crds-batch affected`
command (cluster start included) for hst_0650 -> hst_0729 with 1 and 2
workers, in the default --diffs-only mode and in --all-types mode (--runs N: each N times, the worker
counts in turn, the run of median seconds reported with every run's seconds listed). Each mode
is compared with crds doing the same work on two samples drawn evenly through
the same archive (every k-th dataset: the store's mix of instruments;
--crds-samples, default 500 and 4,000), the marginal rate between them, so
startup cancels out; each sample is run --crds-runs times (default 3) and its
fastest run counts (on a shared machine noise only adds time). The affected runs come in rounds: each
round runs crds's samples once (while rounds < --crds-runs) and then each crds-batch command once (while
rounds < --runs), so that a change of the host's speed during the benchmark falls on both sides alike.
Beside the table's ratio (crds-batch's median run against crds's fastest runs), each affected row
gets a line with the same statistic on both sides: its fastest run against crds's rate from each
sample's fastest run, its median run against crds's rate from each sample's median run:

- --diffs-only: crds's own `--diffs-only` (only the changed types), run by
  benchmarks/crds_diffs_only_rate.py (offline crds needs the test harness
  to serve it the headers, as its server would); with --crds-served (default) also
  crds's `bestrefs --affected-datasets` fetching the samples' parameters from
  `crds-batch serve` on 127.0.0.1 (each sample ingested into a store of its own), printed as its own rate and
  ratios (the table's ratios stay against the harness's rate, which has no HTTP and is the faster);
- --all-types: `crds bestrefs --old-context --new-context --load-pickles
  --print-affected` (every type), what crds runs offline as is.

Peak memory is the largest summed RSS of the command's process tree
(client + workers); CPU seconds are user + system of all its processes
(reaped children, or the tree's processes sampled, whichever is more: see run_measured); the load average (1 minute) is printed before
and after each run, since the machine may be shared. With 1 and 2 workers
the speed-up of the second worker is printed too, whole and without the
LocalCluster's start (timed on its own for 1 and 2 workers, after the job's planning as in the command),
from the moment the workers were ready (the affected runs' own `--stats`: the workers' fork server starts with
the command and imports while the client imports and plans, so the cluster is ready ~0.8 s after the start),
and the partition tasks alone (from then to the last result), and what this machine allows: the same
in-process job (`affected --no-cluster` over one instrument of the store, --probe-instrument) run alone and
as two copies at once (--probe-pairs times each), the CPU seconds one copy takes in each case, and the
speed-up two processes could have at most when each runs that much slower beside the other
(2 x alone / together), before any serial part. The store is ingested once; delete it from --workdir
to measure on a store written by newer ingest code.

With --kept both (the default) or only, the affected runs are also made (or only made) over a copy of the
store (its files hard-linked, made afresh beside it) that keeps the old context's results: `crds-batch
keep-results OLD` is timed on it (a row of its own), and those runs' modes read `diffs-only+kept` and
`all-types+kept`; --kept none measures the store as ingested only. The row `keep-new` is diffs-only over a
fresh copy of that store with `--keep-new-results` (the job also keeping the new context's results).

`bestrefs` times `crds-batch bestrefs --load-pickles STORE --new-context NEW` (one process);
`check-context` times `crds-batch check-context --params STORE --new-context NEW` once per
--check-clusters entry (`default`: no cluster option, the command's own choice; `no-cluster`; or N
for `--workers N`). crds's rate for them is `python -m crds.bestrefs --hst --load-pickles SAMPLE
--new-context NEW [--check-context]` on two samples drawn evenly through the whole save
(--crds-check-samples, default 20 and 2,000 datasets: the marginal rate, start-up cancelled; fastest of
--crds-runs each).

Each row gives wall seconds, CPU seconds of all the command's processes, datasets per wall second and
per CPU second, and both ratios to crds's marginal rate (per wall second and per CPU second, crds's
measured the same way); on a shared machine compare the CPU ratio.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
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


def run_measured(argv: list[str], env: dict, cwd: str | None = None) -> tuple[float, int, str, float, str]:
    """Run a command; return (wall seconds, peak summed RSS bytes of its process tree, stdout, CPU seconds of
    the tree, stderr). A command that fails (exit status other than 0 or 1, "found errors") ends the benchmark with its
    last error line: a failed run must not be reported as a fast one.

    CPU seconds: the larger of the children's resource usage (every descendant reaped on the way back
    here) and the sum over the tree's processes of their own user + system time, sampled with the memory
    (the LocalCluster's workers are forked by a fork server that nobody reaps before it exits; a process's
    last ~0.1 s may be missed).
    """
    # stdout goes to a file: a pipe read only at the end would block a child printing more than its buffer.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        cpu_before = children_cpu()
        started = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=err, text=True, cwd=cwd)
        parent = psutil.Process(proc.pid)
        peak, own_cpu = 0, {}
        while proc.poll() is None:
            try:
                tree = [parent, *parent.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
                for p in tree:
                    times = p.cpu_times()
                    own_cpu[p.pid] = times.user + times.system
            except psutil.Error:
                pass
            try:  # the next sample in 0.1 s, or the exit as soon as it comes (a sleep would add up to 0.1 s)
                proc.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                pass
        seconds = time.perf_counter() - started
        cpu = max(children_cpu() - cpu_before, sum(own_cpu.values()))
        if proc.returncode not in (0, 1):
            err.seek(0)
            last = (err.read().strip().splitlines() or ["(no error output)"])[-1]
            raise SystemExit(f"benchmark: {' '.join(argv[:3])} ... exited {proc.returncode}: {last}")
        out.seek(0)
        err.seek(0)
        return seconds, peak, out.read(), cpu, err.read()


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


def kept_copy(store: str, suffix: str = "_kept") -> str:
    """A fresh copy of ``store`` (its files hard-linked: keeping results only adds files and replaces the
    manifest) for `crds-batch keep-results OLD` to keep the old context's results in, from nothing (a copy
    already keeping them would have them taken, not evaluated), or for `affected --keep-new-results`."""
    import shutil

    copy = f"{store}{suffix}"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(store, copy, copy_function=os.link)
    return copy


HERE = os.path.dirname(os.path.abspath(__file__))


def spread_sample(save: str, datasets: int, n: int, workdir: str) -> str:
    """``n`` datasets drawn evenly through the whole save (every k-th line: every instrument, as the store)."""
    path = os.path.join(workdir, f"sample_spread_{datasets}_{n}.json")
    if not os.path.exists(path):
        step = max(datasets // n, 1)
        with open(save) as source, open(path + ".tmp", "w") as out:
            kept = 0
            for i, line in enumerate(source):
                if i % step == 0 and kept < n:
                    out.write(line)
                    kept += 1
        os.replace(path + ".tmp", path)
    return path


def crds_command(tool: str, path: str, old: str, new: str) -> list[str]:
    """crds doing ``tool``'s work on the save ``path``."""
    if tool == "diffs-only":
        return [sys.executable, os.path.join(HERE, "crds_diffs_only_rate.py"), path,
                "--old-context", old, "--new-context", new]
    if tool == "all-types":
        return [sys.executable, "-m", "crds.bestrefs", "--hst", "--load-pickles", path,
                "--old-context", old, "--new-context", new, "--print-affected"]
    argv = [sys.executable, "-m", "crds.bestrefs", "--hst", "--load-pickles", path, "--new-context", new]
    return argv + (["--check-context"] if tool == "check-context" else [])


def crds_served_round(samples: list[tuple[int, str]], old: str, new: str, env: dict, workdir: str) -> list[float]:
    """One run of crds's own ``bestrefs --affected-datasets`` (the issue's baseline of the default mode) on each
    sample, fetching its dataset parameters from ``crds-batch serve`` (the sample ingested into a store of its
    own, served on 127.0.0.1 with the same cache): the wall seconds of each. The client's cache holds the two
    contexts' rules (``crds sync`` from that server, once)."""
    sys.path.insert(0, os.path.dirname(HERE))
    from tests.server.servers import run_crds, serving

    client_cache = os.path.join(workdir, "crds_client_cache")
    walls = []
    for n, path in samples:
        store = os.path.join(workdir, f"store_of_{os.path.basename(path)[:-len('.json')]}")
        if not os.path.exists(os.path.join(store, "manifest.json")):
            subprocess.run([CRDS_BATCH, "ingest", path, "--store", store, "-q"], env=env, check=True)
        with serving("--observatory", "hst", "--store", store) as server:
            if not os.path.isdir(os.path.join(client_cache, "mappings")):
                synced = run_crds("crds.sync", "--contexts", old, new, server_url=server.url, crds_path=client_cache)
                if synced.returncode:
                    raise SystemExit(f"benchmark: crds sync from crds-batch serve failed: {synced.stderr[-500:]}")
            started = time.perf_counter()
            done = run_crds("crds.bestrefs", "--affected-datasets", "--old-context", old, "--new-context", new,
                            server_url=server.url, crds_path=client_cache)
            walls.append(time.perf_counter() - started)
            if done.returncode not in (0, 1) or "Dumping dataset parameters" not in done.stderr:
                raise SystemExit(f"benchmark: crds --affected-datasets through crds-batch serve failed: "
                                 f"{done.stderr[-500:]}")
            print(f"crds (--affected-datasets through crds-batch serve) on {n:,} datasets: {walls[-1]:.1f} s",
                  file=sys.stderr)
    return walls


def crds_round(tool: str, samples: list[tuple[int, str]], old: str, new: str, env: dict
               ) -> list[tuple[float, float]]:
    """One run of crds doing ``tool``'s work on each sample ``(size, path)``, in the samples' directory (crds
    --check-context writes *_errors.ids there): (wall seconds, CPU seconds) of each."""
    measured = []
    for n, path in samples:
        path = os.path.abspath(path)
        seconds, _, _, used, _ = run_measured(crds_command(tool, path, old, new), env, cwd=os.path.dirname(path))
        measured.append((seconds, used))
        print(f"crds ({tool}) on {n:,} datasets: {seconds:.1f} s, {used:.1f} CPU-s", file=sys.stderr)
    return measured


def marginal_rate(samples: list[tuple[int, str]], seconds: list[list[float]], statistic=min) -> float:
    """Datasets per second between the two samples, from ``statistic`` of each sample's runs' ``seconds`` (its
    start-up cancels out)."""
    (n1, _), (n2, _) = samples
    return (n2 - n1) / (statistic(seconds[1]) - statistic(seconds[0]))


def crds_rate(tool: str, samples: list[tuple[int, str]], old: str, new: str, env: dict,
              runs: int) -> tuple[float, float]:
    """crds's marginal (datasets per wall second, datasets per CPU second) doing ``tool``'s work between two
    samples ``(size, path)``: each sample runs ``runs`` times (the samples in turn); its fastest wall and CPU
    times count."""
    rounds = [crds_round(tool, samples, old, new, env) for _run in range(runs)]
    return crds_rates(samples, rounds)


def crds_rates(samples: list[tuple[int, str]], rounds: list[list[tuple[float, float]]], statistic=min
               ) -> tuple[float, float]:
    """(datasets per wall second, per CPU second) between the samples, from :func:`crds_round`'s ``rounds``."""
    walls = [[run[index][0] for run in rounds] for index in range(len(samples))]
    cpus = [[run[index][1] for run in rounds] for index in range(len(samples))]
    return marginal_rate(samples, walls, statistic), marginal_rate(samples, cpus, statistic)


def measure(tool: str, mode: str, workers, argv: list[str], datasets: int, baseline: tuple[float, float],
            env: dict) -> dict:
    """One crds-batch command, run and measured: a row of the table."""
    return measure_alternated([(tool, mode, workers, argv)], datasets, baseline, env, 1)[0]


def measure_alternated(commands: list[tuple], datasets: int, baseline: tuple[float, float], env: dict,
                       runs: int) -> list[dict]:
    """``commands`` ((tool, mode, workers, argv) each), each run ``runs`` times, one after the other in turn (a
    change of the host's speed falls on all of them alike): a row per command (:func:`command_rows`)."""
    measured: list[list[tuple]] = [[] for _ in commands]
    for _ in range(runs):
        measure_round(commands, env, measured)
    return command_rows(commands, measured, datasets, baseline)


def measure_round(commands: list[tuple], env: dict, measured: list[list[tuple]]) -> None:
    """Each of ``commands`` run once, in turn; its measures appended to its list in ``measured``."""
    for index, (_tool, _mode, _workers, argv) in enumerate(commands):
        load_before = load_average()
        seconds, peak, out, cpu, err = run_measured(argv, env)
        measured[index].append((seconds, peak, len(out.splitlines()), cpu, load_before, load_average(),
                                job_stats(err)))


def command_rows(commands: list[tuple], measured: list[list[tuple]], datasets: int,
                 baseline: tuple[float, float]) -> list[dict]:
    """A row per command, of its run of median seconds (``seconds_runs``: every run's seconds)."""
    rows = []
    for (tool, mode, workers, _argv), results in zip(commands, measured):
        ordered = sorted(results)
        seconds, peak, lines, cpu, load_before, load_after, stats = ordered[(len(ordered) - 1) // 2]
        rate, cpu_rate = datasets / seconds, datasets / cpu
        rows.append({"tool": tool, "mode": mode, "workers": workers, "seconds": round(seconds, 1),
                     "cpu_seconds": round(cpu, 1), "load": f"{load_before:.1f}->{load_after:.1f}",
                     "datasets_per_s": round(rate), "ratio_vs_crds": round(rate / baseline[0], 1),
                     "datasets_per_cpu_s": round(cpu_rate), "ratio_vs_crds_cpu": round(cpu_rate / baseline[1], 1),
                     "peak_rss_mib": round(peak / 2**20), "output_lines": lines,
                     "seconds_runs": [round(result[0], 1) for result in results], "datasets": datasets, **stats})
    return rows


_JOB_STATS = re.compile(r"^STATS: \d+ partitions on a Dask cluster of \d+ workers: ready after ([\d.]+) s, "
                        r"tasks ([\d.]+) s$", re.MULTILINE)


def job_stats(err: str) -> dict:
    """From a command's ``--stats`` lines: when its cluster had its workers (seconds after its start) and its
    tasks' seconds from then to the last result ({} without them)."""
    found = _JOB_STATS.search(err)
    return {"ready_s": float(found.group(1)), "tasks_s": float(found.group(2))} if found else {}


def like_for_like(row: dict, seconds: list[float], crds_fastest: float, crds_median: float,
                  served_fastest: float | None = None, served_median: float | None = None) -> dict:
    """A row's ratios with the same statistic of the runs on both sides: its fastest run against crds's rate from
    each sample's fastest run, its median run against crds's rate from each sample's median run (and the same
    against crds served, when measured)."""
    fastest, median = min(seconds), statistics.median(seconds)
    found = {"fastest_s": round(fastest, 2), "median_s": round(median, 2),
             "fastest_vs_crds": round(row["datasets"] / fastest / crds_fastest, 1),
             "median_vs_crds": round(row["datasets"] / median / crds_median, 1)}
    if served_fastest is not None:
        found["fastest_vs_served"] = round(row["datasets"] / fastest / served_fastest, 1)
        found["median_vs_served"] = round(row["datasets"] / median / served_median, 1)
    return found


def check_cluster_options(entry: str) -> tuple[str, list[str]]:
    """A --check-clusters entry: (its label, its check-context options)."""
    if entry == "default":
        return "default", []
    if entry == "no-cluster":
        return "no-cluster", ["--no-cluster"]
    return f"workers {int(entry)}", ["--workers", entry]


TOOLS = ("affected", "bestrefs", "check-context")


#: Starts and closes crds-batch's own LocalCluster of N workers (argv[1]) as `affected` (argv[2], argv[3]: the
#: contexts) starts it: its workers' fork server first, from the command line (crds_batch.batch.worker_start),
#: then the imports and the job's planning, then the cluster; prints the seconds the cluster's start took (what
#: the command waits for it).
CLUSTER_START = ("import sys, time; from crds_batch.batch.worker_start import start_for_command_line; "
                 "start_for_command_line(['--workers', sys.argv[1]]); from distributed import Client; "
                 "from crds_batch.batch.cluster import ClusterOptions, prepare_local_workers, start_local_cluster; "
                 "from crds_batch.batch.plan import AffectedRequest, plan_affected; "
                 "options = ClusterOptions(n_workers=int(sys.argv[1])); prepare_local_workers(options, 10**9); "
                 "plan_affected(AffectedRequest(sys.argv[2], sys.argv[3])); "
                 "t = time.perf_counter(); cluster = start_local_cluster(options); "
                 "client = Client(cluster, set_as_default=False); print(time.perf_counter() - t); "
                 "client.close(); cluster.close()")


def cluster_start_seconds(workers: int, env: dict, old: str, new: str) -> float:
    """Wall seconds crds-batch's LocalCluster of ``workers`` takes to start in `affected` (measured on its own,
    once)."""
    done = subprocess.run([sys.executable, "-c", CLUSTER_START, str(workers), old, new], env=env,
                          capture_output=True, text=True, check=True, timeout=300)
    return float(done.stdout.split()[-1])


def two_at_once(argv: list[str], env: dict, pairs: int) -> tuple[float, float]:
    """(CPU seconds of ``argv`` run alone, CPU seconds of one of two copies run at once), each the median over
    ``pairs`` runs (alone, then two together, alternated), from the processes' own resource usage."""
    def start():
        return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def cpu_of(proc) -> float:
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"benchmark: {' '.join(argv[:3])} ... exited {proc.returncode}")
        return usage.ru_utime + usage.ru_stime

    alone, together = [], []
    for _ in range(pairs):
        alone.append(cpu_of(start()))
        both = [start(), start()]
        together.extend(cpu_of(proc) for proc in both)
    return statistics.median(alone), statistics.median(together)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, default=1_000_000)
    parser.add_argument("--workdir", default="/tmp/bench-affected")
    parser.add_argument("--old", default="hst_0650.pmap")
    parser.add_argument("--new", default="hst_0729.pmap")
    parser.add_argument("--crds-samples", default="500,4000", help="two sample sizes for crds's marginal rate (affected)")
    parser.add_argument("--crds-runs", type=int, default=3, help="runs of each crds sample (the fastest counts)")
    parser.add_argument("--workers", default="1,2", help="affected: its runs' --workers")
    parser.add_argument("--runs", type=int, default=1,
                        help="affected: runs of each --workers, in turn; the run of median seconds counts")
    parser.add_argument("--modes", default="diffs-only,all-types", help="affected: its modes")
    parser.add_argument("--kept", default="both", choices=("none", "only", "both"),
                        help="affected: over the store as ingested (none), over a copy keeping the old context's "
                             "results (only: `crds-batch keep-results OLD`, timed), or both")
    parser.add_argument("--tools", default=",".join(TOOLS), help="which commands to measure (default: all)")
    parser.add_argument("--check-clusters", default="default",
                        help="check-context runs: default (no cluster option), no-cluster, or N (--workers N)")
    parser.add_argument("--probe-instrument", default="stis",
                        help="affected with 1 and 2 workers: the instrument of the two-at-once probe ('' skips it)")
    parser.add_argument("--probe-pairs", type=int, default=3, help="runs alone and two at once of the probe")
    parser.add_argument("--crds-served", action=argparse.BooleanOptionalAction, default=True,
                        help="affected diffs-only: also crds's own --affected-datasets fetching the samples' "
                             "parameters from crds-batch serve, and the ratios against that rate")
    parser.add_argument("--single-datasets", type=int, default=None,
                        help="bestrefs and check-context: the size of their own store (default: --datasets; the "
                             "issue measures them at 1,000,000 and affected at 10,000,000)")
    parser.add_argument("--crds-check-samples", default="20,2000",
                        help="two sample sizes for crds's marginal rate (bestrefs, check-context)")
    args = parser.parse_args()
    tools = args.tools.split(",")
    unknown = set(tools) - set(TOOLS)
    if unknown:
        parser.error(f"--tools: unknown {', '.join(sorted(unknown))} (known: {', '.join(TOOLS)})")
    os.makedirs(args.workdir, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("CRDS_PATH", os.path.abspath(CACHE))
    env.pop("CRDS_SERVER_URL", None)
    save, store = prepare(args.workdir, args.datasets, env)
    rows, baselines, served_rate = [], {}, None
    if "affected" in tools:
        sizes = [int(v) for v in args.crds_samples.split(",")]
        samples = [(n, spread_sample(save, args.datasets, n, args.workdir)) for n in sizes]
        stores = {"none": [("", store)], "only": [], "both": [("", store)]}[args.kept]
        if args.kept != "none":
            kept_store = kept_copy(store)
            argv = [CRDS_BATCH, "keep-results", args.old, "--store", kept_store, "--workers", "2", "--quiet"]
            rows.append(measure("keep-results", "all types", 2, argv, args.datasets, (float("nan"),) * 2, env))
            stores.append(("+kept", kept_store))
        for mode in args.modes.split(","):
            commands = [("affected", mode + label, workers,
                         [CRDS_BATCH, "affected", "--old-context", args.old, "--new-context", args.new,
                          "--params", path, f"--{mode}", "--workers", str(workers), "--quiet", "--stats"])
                        for label, path in stores for workers in (int(w) for w in args.workers.split(","))]
            served = args.crds_served and mode == "diffs-only"
            # Rounds: crds's samples (and served samples) and then each command once, so that a change of the
            # host's speed falls on both sides alike.
            crds_rounds, served_rounds, measured = [], [], [[] for _ in commands]
            for round_number in range(max(args.runs, args.crds_runs)):
                if round_number < args.crds_runs:
                    crds_rounds.append(crds_round(mode, samples, args.old, args.new, env))
                    if served:
                        served_rounds.append(crds_served_round(samples, args.old, args.new, env, args.workdir))
                if round_number < args.runs:
                    measure_round(commands, env, measured)
            baselines[mode] = baseline = crds_rates(samples, crds_rounds)
            mode_rows = command_rows(commands, measured, args.datasets, baseline)
            crds_median = crds_rates(samples, crds_rounds, statistic=statistics.median)[0]
            served_rates: tuple = ()
            if served:
                served_seconds = [[run[index] for run in served_rounds] for index in range(len(samples))]
                served_rates = (marginal_rate(samples, served_seconds),
                                marginal_rate(samples, served_seconds, statistics.median))
                served_rate = served_rates[0]
            for row, results in zip(mode_rows, measured):
                row["like_for_like"] = like_for_like(row, [result[0] for result in results], baseline[0], crds_median,
                                                     *served_rates)
            rows.extend(mode_rows)
        if args.kept != "none" and "diffs-only" in args.modes.split(","):
            # The delivery's one command: diffs-only from the kept store, keeping the new context's results.
            argv = [CRDS_BATCH, "affected", "--old-context", args.old, "--new-context", args.new, "--params",
                    kept_copy(kept_store, "_keeping"), "--diffs-only", "--workers", "2", "--keep-new-results", "--quiet"]
            rows.append(measure("affected", "keep-new", 2, argv, args.datasets, (float("nan"),) * 2, env))
    single = [tool for tool in ("bestrefs", "check-context") if tool in tools]
    single_datasets = args.single_datasets or args.datasets
    if single:
        single_save, single_store = ((save, store) if single_datasets == args.datasets
                                     else prepare(args.workdir, single_datasets, env))
        sizes = [int(v) for v in args.crds_check_samples.split(",")]
        samples = [(n, spread_sample(single_save, single_datasets, n, args.workdir)) for n in sizes]
    if "bestrefs" in tools:
        baselines["bestrefs"] = baseline = crds_rate("bestrefs", samples, args.old, args.new, env, args.crds_runs)
        argv = [CRDS_BATCH, "bestrefs", "--load-pickles", single_store, "--new-context", args.new]
        rows.append(measure("bestrefs", "load-pickles", 1, argv, single_datasets, baseline, env))
    if "check-context" in tools:
        baselines["check-context"] = baseline = crds_rate("check-context", samples, args.old, args.new, env,
                                                          args.crds_runs)
        for entry in args.check_clusters.split(","):
            label, options = check_cluster_options(entry)
            argv = [CRDS_BATCH, "check-context", "--params", single_store, "--new-context", args.new, *options]
            rows.append(measure("check-context", label, options[1] if options[:1] == ["--workers"] else label,
                                argv, single_datasets, baseline, env))
    others = f"the others: {args.new}"
    if single and single_datasets != args.datasets:
        others += f", {single_datasets:,} datasets"
    print(f"\n{args.datasets:,} datasets, {args.old} -> {args.new} (affected; {others}); "
          "crds's marginal rate doing the same work:")
    for mode, (wall_rate, cpu_rate) in baselines.items():
        print(f"  crds {mode:<13} {wall_rate:,.0f} datasets/s, {cpu_rate:,.0f} datasets/CPU-s")
    if served_rate:
        print(f"  crds --affected-datasets through crds-batch serve: {served_rate:,.0f} datasets/s")
    print(f"{'tool':<13} {'mode':<16} {'workers':>10} {'seconds':>8} {'CPU s':>6} {'datasets/s':>11} {'x crds':>7} "
          f"{'/CPU-s':>9} {'x crds CPU':>10} {'peak RSS':>9} {'out lines':>9} {'load 1m':>9}")
    for row in rows:
        print(f"{row['tool']:<13} {row['mode']:<16} {row['workers']:>10} {row['seconds']:>8} {row['cpu_seconds']:>6} "
              f"{row['datasets_per_s']:>11,} {row['ratio_vs_crds']:>7} {row['datasets_per_cpu_s']:>9,} "
              f"{row['ratio_vs_crds_cpu']:>10} {row['peak_rss_mib']:>6} MiB {row['output_lines']:>9,} {row['load']:>9}")
    for row in rows:
        if len(row.get("seconds_runs", ())) > 1:
            print(f"{row['tool']} {row['mode']} {row['workers']} worker(s): runs of "
                  f"{', '.join(map(str, row['seconds_runs']))} s (the median's row above)")
    for row in rows if served_rate else ():
        if row["tool"] == "affected" and row["mode"].startswith("diffs-only"):
            print(f"{row['mode']} {row['workers']} worker(s): {row['datasets_per_s'] / served_rate:,.1f}x crds "
                  "--affected-datasets through crds-batch serve")
    for row in rows:
        found = row.get("like_for_like")
        if found:
            served_text = (f"; through crds-batch serve {found['fastest_vs_served']:,.0f}x and "
                           f"{found['median_vs_served']:,.0f}x" if "fastest_vs_served" in found else "")
            print(f"{row['mode']} {row['workers']} worker(s), the same statistic on both sides: fastest run "
                  f"{found['fastest_s']:.1f} s vs crds's fastest {found['fastest_vs_crds']:,.0f}x, median run "
                  f"{found['median_s']:.1f} s vs crds's median {found['median_vs_crds']:,.0f}x{served_text}")
    starts, probe = {}, None
    modes = sorted({row["mode"] for row in rows if row["tool"] == "affected"}, key=lambda mode: (len(mode), mode))
    for mode in modes:
        runs = {row["workers"]: row for row in rows if row["tool"] == "affected" and row["mode"] == mode}
        seconds = {workers: row["seconds"] for workers, row in runs.items()}
        if 1 in seconds and 2 in seconds:
            if not starts:
                starts = {n: cluster_start_seconds(n, env, args.old, args.new) for n in (1, 2)}
            net = (seconds[1] - starts[1]) / (seconds[2] - starts[2])
            print(f"{mode}: 2 workers vs 1: {seconds[1] / seconds[2]:.2f}x (whole command, cluster start included); "
                  f"{net:.2f}x without the LocalCluster's start ({starts[1]:.1f} s for 1 worker, {starts[2]:.1f} s "
                  "for 2, measured on their own)")
            if all("ready_s" in runs[n] for n in (1, 2)):
                ready = {n: runs[n]["ready_s"] for n in (1, 2)}
                print(f"{mode}: 2 workers vs 1 from the workers being ready: "
                      f"{(seconds[1] - ready[1]) / (seconds[2] - ready[2]):.2f}x (ready {ready[1]:.2f} s and "
                      f"{ready[2]:.2f} s after the start, the same runs' --stats: the client's imports and planning "
                      f"overlap the workers' start); the tasks alone {runs[1]['tasks_s'] / runs[2]['tasks_s']:.2f}x "
                      f"({runs[1]['tasks_s']:.2f} s and {runs[2]['tasks_s']:.2f} s)")
            if probe is None and args.probe_instrument:
                argv = [CRDS_BATCH, "affected", "--old-context", args.old, "--new-context", args.new, "--params", store,
                        "--all-types", "--instruments", args.probe_instrument, "--no-cluster", "--quiet"]
                probe = two_at_once(argv, env, args.probe_pairs)
                print(f"machine: one in-process job (affected --all-types --instruments {args.probe_instrument}) took "
                      f"{probe[0]:.2f} CPU-s alone and {probe[1]:.2f} CPU-s as one of two at once (median of "
                      f"{args.probe_pairs}; {probe[1] / probe[0] - 1:+.0%}): two processes here can be at most "
                      f"{2 * probe[0] / probe[1]:.2f}x one, before any serial part")
    print(json.dumps({"datasets": args.datasets,
                      "crds_datasets_per_s": {m: round(b[0], 1) for m, b in baselines.items()},
                      "crds_datasets_per_cpu_s": {m: round(b[1], 1) for m, b in baselines.items()},
                      **({"crds_served_datasets_per_s": round(served_rate, 1)} if served_rate else {}),
                      "runs": rows,
                      **({"two_at_once_cpu_s": {"alone": round(probe[0], 2), "together": round(probe[1], 2)}}
                         if probe else {})}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
