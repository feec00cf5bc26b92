"""``crds-batch capture INSTRUMENT...``: dataset ids and headers from a server into a dated directory and a store."""
from __future__ import annotations

import os

import click

from .main import EXIT_ERRORS, EXIT_OK
from .options import crds_tool_options


@click.command("capture")
@click.argument("instruments", nargs=-1, required=True, metavar="INSTRUMENT...")
@click.option("--server", "server", metavar="URL", help="CRDS server (default CRDS_SERVER_URL).")
@click.option("--observatory", "observatory", envvar="CRDS_OBSERVATORY", metavar="OBS",
              help="The server's observatory (default CRDS_OBSERVATORY or -H/-J/--roman, else the server's).")
@click.option("--context", help="Context the server reads parameters for (default: the server's default context).")
@click.option("-o", "--output-dir", default=".", show_default=True, type=click.Path(file_okay=False, exists=True),
              help="Where the capture-<date> directory is made (crds: the current directory).")
@click.option("--store", "store_dir", metavar="DIR", default="",
              help="Parameter store the headers are ingested into (default: <capture dir>/store).")
@click.option("--no-store", is_flag=True, help="Only the .ids.txt and .headers.json files.")
@crds_tool_options
def command(instruments, server, observatory, context, output_dir, store_dir, no_store):
    """Capture the dataset ids and headers of INSTRUMENTs from a CRDS server (crds_dataset_capture).

    Writes capture-<YYYY-MM-DDTHH-MM-SS>/<instrument>.ids.txt (one id a line) and
    <instrument>.headers.json (one {id: header} JSON object a line, as crds list
    --dataset-headers --json), then ingests the headers into a store. Exit status 1
    when the server reported errors for some ids.

    \b
    crds-batch capture acs wfc3 --server https://hst-crds.stsci.edu
    """
    from ..client.observatory import server_observatory
    from ..client.session import CrdsClient
    from ..client.settings import ClientSettings
    from ..tools.capture import capture

    observatory = observatory or os.environ.get("CRDS_OBSERVATORY")
    with CrdsClient(ClientSettings.from_env(server_url=server)) as client:
        obs = server_observatory(client, observatory)
        report = capture(client, instruments, observatory=obs, parent=output_dir, context=context,
                         store_dir=None if no_store else store_dir,
                         log=lambda line: click.echo(f"INFO: {line}", err=True))
    for line in report.errors:
        click.echo(f"ERROR: {line}", err=True)
    for instrument in report.ids:
        click.echo(f"INFO: {instrument}: {report.ids[instrument]} ids, {report.headers[instrument]} headers",
                   err=True)
    if report.store:
        click.echo(f"INFO: store {report.store}: {report.datasets} datasets", err=True)
    click.echo(report.directory)
    return EXIT_ERRORS if report.errors else EXIT_OK
