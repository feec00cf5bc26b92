"""``crds-batch serve``: serve a CRDS cache and a parameter store to CRDS clients."""
from __future__ import annotations

import click

from ..observatories import OBSERVATORIES
from .cluster_options import cluster_from_options, cluster_options


@click.command("serve")
@click.option("--cache", type=click.Path(file_okay=False), default=None,
              help="CRDS cache root to serve (default: CRDS_PATH and its overrides, as crds reads them).")
@click.option("--store", type=click.Path(file_okay=False), default=None,
              help="Parameter store serving get_dataset_ids / get_dataset_headers_by_id.")
@click.option("--affected-results", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="Results of `crds-batch affected --output` (one, or a directory of them) served by "
                   "get_affected_datasets (crds query_affected).")
@click.option("--reprocess", is_flag=True,
              help="When the cache config's operational context changes (checked every --poll-seconds, on "
                   "SIGHUP and at each get_affected_datasets), run `affected` old -> new over --store into "
                   "--affected-results, in the background.")
@click.option("--poll-seconds", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              help="How often --reprocess looks at the cache config.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8888, show_default=True,
              help="Port to listen on (0: any free port, printed at startup).")
@click.option("--observatory", type=click.Choice(sorted(OBSERVATORIES), case_sensitive=False), default=None,
              help="Observatory served (default: CRDS_OBSERVATORY, else the only one in the cache).")
@cluster_options
def command(cache, store, affected_results, reprocess, poll_seconds, host, port, observatory, **cluster):
    """Serve a CRDS cache (and a parameter store) to the crds client: CRDS_SERVER_URL=http://HOST:PORT."""
    from ..server import ServerSettings, run_server

    return run_server(ServerSettings(cache=cache, store=store, affected_results=affected_results, host=host,
                                     port=port, observatory=observatory, reprocess=reprocess,
                                     cluster=cluster_from_options(**cluster), poll_seconds=poll_seconds))
