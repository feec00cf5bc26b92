"""``crds-batch keep-results``: keep every dataset's best references at a context in the store."""
from __future__ import annotations

import click

from ..batch.keep import keep_results
from .cluster_options import cluster_from_options, cluster_options
from .main import EXIT_OK
from .progress import partition_progress, stderr_log


@click.command("keep-results")
@click.argument("context")
@click.option("--store", "store_path", required=True, type=click.Path(file_okay=False), metavar="DIR",
              help="The parameter store (crds-batch ingest) to keep the results in.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@cluster_options
def command(context, store_path, quiet, **cluster):
    """Keep every dataset's best references at CONTEXT in the store (as an archive keeps its datasets'
    current references).

    A later `crds-batch affected --old-context CONTEXT` over the store reads them instead of
    evaluating the old rules, and evaluates in the new context only the types whose rmap changed
    (--evaluate-old ignores them). The store switches to the kept results atomically; an ingest
    drops them. Not for JWST (its types depend on each dataset's pipelines).
    """
    log = (lambda message: None) if quiet else stderr_log
    with partition_progress("keep-results", enabled=not quiet) as progress:
        report = keep_results(context, store_path, cluster_from_options(**cluster), log=log, progress=progress)
    for key in report.skipped:
        log(f"Skipped {key}: not an instrument of {report.context}")
    click.echo(f"Kept the results of {report.context} for {report.datasets} datasets "
               f"({', '.join(f'{key} {len(kinds)} types' for key, kinds in report.types.items())}) "
               f"in {store_path}")
    return EXIT_OK
