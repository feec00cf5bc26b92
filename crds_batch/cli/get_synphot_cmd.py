"""``crds-batch get-synphot``: an HST context's synphot files laid out for (st)synphot (as crds get_synphot)."""
from __future__ import annotations

import click

from .main import EXIT_ERRORS, EXIT_OK


@click.command("get-synphot")
@click.option("--context", required=True, help="The context (.pmap or hst-operational, hst-edit...).")
@click.option("--output-dir", required=True, type=click.Path(file_okay=False),
              help="The synphot directory (PYSYN_CDBS): comp/ and mtab/ are written there.")
@click.option("--keep-crds", is_flag=True, help="Keep the CRDS cache DIR/crds (later runs fetch only changes).")
@click.option("--keep-synphot", is_flag=True, help="Keep what comp/ and mtab/ hold already.")
@click.option("--server", metavar="URL", default=None, help="The CRDS server (default CRDS_SERVER_URL).")
@click.option("--parallel", type=click.IntRange(1, 64), default=8, show_default=True, help="Downloads at once.")
def command(context, output_dir, keep_crds, keep_synphot, server, parallel):
    """Download the synphot throughput, thermal and TMC/TMG/TMT files of CONTEXT into DIR/comp and
    DIR/mtab, where synphot and stsynphot look for them (set PYSYN_CDBS=DIR)."""
    from ..client import ClientSettings, CrdsClient
    from ..sync.synphot import get_synphot

    with CrdsClient(ClientSettings.from_env(server_url=server)) as client:
        report = get_synphot(client, context, output_dir, keep_crds=keep_crds, keep_synphot=keep_synphot,
                             parallel=parallel)
    click.echo(report.summary(), err=True)
    return EXIT_ERRORS if report.errors else EXIT_OK
