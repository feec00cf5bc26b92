"""``crds-batch list``: what the cache and configuration hold."""
from __future__ import annotations

import click

from ..tools.status import cache_status


@click.command("list")
@click.option("--status", is_flag=True, help="Print the configuration: cache paths, contexts, versions.")
def command(status):
    """List cache and configuration facts (as `crds list`)."""
    if not status:
        raise click.UsageError("say what to list: --status")
    for label, value in cache_status().items():
        click.echo(f"{label} = {value!r}")
