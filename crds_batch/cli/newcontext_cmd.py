"""``crds-batch newcontext PMAP NEW_RMAP...``: new imaps and pmap taking in new rmaps (crds newcontext)."""
from __future__ import annotations

import click

from .options import crds_tool_options


@click.command("newcontext")
@click.argument("pmap")
@click.argument("new_rmaps", nargs=-1, required=True, metavar="NEW_RMAP...")
@click.option("-o", "--output-dir", default=".", show_default=True, type=click.Path(file_okay=False, exists=True),
              help="Directory the new .imap/.pmap files are written to (crds: the current directory).")
@crds_tool_options
def command(pmap, new_rmaps, output_dir):
    """Write the new .imaps and .pmap that take NEW_RMAPs (or INSTRUMENT_TYPE_n/a) into PMAP.

    New names are the next free serials after the cache's (local names, as crds
    makes them); each new file has name/derived_from set and a fresh sha1sum.
    A NEW_RMAP is found in the output directory, the current one, or the cache.

    \b
    crds-batch newcontext hst_0729.pmap ./hst_acs_darkfile_0364.rmap acs_flshfile_n/a
    """
    from ..tools.newcontext import new_context

    result = new_context(pmap, list(new_rmaps), output_dir)
    for message in result.messages:
        click.echo(f"INFO: {message}", err=True)
    for path in result.written.values():
        click.echo(path)
