"""Profile one whole `crds-batch affected` run in this process (no cluster), with a CPU clock.

    CRDS_PATH=../shared/crds-cache-test python benchmarks/profile_affected.py STORE --mode diffs-only -o affected.prof

The affected ids are discarded. Prints the cumulative-time summary of the job's main steps; open the .prof file
with snakeviz or pstats for the rest. A CPU clock keeps other processes' load
out of the figures (the machine may be shared).
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import time

from crds_batch.cli.main import main as crds_batch

STEPS = ("affected_partition|_run_program|compile.py:.*\\(plan\\)|resolve_chains|_normalized_dates|partition_result"
         "|select_rows|tally|store.py:.*\\(__call__\\)|run_partitions|cli/affected.py:.*\\(command\\)|plan_affected"
         "|affected_products|_gather")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store")
    parser.add_argument("--mode", choices=["diffs-only", "all-types"], default="diffs-only")
    parser.add_argument("--old", default="hst_0650.pmap")
    parser.add_argument("--new", default="hst_0729.pmap")
    parser.add_argument("-o", "--output", default="affected.prof")
    args = parser.parse_args()
    argv = ["affected", "--old-context", args.old, "--new-context", args.new, "--params", args.store,
            f"--{args.mode}", "--no-cluster", "-q"]
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    try:
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):  # the affected ids
            crds_batch(argv)
    finally:
        profile.disable()
        profile.dump_stats(args.output)
    pstats.Stats(args.output).sort_stats("cumulative").print_stats(STEPS)


if __name__ == "__main__":
    main()
