"""``crds-batch ingest``: load saves, dataset files, or a CRDS server's archive parameters into a store."""
from __future__ import annotations

import click

from ..store import ingest
from .main import EXIT_ERRORS, EXIT_OK
from .options import WordsOption, instrument_names, split_words


@click.command("ingest")
@click.argument("sources", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--store", "store_dir", required=True, type=click.Path(file_okay=False),
              help="Store directory (created, or updated by dataset id).")
@click.option("--server", "server", is_flag=False, flag_value="", default=None, metavar="[URL]",
              help="Fetch archive parameters from a CRDS server (URL, default CRDS_SERVER_URL) "
                   "instead of reading SOURCE files.")
@click.option("--instruments", "instruments", cls=WordsOption, multiple=True, metavar="NAME...",
              help="With --server: every dataset of these instruments.")
@click.option("--all-instruments", is_flag=True, help="With --server: every dataset of every instrument.")
@click.option("--datasets", "datasets", cls=WordsOption, multiple=True, metavar="IDS...|@FILE",
              help="With --server: these dataset ids (PRODUCT:EXPOSURE, or a bare product or exposure id).")
@click.option("--since", "since", metavar="DATE", help="With --server: only datasets observed on/after DATE.")
@click.option("--context", "context", metavar="PMAP",
              help="With --server: the context the server reads parameters for (default: its latest).")
@click.option("--observatory", "observatory", envvar="CRDS_OBSERVATORY", metavar="OBS",
              help="With --server: the server's observatory (default CRDS_OBSERVATORY, else from the URL, "
                   "else the server's).")
@click.option("--trust-pickles", is_flag=True,
              help="Allow .pkl saves. Unpickling runs code from the file: only for pickles you made.")
@click.option("--replace", is_flag=True, help="Start the store afresh instead of updating it.")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors.")
def command(sources, store_dir, server, instruments, all_instruments, datasets, since, context, observatory,
            trust_pickles, replace, quiet):
    """Ingest SOURCE... (or a CRDS server's archive parameters) into the parameter store --store.

    SOURCE is a crds save (.json: one {id: {PARAM: value}} per line, or one
    whole-file object; .pkl with --trust-pickles) or a FITS/ASDF dataset file.
    Sources combine in order, later values winning parameter by parameter, as
    crds --load-pickles does; an existing store counts as the first source.

    With --server, choose datasets with --instruments, --all-instruments or
    --datasets; their parameters are fetched in parallel chunks of the
    server's max_headers_per_rpc. Ids the store already holds are not fetched
    again, so an interrupted ingest resumes where it stopped.

    Malformed lines are reported as FILE:LINE: REASON and skipped; the exit
    status is then 1. An interrupted ingest leaves the previous store whole.
    """
    if server is not None:
        return _from_server(sources, store_dir, server, instruments, all_instruments, datasets, since, context,
                            observatory, replace, quiet)
    if instruments or all_instruments or datasets or since or context:
        raise click.UsageError("--instruments, --all-instruments, --datasets, --since and --context need --server")
    if not sources:
        raise click.UsageError("give SOURCE files, or --server")
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


def _from_server(sources, store_dir, server, instruments, all_instruments, datasets, since, context, observatory,
                 replace, quiet):
    from ..client import ClientSettings, CrdsClient
    from ..client.archive import ingest_from_server
    from ..client.observatory import server_observatory
    from ..store import parse_since
    from .progress import partition_progress

    if sources:
        raise click.UsageError("--server reads no SOURCE files")
    if replace:
        raise click.UsageError("--replace is for SOURCE files (a server ingest resumes into the store)")
    chosen = sum(bool(x) for x in (instruments, all_instruments, datasets))
    if chosen != 1:
        raise click.UsageError("with --server give one of --instruments, --all-instruments, --datasets")
    ids = _dataset_words(split_words(datasets)) if datasets else None
    with CrdsClient(ClientSettings.from_env(server_url=server or None)) as client:
        obs = server_observatory(client, observatory)
        with partition_progress(f"Fetching headers from {client.url}", enabled=not quiet,
                                rate_unit="datasets") as progress:
            report = ingest_from_server(client, store_dir, observatory=obs, context=context,
                                        instruments=instrument_names(instruments), all_instruments=all_instruments,
                                        datasets=ids, since=parse_since(since), progress=progress)
    for line in report.missing:
        click.echo(f"ERROR: No header for {line}", err=True)
    if report.missing_count > len(report.missing):
        click.echo(f"ERROR: ... and {report.missing_count - len(report.missing)} more", err=True)
    for line in report.store_errors:
        click.echo(f"ERROR: {line}", err=True)
    if report.store_error_count > len(report.store_errors):
        click.echo(f"ERROR: ... and {report.store_error_count - len(report.store_errors)} more", err=True)
    if not quiet:
        rate = report.fetched / report.seconds if report.seconds > 0 else 0.0
        click.echo(f"Ingested {report.fetched} datasets from {client.url} ({report.context}) into {store_dir}: "
                   f"{report.requested} requested, {report.already_stored} already stored, "
                   f"{report.missing_count} without headers, {report.datasets} datasets stored "
                   f"({report.seconds:.1f} s, {rate:.0f} datasets/s).", err=True)
    return EXIT_OK if report.ok else click.get_current_context().exit(EXIT_ERRORS)


def _dataset_words(words: list[str]) -> list[str]:
    """Ids from words and ``@file`` lists (one or more ids a line, ``#`` comments), upper-cased, as given."""
    from ..store.selection import SelectionError

    ids: list[str] = []
    for word in words:
        if word.startswith("@"):
            try:
                with open(word[1:]) as handle:
                    ids.extend(w for line in handle for w in line.split("#", 1)[0].replace(",", " ").split())
            except OSError as exc:
                raise SelectionError(f"cannot read id list {word[1:]}: {exc.strerror}") from None
        else:
            ids.extend(word.replace(",", " ").split())
    return [i.upper() for i in ids]
