"""``crds-batch query-affected``: the datasets a CRDS server found affected by a context change."""
from __future__ import annotations

import click

from .main import EXIT_ERRORS, EXIT_OK
from .options import crds_tool_options

BANNER = "#" * 100


@click.command("query-affected")
@click.option("--old-context", metavar="PMAP", default=None, help="Default: the server's last transition.")
@click.option("--new-context", metavar="PMAP", default=None, help="Default: the server's last transition.")
@click.option("--server", "server", metavar="URL", default=None, help="The CRDS server (default CRDS_SERVER_URL).")
@click.option("--observatory", envvar="CRDS_OBSERVATORY", metavar="OBS",
              help="Default: CRDS_OBSERVATORY, the URL's, else the server's.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the ids and errors.")
@crds_tool_options
def command(old_context, new_context, server, observatory, quiet):
    """Print the ids the server's affected-datasets computation found, one a line, sorted (as crds
    query_affected prints them); its error summary goes to stderr. Exit 1 when the server's
    computation had errors."""
    from ..client import ClientSettings, CrdsClient, listing
    from ..client.observatory import server_observatory

    with CrdsClient(ClientSettings.from_env(server_url=server)) as client:
        report = listing.query_affected(client, server_observatory(client, observatory), old_context, new_context)
    if not quiet:
        click.echo(BANNER, err=True)
        click.echo(report.summary, err=True)
    for dataset_id in report.ids:
        click.echo(dataset_id)
    if report.status != 0:
        click.echo(f"ERROR: CRDS server-side errors for {report.old_context} --> {report.new_context} "
                   f"{report.computation_dir}", err=True)
    if not quiet:
        click.echo(f"{report.old_context} --> {report.new_context}: {len(report.ids)} products affected", err=True)
    return EXIT_ERRORS if report.status != 0 else EXIT_OK
