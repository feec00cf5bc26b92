"""Benchmark: columnar best references vs crds, on generated HST parameter sets.

Usage::

    CRDS_PATH=../shared/crds-cache-test python benchmarks/bestrefs.py [-n 1000000] [--context hst_0729.pmap]
        [--crds-sample 500] [--seed 1]

Prints the columnar rate (datasets/s, all types, one context), crds's rate on a
sample of the same corpus, their ratio, warm single-call getrecommendations
latency of both, and the machine's load average (the ratio moves with it).  Timings include conditioning and grouping, not generation.
"""
from __future__ import annotations

import argparse
import os
import time

import pandas as pd


def _corpus(context: str, n: int, seed: int) -> list[pd.DataFrame]:
    try:
        from crds_batch.synth import generate
    except ImportError:  # pragma: no cover - the generator ships with the package
        raise SystemExit("crds_batch.synth is required to generate parameter sets")
    return [frame.drop(columns=["dataset_id"]) for frame in generate(context, n, seed=seed)]


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: v for k, v in row.items() if v is not None} for row in frame.to_dict("records")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1_000_000)
    parser.add_argument("--context", default="hst_0729.pmap")
    parser.add_argument("--crds-sample", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.environ.pop("CRDS_SERVER_URL", None)

    from crds_batch.api import getrecommendations
    from crds_batch.engine.evaluate import evaluate
    from crds_batch.rules.loading import load_context

    t0 = time.perf_counter()
    frames = _corpus(args.context, args.n, args.seed)
    generated = time.perf_counter() - t0
    context = load_context(args.context)
    # Warm: load and compile every instrument once (as a worker does once per process).
    for frame in frames:
        evaluate(context, frame.head(50))
    t0 = time.perf_counter()
    cells = 0
    for frame in frames:
        result = evaluate(context, frame)
        cells += result.notna().to_numpy().sum()
    elapsed = time.perf_counter() - t0
    ours = args.n / elapsed

    import crds

    sample = pd.concat(frames).sample(n=min(args.crds_sample, args.n), random_state=args.seed)
    records = _records(sample)
    crds.getrecommendations(records[0], context=args.context, observatory="hst", fast=True)
    t0 = time.perf_counter()
    for record in records:
        try:
            crds.getrecommendations(record, context=args.context, observatory="hst", fast=True)
        except Exception:
            pass
    theirs = len(records) / (time.perf_counter() - t0)

    single = records[0]
    for fn in (lambda: getrecommendations(single, args.context),
               lambda: crds.getrecommendations(single, context=args.context, observatory="hst")):
        fn()
    timings = {}
    for name, fn in (("crds_batch", lambda: getrecommendations(single, args.context)),
                     ("crds", lambda: crds.getrecommendations(single, context=args.context, observatory="hst"))):
        t0 = time.perf_counter()
        for _ in range(50):
            fn()
        timings[name] = (time.perf_counter() - t0) / 50 * 1e3

    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
          + f" on {os.cpu_count()} cores")
    print(f"corpus: {args.n} datasets of {args.context} (generated in {generated:.1f}s), {cells} results")
    print(f"columnar engine: {ours:,.0f} datasets/s ({elapsed:.1f}s)")
    print(f"crds (fast=True, {len(records)} sampled datasets): {theirs:,.0f} datasets/s")
    print(f"ratio: {ours / theirs:,.0f}x")
    print(f"warm single-call getrecommendations: crds_batch {timings['crds_batch']:.2f} ms, "
          f"crds {timings['crds']:.2f} ms")


if __name__ == "__main__":
    main()
