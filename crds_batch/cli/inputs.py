"""Where a batch job's parameters come from (``--params``, else a CRDS server) and rendering what could not
be read: one ERROR line each, counted as errors."""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import click

from ..store import input_problems


def echo_input_problems(store) -> int:
    """Print the store's input problems (save lines, datasets that could not be read); return how many."""
    lines, total = input_problems(store)
    for line in lines:
        click.echo(f"ERROR: {line}", err=True)
    if total > len(lines):
        click.echo(f"ERROR: ... and {total - len(lines)} more input problems", err=True)
    return total


def server_params_options(func):
    """``--server URL`` and ``--datasets IDS|@FILE``: with no ``--params``, parameters come from the server
    (``--instruments``' datasets, or these), as crds bestrefs reads them."""
    from .options import WordsOption

    func = click.option("--datasets", "server_datasets", cls=WordsOption, multiple=True, metavar="IDS...|@FILE",
                        help="Without --params: these dataset ids' parameters, from the CRDS server.")(func)
    return click.option("--server", "server_url", default=None, metavar="URL",
                        help="CRDS server for --instruments/--datasets without --params (default: "
                             "CRDS_SERVER_URL).")(func)


@contextlib.contextmanager
def job_inputs(params, trust_pickles: bool, *, server_url: str | None, instruments: tuple[str, ...],
               datasets: tuple[str, ...], context: str, quiet: bool) -> Iterator[tuple[object, int]]:
    """``(source, input error count)``: the ``--params`` store, else the server's parameters of
    ``--instruments``/``--datasets`` fetched into a temporary store (removed afterwards)."""
    from ..store import open_params

    if params:
        if datasets or server_url:
            raise click.UsageError("--server and --datasets fetch parameters from a CRDS server; not with --params "
                                   "(select stored datasets with --only-ids)")
        with open_params(params, trust_pickles=trust_pickles) as source:
            yield source, echo_input_problems(source)
        return
    from ..cache import resolve_context
    from ..client import ClientSettings, CrdsClient
    from ..client.archive import fetched_store
    from ..client.observatory import server_observatory
    from .ingest import _dataset_words
    from .options import instrument_names, split_words
    from .progress import partition_progress

    settings = ClientSettings.from_env(server_url=server_url)
    if settings.serverless or not (instruments or datasets):
        raise click.UsageError("give --params, or --instruments/--datasets with a CRDS server "
                               "(CRDS_SERVER_URL or --server)")
    ids = _dataset_words(split_words(datasets)) if datasets else None
    context = os.path.basename(resolve_context(context))
    with CrdsClient(settings) as client, contextlib.ExitStack() as stack:
        with partition_progress(f"Fetching headers from {client.url}", enabled=not quiet,
                                rate_unit="datasets") as progress:
            source, report = stack.enter_context(fetched_store(
                client, observatory=server_observatory(client), context=context,
                instruments=None if ids else instrument_names(instruments), datasets=ids, progress=progress))
        for line in report.missing:
            click.echo(f"ERROR: No header for {line}", err=True)
        for line in report.store_errors:
            click.echo(f"ERROR: {line}", err=True)
        hidden = report.missing_count - len(report.missing) + report.store_error_count - len(report.store_errors)
        if hidden > 0:
            click.echo(f"ERROR: ... and {hidden} more", err=True)
        yield source, report.missing_count + report.store_error_count
