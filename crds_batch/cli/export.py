"""``crds-batch export``: write a parameter store back as a crds save file."""
from __future__ import annotations

import click

from ..store import Store, export
from .main import EXIT_OK
from .options import selection_from_options, selection_options


@click.command("export")
@click.option("--store", "store_dir", required=True, type=click.Path(exists=True, file_okay=False),
              help="Parameter store directory.")
@click.option("--save-pickle", "out", required=True, type=click.Path(dir_okay=False),
              help="Output save: .json (one {id: {PARAM: value}} per line) or .pkl, as crds writes them.")
@selection_options
def command(store_dir, out, instruments, only_ids, drop_ids, datasets_since):
    """Export the (selected) datasets of --store to a crds save file.

    crds reads the result with `crds bestrefs --load-pickles OUT`.
    """
    selection = selection_from_options(instruments, only_ids, drop_ids, datasets_since)
    count = export(Store(store_dir), out, selection)
    click.echo(f"Wrote {count} datasets to {out}.", err=True)
    return EXIT_OK
