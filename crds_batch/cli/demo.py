"""``crds-batch demo``: the main job on an embedded offline default."""
from __future__ import annotations

import os
import time

import click

from ..demo.rules import DEMO_NEW_CONTEXT, DEMO_OLD_CONTEXT
from ..demo.run import DEMO_INVALID_FRACTION, run_demo
from .main import EXIT_ERRORS, EXIT_OK
from .cluster_options import cluster_from_options, cluster_options
from .progress import partition_progress, stderr_log
from .summary import render_summary


@click.command("demo")
@click.option("--workdir", default="crds-batch-demo", show_default=True, type=click.Path(file_okay=False),
              help="Where the demo cache, store and results are written.")
@click.option("-n", "--datasets", default=200_000, show_default=True, type=click.IntRange(min=1),
              help="How many datasets the generated archive holds.")
@click.option("--seed", default=0, show_default=True, help="Seed of the generated archive.")
@click.option("--invalid-fraction", type=click.FloatRange(0.0, 1.0), default=DEMO_INVALID_FRACTION,
              show_default=True,
              help="Share of datasets given a deliberately invalid value, and as many a date before the first "
                   "rule, to show how errors are reported. 0: a clean archive (then any error exits 1).")
@cluster_options
def command(workdir, datasets, seed, invalid_fraction, **cluster):
    """Run affected datasets end to end on built-in rules and data (offline).

    Writes a small CRDS cache for a pretend instrument (two contexts: the
    second delivers a new dark and replaces a flat), generates an archive of
    datasets from the rules, ingests it into a Parquet store, and runs
    `affected` between the two contexts (in this process below the cluster
    threshold, else on a LocalCluster; --workers N forces one). Prints a sample of
    the affected product ids; the full results land in WORKDIR/results.

    The errors it reports are deliberate (see --invalid-fraction): the demo
    exits 0 with them, and says what to run next.
    """
    started = time.monotonic()
    workdir = os.path.abspath(workdir)
    stderr_log(f"crds-batch demo: {DEMO_OLD_CONTEXT} -> {DEMO_NEW_CONTEXT} over {datasets:,} datasets in {workdir}")
    with partition_progress("affected") as progress:
        result = run_demo(workdir, datasets, cluster_from_options(**cluster), seed=seed,
                          invalid_fraction=invalid_fraction, log=stderr_log, progress=progress)
    products = result.affected_products()
    click.echo(f"{len(products):,} affected products, e.g.:")
    for product in products[:10]:
        click.echo(f"  {product}")
    counts = result.update_counts()
    for instrument, kinds in counts.items():
        for filekind, count in kinds.items():
            click.echo(f"  {instrument} {filekind}: {count:,} datasets get a new reference")
    render_summary(result, time.monotonic() - started, os.path.join(workdir, "results"))
    errors = result.error_count
    for line in explain_errors(errors, invalid_fraction) + next_steps(workdir):
        click.echo(line)
    return EXIT_ERRORS if errors and not invalid_fraction else EXIT_OK


def explain_errors(errors: int, invalid_fraction: float) -> list[str]:
    """What the demo's errors are: the faults it planted on purpose."""
    if not errors:
        return ["No errors."]
    if not invalid_fraction:
        return [f"{errors:,} errors in a clean archive: this is a bug in crds-batch's demo, please report it."]
    return [f"The {errors:,} errors are deliberate: {invalid_fraction:.0%} of the generated datasets carry an "
            f"invalid value and {invalid_fraction:.0%} a date before the first rule, so the demo shows how errors "
            "are reported. They do not fail the demo (exit 0); "
            "--invalid-fraction 0 gives a clean archive."]


def next_steps(workdir: str) -> list[str]:
    """Commands to try next on the demo's cache and store."""
    store = os.path.join(workdir, "store")
    return [
        "Next, on the same cache and store:",
        f"  export CRDS_PATH={os.path.join(workdir, 'cache')}",
        f"  crds-batch diff {DEMO_OLD_CONTEXT} {DEMO_NEW_CONTEXT}",
        f"  crds-batch affected --old-context {DEMO_OLD_CONTEXT} --new-context {DEMO_NEW_CONTEXT} "
        f"--params {store} --print-new-references",
        f"  crds-batch check-context --new-context {DEMO_NEW_CONTEXT} --params {store}",
        "  then point CRDS_PATH at a real CRDS cache and run the same commands on your contexts (README: Usage).",
    ]
