"""Shared argument handling for the workflow recipes (cluster options, logging to stderr)."""
from __future__ import annotations

import argparse
import sys

from crds_batch.batch.cluster import ClusterOptions


def add_cluster_arguments(parser: argparse.ArgumentParser) -> None:
    """The same cluster choices as the ``crds-batch`` batch commands."""
    group = parser.add_argument_group("cluster")
    group.add_argument("--scheduler-address", metavar="URL",
                       help="A running Dask scheduler (default: DASK_SCHEDULER_ADDRESS, else a LocalCluster).")
    group.add_argument("--scheduler-file", metavar="FILE", help="A Dask scheduler file (HPC).")
    group.add_argument("--workers", type=int, metavar="N", help="Worker processes of the LocalCluster.")
    group.add_argument("--no-cluster", action="store_true",
                       help="Run in this process with Dask's synchronous scheduler (small inputs).")


def cluster_from_arguments(args: argparse.Namespace) -> ClusterOptions:
    return ClusterOptions(scheduler_address=args.scheduler_address, scheduler_file=args.scheduler_file,
                          n_workers=args.workers, synchronous=args.no_cluster)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
