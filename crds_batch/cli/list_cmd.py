"""``crds-batch list``: what the cache, the configuration and the CRDS server hold (as `crds list`)."""
from __future__ import annotations

import click

from ..tools.status import cache_status
from .main import EXIT_ERRORS, EXIT_OK
from .options import WordsOption, instrument_names, split_words


@click.command("list")
@click.option("--status", is_flag=True, help="Print the configuration: cache paths, contexts, versions.")
@click.option("--dataset-ids-for-instruments", "dataset_ids", cls=WordsOption, multiple=True,
              metavar="INSTRUMENT...", help="Print the server's dataset ids of these instruments.")
@click.option("--dataset-headers", "dataset_headers", cls=WordsOption, multiple=True, metavar="IDS...|@FILE",
              help="Print the server's parameters of these datasets (a bare product id expands).")
@click.option("--json", "as_json", is_flag=True, help="With --dataset-headers: one JSON object a line.")
@click.option("--first-id-expansion-only", "--first-id", "first_id", is_flag=True,
              help="With --dataset-headers: only the first exposure of each product.")
@click.option("--minimize-headers", "--minimize-header", "minimize", is_flag=True,
              help="With --dataset-headers: only the parameters the context's rules read.")
@click.option("--id-expansions-only", is_flag=True,
              help="With --dataset-headers: print PRODUCT:EXPOSURE ids only.")
@click.option("--operational-context", "--latest-context", "operational_context", is_flag=True,
              help="Print the server's latest (operational) context (serverless: the cache's).")
@click.option("--remote-context", metavar="PIPELINE", help="Print the context PIPELINE reported in use.")
@click.option("--contexts", "contexts", cls=WordsOption, multiple=True, metavar="PMAP...",
              help="Contexts for the dataset queries (default: the server's latest).")
@click.option("--server", "server", metavar="URL", default=None, help="The CRDS server (default CRDS_SERVER_URL).")
@click.option("--observatory", envvar="CRDS_OBSERVATORY", metavar="OBS", help="Default: CRDS_OBSERVATORY, the URL's, "
              "else the server's.")
def command(status, dataset_ids, dataset_headers, as_json, first_id, minimize, id_expansions_only,
            operational_context, remote_context, contexts, server, observatory):
    """List cache, configuration and server facts (as `crds list`)."""
    server_asked = bool(dataset_ids or dataset_headers or operational_context or remote_context)
    if not status and not server_asked:
        raise click.UsageError("say what to list: --status, --dataset-ids-for-instruments, --dataset-headers, "
                               "--operational-context or --remote-context")
    if status:
        for label, value in cache_status().items():
            click.echo(f"{label} = {value!r}")
    if not server_asked:
        return EXIT_OK
    from ..client import ClientSettings, CrdsClient, api, listing
    from ..client.observatory import server_observatory

    errors = 0
    with CrdsClient(ClientSettings.from_env(server_url=server)) as client:
        obs = server_observatory(client, observatory)
        if operational_context:
            click.echo(api.default_context(client, obs))
            return EXIT_OK
        if remote_context:
            click.echo(api.remote_context(client, obs, remote_context))
            return EXIT_OK
        chosen = split_words(contexts) or [api.default_context(client, obs)]
        lines = []
        if dataset_ids:
            lines.append(listing.dataset_id_lines(client, chosen, instrument_names(dataset_ids)))
        if dataset_headers:
            from .ingest import _dataset_words

            options = listing.HeaderOptions(json=as_json, first_id_only=first_id, minimize=minimize,
                                            id_expansions_only=id_expansions_only)
            chunk = api.max_headers_per_rpc(api.server_info(client, obs))
            lines.append(listing.dataset_header_lines(client, chosen, _dataset_words(split_words(dataset_headers)),
                                                      options, chunk))
        for group in lines:
            for line in group:
                click.echo(f"ERROR: {line.text}" if line.is_error else line.text, err=line.is_error)
                errors += line.is_error
    return EXIT_ERRORS if errors else EXIT_OK
