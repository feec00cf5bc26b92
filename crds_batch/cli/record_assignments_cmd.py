"""``crds-batch record-assignments``: keep a context's best references in a store for later ``affected`` runs."""
from __future__ import annotations

import time

import click

from .cluster_options import cluster_from_options, cluster_options
from .main import EXIT_OK
from .progress import partition_progress, stderr_log


@click.command("record-assignments")
@click.option("--context", required=True, envvar="CRDS_CONTEXT", show_envvar=True,
              help="The context whose results to record (.pmap name or symbolic): usually the one in use now.")
@click.option("--params", "store_dir", required=True, type=click.Path(exists=True, file_okay=False),
              metavar="STORE", help="The parameter store (crds-batch ingest) to record them in.")
@click.option("--quiet", "-q", is_flag=True, help="No summary or progress on stderr.")
@cluster_options
def command(context, store_dir, quiet, **cluster):
    """Evaluate CONTEXT for every dataset of STORE and record the results in it, as an archive keeps its
    datasets' current best references.

    A later `crds-batch affected --old-context CONTEXT` on that store reads them instead of evaluating
    CONTEXT again (about half the work), as long as the store's data and CONTEXT's rules are unchanged
    (a new ingest, or a different file of that name, is noticed and CONTEXT is evaluated). Recording again
    replaces the previous recording atomically; a recording that fails or is killed leaves none. HST and
    Roman only.
    """
    from ..batch.assignments import record_assignments
    from ..store import Store

    log = (lambda message: None) if quiet else stderr_log
    started = time.monotonic()
    with Store(store_dir) as store, partition_progress("record", enabled=not quiet) as progress:
        summary = record_assignments(context, store, cluster_from_options(**cluster), log=log, progress=progress)
    if not quiet:
        types = sum(len(kinds) for kinds in summary.recorded.types.values())
        click.echo(f"Recorded the best references of {summary.recorded.context} for {summary.datasets:,} datasets "
                   f"({types} types of {len(summary.recorded.types)} instruments) in {store_dir} "
                   f"in {time.monotonic() - started:.1f} s", err=True)
    return EXIT_OK
