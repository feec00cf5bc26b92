"""``crds-batch demo``: the main job on an embedded offline default."""
from __future__ import annotations

import os
import time

import click

from ..demo.rules import DEMO_NEW_CONTEXT, DEMO_OLD_CONTEXT
from ..demo.run import run_demo
from .cluster_options import cluster_from_options, cluster_options
from .progress import partition_progress, stderr_log
from .summary import render_summary


@click.command("demo")
@click.option("--workdir", default="crds-batch-demo", show_default=True, type=click.Path(file_okay=False),
              help="Where the demo cache, store and results are written.")
@click.option("-n", "--datasets", default=200_000, show_default=True, type=click.IntRange(min=1),
              help="How many datasets the generated archive holds.")
@click.option("--seed", default=0, show_default=True, help="Seed of the generated archive.")
@cluster_options
def command(workdir, datasets, seed, **cluster):
    """Run affected datasets end to end on built-in rules and data (offline).

    Writes a small CRDS cache for a pretend instrument (two contexts: the
    second delivers a new dark and replaces a flat), generates an archive of
    datasets from the rules, ingests it into a Parquet store, and runs
    `affected` between the two contexts on a LocalCluster. Prints a sample of
    the affected product ids; the full results land in WORKDIR/results.
    """
    started = time.monotonic()
    workdir = os.path.abspath(workdir)
    stderr_log(f"crds-batch demo: {DEMO_OLD_CONTEXT} -> {DEMO_NEW_CONTEXT} over {datasets:,} datasets in {workdir}")
    with partition_progress("affected") as progress:
        result = run_demo(workdir, datasets, cluster_from_options(**cluster), seed=seed, log=stderr_log,
                          progress=progress)
    products = result.affected_products()
    click.echo(f"{len(products):,} affected products, e.g.:")
    for product in products[:10]:
        click.echo(f"  {product}")
    counts = result.update_counts()
    for instrument, kinds in counts.items():
        for filekind, count in kinds.items():
            click.echo(f"  {instrument} {filekind}: {count:,} datasets get a new reference")
    render_summary(result, time.monotonic() - started, os.path.join(workdir, "results"))
    return 0
