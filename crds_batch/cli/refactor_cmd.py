"""``crds-batch refactor insert|delete OLD_RMAP NEW_RMAP REFERENCE...`` (crds refactor)."""
from __future__ import annotations

import click

from .options import crds_tool_options


@click.command("refactor")
@click.argument("action", type=click.Choice(["insert", "delete"]))
@click.argument("old_rmap", type=click.Path(exists=True, dir_okay=False))
@click.argument("new_rmap", type=click.Path(dir_okay=False))
@click.argument("references", nargs=-1, required=True, metavar="REFERENCE...")
@crds_tool_options
def command(action, old_rmap, new_rmap, references):
    """Write NEW_RMAP: OLD_RMAP with REFERENCEs inserted (by their headers' match parameters and
    USEAFTER) or deleted, derived_from set and a fresh sha1sum, as crds refactor does.

    insert handles Match/UseAfter rmaps (HST's shape); header values crds expands
    from wildcards (ANY) are refused.

    \b
    crds-batch refactor insert hst_acs_idctab_0255.rmap ./hst_acs_idctab_0256.rmap new_idc.fits
    crds-batch refactor delete hst_acs_idctab_0255.rmap ./hst_acs_idctab_0256.rmap p7d1548qj_idc.fits
    """
    from ..tools.refactor import delete_references, insert_references

    change = insert_references if action == "insert" else delete_references
    for line in change(old_rmap, new_rmap, list(references)):
        click.echo(f"INFO: {line}", err=True)
