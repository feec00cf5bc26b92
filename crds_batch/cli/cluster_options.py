"""Cluster options shared by the batch commands."""
from __future__ import annotations

import click

from ..batch.cluster import ClusterOptions


def cluster_options(func):
    """``--scheduler-address``, ``--scheduler-file``, ``--workers``, ``--no-cluster``."""
    options = [
        click.option("--scheduler-address", envvar="DASK_SCHEDULER_ADDRESS", show_envvar=True, metavar="URL",
                     help="Use a running Dask scheduler (tcp://host:8786) instead of a LocalCluster."),
        click.option("--scheduler-file", type=click.Path(dir_okay=False), metavar="FILE",
                     help="Use the scheduler described by a scheduler file (dask scheduler --scheduler-file)."),
        click.option("--workers", "n_workers", type=click.IntRange(min=1), metavar="N",
                     help="Worker processes of the LocalCluster (default: one per core)."),
        click.option("--no-cluster", is_flag=True,
                     help="Run in this process with Dask's synchronous scheduler (small inputs, debugging)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def cluster_from_options(scheduler_address=None, scheduler_file=None, n_workers=None, no_cluster=False) -> ClusterOptions:
    return ClusterOptions(scheduler_address=scheduler_address or None, scheduler_file=scheduler_file,
                          n_workers=n_workers, synchronous=no_cluster)
