"""``crds-batch ingest``: load saves and dataset files into a parameter store."""
from __future__ import annotations

import click

from ..store import ingest
from .main import EXIT_ERRORS, EXIT_OK


@click.command("ingest")
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--store", "store_dir", required=True, type=click.Path(file_okay=False),
              help="Store directory (created, or updated by dataset id).")
@click.option("--trust-pickles", is_flag=True,
              help="Allow .pkl saves. Unpickling runs code from the file: only for pickles you made.")
@click.option("--replace", is_flag=True, help="Start the store afresh instead of updating it.")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors.")
def command(sources, store_dir, trust_pickles, replace, quiet):
    """Ingest SOURCE... into the parameter store --store.

    SOURCE is a crds save (.json: one {id: {PARAM: value}} per line, or one
    whole-file object; .pkl with --trust-pickles) or a FITS/ASDF dataset file.
    Sources combine in order, later values winning parameter by parameter, as
    crds --load-pickles does; an existing store counts as the first source.

    Malformed lines are reported as FILE:LINE: REASON and skipped; the exit
    status is then 1. An interrupted ingest leaves the previous store whole.
    """
    report = ingest(list(sources), store_dir, trust_pickles=trust_pickles, replace=replace)
    for line in report.skipped_lines:
        click.echo(f"ERROR: {line}", err=True)
    for line in report.dataset_errors:
        click.echo(f"ERROR: {line}", err=True)
    for line in report.missing_dates:
        click.echo(f"WARNING: {line}", err=True)
    hidden = (report.skipped_line_count - len(report.skipped_lines)
              + report.dataset_error_count - len(report.dataset_errors))
    if hidden > 0:
        click.echo(f"ERROR: ... and {hidden} more", err=True)
    if not quiet:
        click.echo(
            f"Ingested {report.datasets_read} datasets from {len(sources)} sources into {store_dir}: "
            f"{report.datasets} datasets stored, {report.skipped_line_count} lines skipped, "
            f"{report.dataset_error_count} dataset errors, {report.missing_date_count} without dates "
            f"({report.seconds:.1f} s).",
            err=True,
        )
    if not report.ok:
        click.get_current_context().exit(EXIT_ERRORS)
    return EXIT_OK
